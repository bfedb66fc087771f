/**
 * A Temporal cluster for the cluster tests: the real Temporal server (tools.js `temporal-server`,
 * the release the pinned CLI embeds) in one process on PostgreSQL, with databases of its own
 * (`orderflow_<pid>_<random>` and `..._visibility`) created and dropped by temporal-sql-tool.
 * The PostgreSQL is the one at ORDERFLOW_TEST_POSTGRES_URL, or one of the harness's own when
 * none answers there (postgres.ts). The namespace `default` is registered and usable on return.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { waitUntilReady } from '../../local/servers/process';
import { toolPath } from '../harness/tools';
import { ensureNamespaceUsable } from './namespace-ready';
import type { Postgres } from './postgres';
import { resolvePostgres } from './postgres';
import type { TemporalDatabases } from './temporal-config';
import { freeTemporalPorts, writeServerConfig } from './temporal-config';
import { TemporalServerProcess } from './temporal-server-process';
import { SqlTool } from './temporal-sql-tool';

export interface TemporalCluster {
  /** host:port of the frontend gRPC. */
  readonly address: string;
  /** 'default', created and ready. */
  readonly namespace: string;
  /** The real server has no web UI of its own: always undefined here. */
  readonly uiUrl?: string;
  readonly logFile: string;
  /**
   * Stops the server process (SIGKILL when kill, else SIGTERM), starts it again on the same
   * ports and databases, and resolves when the frontend answers and the namespace is usable.
   */
  restart(opts?: { kill?: boolean }): Promise<void>;
  /** Stops the server, drops its databases, stops a PostgreSQL the harness started. Idempotent. */
  stop(): Promise<void>;
}

export interface TemporalClusterOptions {
  /** The cluster's own folder: config, logs (and PostgreSQL's data when the harness runs one). */
  readonly dataDir: string;
  /** Told of each step, one line at a time. Default: nothing. */
  readonly log?: (line: string) => void;
}

const NAMESPACE = 'default';
/** A SIGTERMed server gets this long to stop before a SIGKILL, in milliseconds. */
const STOP_GRACE_MS = 20_000;
/** How long a (re)started server may take until the namespace is usable, in milliseconds. */
const READY_TIMEOUT_MS = 120_000;

function databaseNames(): TemporalDatabases {
  const base = `orderflow_${process.pid}_${randomBytes(3).toString('hex')}`;
  return { default: base, visibility: `${base}_visibility` };
}

export async function startTemporalCluster(options: TemporalClusterOptions): Promise<TemporalCluster> {
  const log = options.log ?? (() => undefined);
  const dataDir = path.resolve(options.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const pidRegistryDir = process.env.ORDERFLOW_TEST_PID_REGISTRY;
  const server = toolPath('temporal-server');
  const sqlTool = toolPath('temporal-sql-tool');
  const started = Date.now();
  const postgres = await resolvePostgres({
    env: process.env,
    dir: path.join(dataDir, 'postgres'),
    pidRegistryDir,
    log,
  });
  const databases = databaseNames();
  const sql = new SqlTool(sqlTool, postgres.target);
  const created: string[] = [];
  let proc: TemporalServerProcess | undefined;
  try {
    for (const role of ['default', 'visibility'] as const) {
      await sql.create(databases[role]);
      created.push(databases[role]);
      await sql.setUpSchema(databases[role], role);
    }
    log(
      `databases ${databases.default} and ${databases.visibility} on ${postgres.description} (${Date.now() - started} ms)`,
    );
    const ports = await freeTemporalPorts();
    writeServerConfig(path.join(dataDir, 'config'), ports, postgres.target, databases);
    const address = `127.0.0.1:${ports.services.frontend.grpc}`;
    const logFile = path.join(dataDir, 'temporal-server.log');
    proc = new TemporalServerProcess({ binary: server, root: dataDir, address, logFile, pidRegistryDir });
    await startUsable(proc, address);
    log(`temporal server ready at ${address}, namespace ${NAMESPACE} usable (${Date.now() - started} ms from start)`);
    return clusterOf(proc, { address, logFile, databases, sql, postgres, log });
  } catch (err) {
    await proc?.stop(STOP_GRACE_MS);
    for (const database of created) await sql.drop(database).catch(() => undefined);
    await postgres.stop();
    throw err;
  }
}

/** Spawns the server and waits until the namespace takes work (registering it the first time). */
async function startUsable(proc: TemporalServerProcess, address: string): Promise<void> {
  await proc.start();
  const server = proc.process!;
  let lastError: unknown;
  const usable = (): Promise<boolean> =>
    ensureNamespaceUsable(address, NAMESPACE).then(
      () => true,
      (err: unknown) => {
        lastError = err;
        return false;
      },
    );
  await waitUntilReady(server, usable, { timeoutMs: READY_TIMEOUT_MS, intervalMs: 250 }).catch((err: unknown) => {
    throw new Error(`namespace ${NAMESPACE} not usable: ${String(lastError)}\n${String(err)}`, { cause: err });
  });
}

interface Parts {
  readonly address: string;
  readonly logFile: string;
  readonly databases: TemporalDatabases;
  readonly sql: SqlTool;
  readonly postgres: Postgres;
  readonly log: (line: string) => void;
}

function clusterOf(proc: TemporalServerProcess, parts: Parts): TemporalCluster {
  let stopped: Promise<void> | undefined;
  return {
    address: parts.address,
    namespace: NAMESPACE,
    logFile: parts.logFile,
    restart: async ({ kill = false } = {}) => {
      if (stopped) throw new Error('the Temporal cluster was stopped; start a new one');
      const begun = Date.now();
      await (kill ? proc.kill() : proc.stop(STOP_GRACE_MS));
      const down = Date.now();
      await startUsable(proc, parts.address);
      parts.log(
        `temporal server ${kill ? 'killed' : 'stopped'} in ${down - begun} ms, usable again ${Date.now() - down} ms later`,
      );
    },
    stop: () =>
      (stopped ??= (async () => {
        await proc.stop(STOP_GRACE_MS);
        for (const database of [parts.databases.default, parts.databases.visibility]) {
          await parts.sql
            .drop(database)
            .catch((err: unknown) => parts.log(`could not drop ${database}: ${String(err)}`));
        }
        await parts.postgres.stop();
      })()),
  };
}
