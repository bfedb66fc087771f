/**
 * Starts a Temporal dev server (`temporal server start-dev`) with a SQLite file, so its state
 * survives restarts and SIGKILL; can be killed, paused and restarted on the same file.
 */
import fs from 'node:fs';
import path from 'node:path';

import { openConnection } from '../../shared/temporal/connect';
import { LaunchedServer } from './launched-server';
import { ManagedProcess, waitUntilReady } from './process';

export interface TemporalServerOptions {
  /** Path of the `temporal` CLI binary. */
  readonly binary: string;
  /** gRPC frontend port. */
  readonly port: number;
  /** Web UI port. Default: no UI (headless). */
  readonly uiPort?: number;
  /** SQLite file holding all state. */
  readonly dbFile: string;
  /** Default: 127.0.0.1. */
  readonly host?: string;
  /** Namespace to wait for. Default: `default` (always created by the dev server). */
  readonly namespace?: string;
  /** Search attributes to register, name to type (Keyword, Int, ...). Default: none. */
  readonly searchAttributes?: Readonly<Record<string, string>>;
  /**
   * Dynamic config values (`--dynamic-config-value KEY=VALUE`, the value given as JSON), for
   * example `{ 'frontend.namespaceRPS': 5 }` to make the server throttle. Default: none.
   */
  readonly dynamicConfig?: Readonly<Record<string, string | number | boolean>>;
  /** Appends the server's log here. Default: memory only. */
  readonly logFile?: string;
  /** See ProcessSpec.pidRegistryDir. */
  readonly pidRegistryDir?: string;
  /** See ProcessSpec.ownProcessGroup. Default: false. */
  readonly ownProcessGroup?: boolean;
  /** How long startup may take, in milliseconds. Default: 60000. */
  readonly startTimeoutMs?: number;
}

/**
 * SQLite in WAL mode without fsync on every commit: about twice the workflow throughput of the
 * default, and it still survives a SIGKILL of the server (only a power loss can cost data).
 */
const SQLITE_PRAGMAS = ['journal_mode=WAL', 'synchronous=OFF'];
/** How long one readiness check (connect, then describe the namespace) may take, in milliseconds. */
const READY_CHECK_TIMEOUT_MS = 1000;

/**
 * Temporal's priority and fairness (server 1.29+; off by default there): the matcher that orders
 * a queue's backlog by the priority key, then shares it across fairness keys by weight. Without
 * them a run's priority and fairness key (a pipeline's `priority`, `fairness`) are stored and
 * ignored. Exported for the cluster test's server, which enables the same.
 */
export const PRIORITY_AND_FAIRNESS: Readonly<Record<string, boolean>> = {
  'matching.useNewMatcher': true,
  'matching.enableFairness': true,
};

/**
 * Every task queue's new tasks go to one partition (the server's default writes to 4). With one
 * machine's workers, 4 partitions leave a task where no poller waits for a while, and the
 * server's rate falls into runs at about 60% of its rate (the bench's machine: slices at 26
 * workflows/s between runs at 42, at the same CPU per workflow; more pollers did not help). Reads
 * too, on a data file this server created (readPartitionsConfig). A cluster
 * serving many workers sizes its partitions in its own dynamic config. Options override these.
 */
const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, number | boolean>> = {
  'matching.numTaskqueueWritePartitions': 1,
  ...PRIORITY_AND_FAIRNESS,
};

/**
 * A data file this server created reads one partition too: with one written and four read, the
 * server divides a queue's rate limit (a function's `rateLimit`) among the four and the queue runs
 * at a quarter of it. The marker beside the data file says the file never held tasks in other
 * partitions; a file written before it existed keeps the four reads that drain them.
 */
export function readPartitionsConfig(dbFile: string): Readonly<Record<string, number>> {
  const marker = `${dbFile}.one-partition`;
  if (!fs.existsSync(dbFile)) fs.writeFileSync(marker, 'written and read: task queue partition 0 only\n');
  return fs.existsSync(marker) ? { 'matching.numTaskqueueReadPartitions': 1 } : {};
}

/** The `temporal` CLI's arguments for a dev server with these options. */
export function devServerArgs(o: TemporalServerOptions): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    o.host ?? '127.0.0.1',
    '--port',
    String(o.port),
    '--db-filename',
    o.dbFile,
  ];
  args.push(...(o.uiPort ? ['--ui-port', String(o.uiPort)] : ['--headless']));
  for (const pragma of SQLITE_PRAGMAS) args.push('--sqlite-pragma', pragma);
  for (const [name, type] of Object.entries(o.searchAttributes ?? {}))
    args.push('--search-attribute', `${name}=${type}`);
  for (const [key, value] of Object.entries({ ...DEV_SERVER_DYNAMIC_CONFIG, ...o.dynamicConfig }))
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  args.push('--log-level', 'warn');
  return args;
}

export class TemporalServer extends LaunchedServer {
  private constructor(readonly options: TemporalServerOptions) {
    super();
  }

  static async start(options: TemporalServerOptions): Promise<TemporalServer> {
    const server = new TemporalServer(options);
    await server.launch();
    return server;
  }

  /** host:port of the gRPC frontend. */
  get address(): string {
    return `${this.options.host ?? '127.0.0.1'}:${this.options.port}`;
  }

  get uiUrl(): string | undefined {
    return this.options.uiPort ? `http://${this.options.host ?? '127.0.0.1'}:${this.options.uiPort}` : undefined;
  }

  protected async launch(): Promise<void> {
    const o = this.options;
    fs.mkdirSync(path.dirname(o.dbFile), { recursive: true });
    if (o.logFile) fs.mkdirSync(path.dirname(o.logFile), { recursive: true });
    const args = devServerArgs({ ...o, dynamicConfig: { ...readPartitionsConfig(o.dbFile), ...o.dynamicConfig } });
    const proc = new ManagedProcess({
      name: 'temporal',
      binary: o.binary,
      args,
      logFile: o.logFile,
      pidRegistryDir: o.pidRegistryDir,
      ownProcessGroup: o.ownProcessGroup ?? false,
    });
    this.proc = proc;
    await waitUntilReady(proc, () => this.namespaceReady(), { timeoutMs: o.startTimeoutMs ?? 60_000, intervalMs: 250 });
  }

  private async namespaceReady(): Promise<boolean> {
    const connection = await openConnection({ address: this.address, connectTimeout: READY_CHECK_TIMEOUT_MS });
    try {
      await connection.withDeadline(Date.now() + READY_CHECK_TIMEOUT_MS, () =>
        connection.workflowService.describeNamespace({ namespace: this.options.namespace ?? 'default' }),
      );
      return true;
    } finally {
      await connection.close();
    }
  }
}
