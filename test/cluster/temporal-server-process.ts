/**
 * The Temporal server process (go.temporal.io/server's `server start`) on a generated config:
 * spawned, watched and signalled like the harness's other servers (kill, stop, pause, resume,
 * restart on the same ports and databases). Ready when the frontend answers; whether a namespace
 * is usable is the cluster's question (temporal-cluster.ts).
 */

import { LaunchedServer } from '../../local/servers/launched-server';
import { ManagedProcess, waitUntilReady } from '../../local/servers/process';
import { openConnection } from '../../shared/temporal/connect';
import { CONFIG_ENV } from './temporal-config';

export interface TemporalServerProcessOptions {
  /** Path of the `server` binary (tools.js `temporal-server`). */
  readonly binary: string;
  /** Holds config/<env>.yaml (writeServerConfig). */
  readonly root: string;
  /** host:port of the frontend's gRPC. */
  readonly address: string;
  readonly logFile: string;
  readonly pidRegistryDir?: string;
  /** How long the frontend may take to answer, in milliseconds. Default: 60000. */
  readonly startTimeoutMs?: number;
}

export class TemporalServerProcess extends LaunchedServer {
  constructor(readonly options: TemporalServerProcessOptions) {
    super();
  }

  /** Spawns the server and waits until its frontend answers. */
  async start(): Promise<void> {
    await this.launch();
  }

  protected async launch(): Promise<void> {
    const o = this.options;
    const proc = new ManagedProcess({
      name: 'temporal-server',
      binary: o.binary,
      args: ['--root', o.root, '--config', 'config', '--env', CONFIG_ENV, '--allow-no-auth', 'start'],
      logFile: o.logFile,
      pidRegistryDir: o.pidRegistryDir,
    });
    this.proc = proc;
    await waitUntilReady(proc, () => this.frontendAnswers(), {
      timeoutMs: o.startTimeoutMs ?? 60_000,
      intervalMs: 250,
    });
  }

  private async frontendAnswers(): Promise<boolean> {
    const connection = await openConnection({ address: this.options.address, connectTimeout: 1000 });
    try {
      await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}));
      return true;
    } finally {
      await connection.close();
    }
  }
}
