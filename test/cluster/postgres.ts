/**
 * The PostgreSQL server the Temporal cluster stores its state in: the one at
 * ORDERFLOW_TEST_POSTGRES_URL (default: this machine's own on 127.0.0.1:5432) when a server
 * answers there, otherwise one the harness initialises from Debian's binaries (owned-postgres.ts).
 * Tells "answers" by PostgreSQL's own SSLRequest handshake, so no npm driver is needed.
 */
import net from 'node:net';

import { startOwnedPostgres } from './owned-postgres';

export const POSTGRES_URL_VARIABLE = 'ORDERFLOW_TEST_POSTGRES_URL';
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Where and as whom to connect; `database` is the one to connect to when creating others. */
export interface PostgresTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export interface Postgres {
  readonly target: PostgresTarget;
  /** Where it came from, for log lines: the URL (password hidden) or the harness's own folder. */
  readonly description: string;
  /** Stops the server when the harness started it; nothing otherwise. Idempotent. */
  stop(): Promise<void>;
}

/** Thrown when the URL is no postgres:// URL: the variable's value is what to fix. */
export class PostgresUrlError extends Error {
  override readonly name = 'PostgresUrlError';
}

export function parsePostgresUrl(text: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch (err) {
    throw new PostgresUrlError(`${POSTGRES_URL_VARIABLE}=${text} is not a URL (e.g. ${DEFAULT_POSTGRES_URL})`, {
      cause: err,
    });
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new PostgresUrlError(`${POSTGRES_URL_VARIABLE}=${text} is not a postgres:// URL`);
  }
  return {
    host: url.hostname || '127.0.0.1',
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username) || 'postgres',
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres',
  };
}

/** SSLRequest: length 8, then the code 80877103 (PostgreSQL protocol, "SSL Session Encryption"). */
const SSL_REQUEST = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);

/**
 * Whether a PostgreSQL server answers at host:port: it replies 'S' or 'N' to an SSLRequest. Any
 * other listener (or none) is false, within `timeoutMs`.
 */
export function postgresAnswers(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(SSL_REQUEST));
    socket.once('data', (chunk: Buffer) => done(chunk[0] === 0x53 || chunk[0] === 0x4e));
    socket.once('end', () => done(false));
  });
}

/**
 * The server at the configured URL when one answers; otherwise a server of the harness's own in
 * `dir`, on a free loopback port.
 */
export async function resolvePostgres(options: {
  env: NodeJS.ProcessEnv;
  dir: string;
  pidRegistryDir?: string;
  log: (line: string) => void;
}): Promise<Postgres> {
  const url = options.env[POSTGRES_URL_VARIABLE] || DEFAULT_POSTGRES_URL;
  const target = parsePostgresUrl(url);
  const shown = `postgres://${target.user}@${target.host}:${target.port}/${target.database}`;
  if (await postgresAnswers(target.host, target.port)) {
    return { target, description: shown, stop: () => Promise.resolve() };
  }
  options.log(`no PostgreSQL answers at ${shown} (${POSTGRES_URL_VARIABLE}); starting one of the harness's own`);
  return startOwnedPostgres({ dir: options.dir, pidRegistryDir: options.pidRegistryDir, log: options.log });
}
