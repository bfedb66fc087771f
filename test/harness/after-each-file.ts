import { killChildrenOnExit } from '../../local/servers/process';
import { stopPipelines } from './pipeline';
import { stopAllServers } from './servers';

killChildrenOnExit();
afterAll(async () => {
  await stopPipelines();
  await stopAllServers();
}, 60_000);
