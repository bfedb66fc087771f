/** Starts a `nats-server -js` on a given port and store folder; can be killed, paused and restarted. */
import fs from 'node:fs';
import path from 'node:path';

import { LaunchedServer } from './launched-server';
import { ManagedProcess, waitUntilReady } from './process';

export interface NatsServerOptions {
  /** Path of the nats-server binary. */
  readonly binary: string;
  readonly port: number;
  /** JetStream store folder; reusing it on restart keeps every stream and consumer. */
  readonly storeDir: string;
  /** Default: 127.0.0.1. */
  readonly host?: string;
  /** HTTP monitoring port (/varz, /jsz). Default: none. */
  readonly monitorPort?: number;
  /** Appends the server's log here. Default: memory only. */
  readonly logFile?: string;
  /** See ProcessSpec.pidRegistryDir. */
  readonly pidRegistryDir?: string;
  /** See ProcessSpec.ownProcessGroup. Default: false. */
  readonly ownProcessGroup?: boolean;
  /** How long startup may take, in milliseconds. Default: 15000. */
  readonly startTimeoutMs?: number;
}

export class NatsServer extends LaunchedServer {
  private constructor(readonly options: NatsServerOptions) {
    super();
  }

  /** Starts the server and waits until it accepts clients. */
  static async start(options: NatsServerOptions): Promise<NatsServer> {
    const server = new NatsServer(options);
    await server.launch();
    return server;
  }

  get url(): string {
    return `nats://${this.options.host ?? '127.0.0.1'}:${this.options.port}`;
  }

  protected async launch(): Promise<void> {
    const o = this.options;
    fs.mkdirSync(o.storeDir, { recursive: true });
    if (o.logFile) fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
    const args = ['-js', '-a', o.host ?? '127.0.0.1', '-p', String(o.port), '-sd', o.storeDir];
    if (o.monitorPort) args.push('-m', String(o.monitorPort));
    const proc = new ManagedProcess({
      name: 'nats-server',
      binary: o.binary,
      args,
      logFile: o.logFile,
      pidRegistryDir: o.pidRegistryDir,
      ownProcessGroup: o.ownProcessGroup ?? false,
    });
    this.proc = proc;
    await waitUntilReady(proc, () => Promise.resolve(proc.output.includes('Server is ready')), {
      timeoutMs: o.startTimeoutMs ?? 15_000,
      intervalMs: 50,
    });
  }
}
