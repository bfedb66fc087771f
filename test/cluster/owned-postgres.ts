/**
 * A PostgreSQL server of the harness's own, for machines where none answers at the configured URL:
 * initialised from Debian's `postgresql` binaries (/usr/lib/postgresql/<version>/bin) into a
 * folder of its own, run in the foreground on a free loopback port as a child process (so it dies
 * with the harness like every other server), stopped and removed at the end.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { freePort } from '../../local/servers/ports';
import { ManagedProcess, waitUntilReady } from '../../local/servers/process';
import type { Postgres } from './postgres';

const run = promisify(execFile);

const DEBIAN_ROOT = '/usr/lib/postgresql';
const SUPERUSER = 'postgres';

/** Thrown when this machine cannot run a PostgreSQL of the harness's own; the message says what to do. */
export class OwnedPostgresUnavailableError extends Error {
  override readonly name = 'OwnedPostgresUnavailableError';
}

const ADVICE =
  'install PostgreSQL (`apt-get install postgresql`) or set ORDERFLOW_TEST_POSTGRES_URL to a server that answers';

/** The newest Debian PostgreSQL bin folder that has initdb, postgres and pg_isready. */
function debianBinDir(): string {
  const versions = fs.existsSync(DEBIAN_ROOT) ? fs.readdirSync(DEBIAN_ROOT) : [];
  const usable = versions
    .filter((v) =>
      ['initdb', 'postgres', 'pg_isready'].every((b) => fs.existsSync(path.join(DEBIAN_ROOT, v, 'bin', b))),
    )
    .sort((a, b) => Number(b) - Number(a));
  if (!usable[0]) throw new OwnedPostgresUnavailableError(`no PostgreSQL binaries in ${DEBIAN_ROOT}/*/bin: ${ADVICE}`);
  return path.join(DEBIAN_ROOT, usable[0], 'bin');
}

/**
 * How to run PostgreSQL's programs: as ourselves, or, when root (initdb and postgres refuse to
 * run as root), as the `postgres` user through setpriv, which execs (no intermediate process
 * that a SIGKILL would leave the server behind).
 */
interface RunAs {
  readonly wrap: (binary: string, args: readonly string[]) => [string, string[]];
  readonly owner?: { readonly uid: number; readonly gid: number };
}

async function runAs(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return { wrap: (binary, args) => [binary, [...args]] };
  const id = async (flag: string): Promise<number> => Number((await run('id', [flag, SUPERUSER])).stdout.trim());
  let owner: { uid: number; gid: number };
  try {
    owner = { uid: await id('-u'), gid: await id('-g') };
  } catch (err) {
    throw new OwnedPostgresUnavailableError(
      `running as root, PostgreSQL must run as the "${SUPERUSER}" user, and there is none: ${ADVICE}`,
      { cause: err },
    );
  }
  const setpriv = '/usr/bin/setpriv';
  if (!fs.existsSync(setpriv)) {
    throw new OwnedPostgresUnavailableError(
      `running as root needs ${setpriv} (util-linux) to run PostgreSQL: ${ADVICE}`,
    );
  }
  return {
    owner,
    wrap: (binary, args) => [
      setpriv,
      [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--', binary, ...args],
    ],
  };
}

/**
 * Initialises and starts the server. Its data lives in `dir`, or, when root, in a folder of
 * its own under the system's temporary folder (the `postgres` user cannot enter root's private
 * folders).
 */
export async function startOwnedPostgres(options: {
  dir: string;
  pidRegistryDir?: string;
  log: (line: string) => void;
}): Promise<Postgres> {
  const bin = debianBinDir();
  const as = await runAs();
  const home = as.owner ? fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-postgres-')) : options.dir;
  fs.mkdirSync(home, { recursive: true });
  if (as.owner) fs.chownSync(home, as.owner.uid, as.owner.gid);
  const data = path.join(home, 'data');
  const logFile = path.join(options.dir, 'postgres.log');
  fs.mkdirSync(options.dir, { recursive: true });
  const [initdb, initArgs] = as.wrap(path.join(bin, 'initdb'), [
    ...['-D', data, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
  ]);
  await run(initdb, initArgs, { cwd: home }).catch((err: unknown) => {
    throw new Error(`initdb failed in ${data}: ${(err as { stderr?: string }).stderr ?? String(err)}`, { cause: err });
  });
  const port = await freePort();
  // Temporal's services each keep a connection pool of their own: more than the default 100 may be open.
  const [binary, args] = as.wrap(path.join(bin, 'postgres'), [
    ...['-D', data, '-p', String(port), '-k', home],
    ...['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
  ]);
  const proc = new ManagedProcess({ name: 'postgres', binary, args, logFile, pidRegistryDir: options.pidRegistryDir });
  const ready = async (): Promise<boolean> => {
    await run(path.join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port), '-U', SUPERUSER]);
    return true;
  };
  await waitUntilReady(proc, ready, { timeoutMs: 30_000, intervalMs: 200 });
  options.log(
    `started PostgreSQL ${path.basename(path.dirname(bin))} of the harness's own on 127.0.0.1:${port} (${data})`,
  );
  let stopped: Promise<void> | undefined;
  return {
    target: { host: '127.0.0.1', port, user: SUPERUSER, password: '', database: 'postgres' },
    description: `the harness's own PostgreSQL on 127.0.0.1:${port}`,
    stop: () =>
      (stopped ??= (async () => {
        // SIGINT: PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave).
        proc.signal('SIGINT');
        await proc.stop(10_000);
        fs.rmSync(as.owner ? home : data, { recursive: true, force: true });
      })()),
  };
}
