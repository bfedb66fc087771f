import { killChildrenOnExit } from '../../bridge/servers/process';
import { stopPipelines } from './pipeline';
import { stopAllServers } from './servers';

killChildrenOnExit();
afterAll(async () => {
  await stopPipelines();
  await stopAllServers();
}, 60_000);
