import { killChildrenOnExit } from '../../bridge/servers/process';
import { stopAllServers } from './servers';

killChildrenOnExit();
afterAll(stopAllServers, 30_000);
