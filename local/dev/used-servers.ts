/**
 * The NATS and Temporal servers `orderflow dev` uses: those the settings name, else a nats-server
 * and a Temporal dev server of its own on its data folder, on the standard ports when they are
 * free and on free ones otherwise, stopped with the rest of dev.
 */
import path from 'node:path';

import type { NatsSettings } from '../../shared/config/nats';
import type { TemporalSettings } from '../../shared/config/temporal';
import type { Logger } from '../../shared/log';
import { NatsServer } from '../servers/nats-server';
import { preferredOrFreePort, startWithPortRetry } from '../servers/ports';
import { TemporalServer } from '../servers/temporal-server';
import type { StopSteps } from './stop-steps';

const STANDARD_PORTS = { nats: 4222, temporal: 7233, temporalUi: 8233 } as const;

/** What decides the servers (DevOptions' fields). */
export interface ServerChoice {
  readonly dataDir: string;
  readonly natsServerBinary: string;
  readonly temporalBinary: string;
  readonly externalNats?: NatsSettings;
  readonly externalTemporal?: TemporalSettings;
  readonly logger: Logger;
}

/** Where dev's Temporal is. */
export interface DevTemporal {
  readonly address: string;
  readonly namespace: string;
  readonly uiUrl?: string;
}

/** Where a server dev starts keeps its pid (for a later run to find a crashed one's) and its log. */
export interface ServerFiles {
  readonly runDir: string;
  readonly logFile: string;
}

/** A server dev uses: its settings, and whether dev started it (it is then stopped with the stack). */
export interface UsedServer<S> {
  readonly settings: S;
  readonly started: boolean;
}

/** The NATS server from the settings (NATS_URL), else a nats-server of dev's own on the data folder. */
export async function natsFor(
  options: ServerChoice,
  files: ServerFiles,
  steps: StopSteps,
): Promise<UsedServer<NatsSettings>> {
  if (options.externalNats) {
    options.logger.info('using the NATS server from the settings', { servers: options.externalNats.servers.join(',') });
    return { settings: options.externalNats, started: false };
  }
  const server = await startWithPortRetry(async () =>
    NatsServer.start({
      binary: options.natsServerBinary,
      port: await preferredOrFreePort(STANDARD_PORTS.nats),
      storeDir: path.join(options.dataDir, 'nats'),
      logFile: files.logFile,
      pidRegistryDir: files.runDir,
      ownProcessGroup: true,
    }),
  );
  steps.add('nats-server', () => server.stop());
  options.logger.info('nats-server started', { url: server.url, pid: server.process?.pid });
  return { settings: { servers: [server.url] }, started: true };
}

/** The Temporal server from the settings (TEMPORAL_ADDRESS), else a Temporal dev server of dev's own. */
export async function temporalFor(
  options: ServerChoice,
  files: ServerFiles,
  steps: StopSteps,
): Promise<UsedServer<DevTemporal>> {
  if (options.externalTemporal) {
    options.logger.info('using the Temporal server from the settings', { address: options.externalTemporal.address });
    return { settings: options.externalTemporal, started: false };
  }
  const server = await startWithPortRetry(async () =>
    TemporalServer.start({
      binary: options.temporalBinary,
      port: await preferredOrFreePort(STANDARD_PORTS.temporal),
      uiPort: await preferredOrFreePort(STANDARD_PORTS.temporalUi),
      dbFile: path.join(options.dataDir, 'temporal', 'temporal.db'),
      logFile: files.logFile,
      pidRegistryDir: files.runDir,
      ownProcessGroup: true,
    }),
  );
  steps.add('Temporal dev server', () => server.stop());
  const settings = { address: server.address, namespace: 'default', uiUrl: server.uiUrl };
  options.logger.info('Temporal dev server started', {
    address: settings.address,
    ui: settings.uiUrl,
    pid: server.process?.pid,
  });
  return { settings, started: true };
}
