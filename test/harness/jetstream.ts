/**
 * One nats-server with JetStream and a client on it, for tests of NATS behaviour alone (no
 * Temporal): which version runs, and what that version can do, as the bridge reads it.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';

import { connectNats } from '../../shared/nats/connect';
import type { ServerFeatures } from '../../shared/nats/server-features';
import { featuresOf } from '../../shared/nats/server-features';
import type { NatsServer } from '../../local/servers/nats-server';
import { closeAfterFile } from './pipeline';
import { startNats } from './servers';

export interface JetStreamOnly {
  readonly nats: NatsServer;
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly js: JetStreamClient;
  readonly features: ServerFeatures;
}

export interface JetStreamOnlyOptions {
  /** nats-server binary to run (see natsServerVersions()). Default: the pinned build. */
  readonly natsBinary?: string;
  /** Timeout of JetStream API calls, in ms; short, so a call to a hung server fails in a test. Default: 5000. */
  readonly apiTimeoutMs?: number;
}

/** Starts the server and connects (reconnecting forever); closed after the test file. */
export async function startJetStream(options: JetStreamOnlyOptions = {}): Promise<JetStreamOnly> {
  const nats = await startNats(options.natsBinary ? { binary: options.natsBinary } : {});
  const nc = await connectNats({ servers: [nats.url] }, { reconnectForever: true });
  closeAfterFile(() => nc.close());
  const jsm = await jetstreamManager(nc, { timeout: options.apiTimeoutMs ?? 5000 });
  return { nats, nc, jsm, js: jetstream(nc), features: featuresOf(nc) };
}
