/**
 * What the Temporal cluster harness finds before it starts anything: the server and schema tool
 * binaries (generic names, so never whatever `server` or `sql` a PATH has), and whether a
 * PostgreSQL answers at the configured URL (its own handshake, not just an open port).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { MissingToolError } from '../../shared/errors';
import { binaryPath } from '../../local/servers/binaries';
import { freePort } from '../../local/servers/ports';
import { DEFAULT_POSTGRES_URL, parsePostgresUrl, postgresAnswers, PostgresUrlError } from '../cluster/postgres';

describe('cluster tools - the Temporal server binaries', () => {
  let dir: string;
  let pathDir: string;
  let toolsDir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-cluster-tools-'));
    pathDir = path.join(dir, 'bin');
    toolsDir = path.join(dir, 'tools');
    fs.mkdirSync(pathDir);
    // Programs that merely share the binaries' names.
    for (const name of ['server', 'sql']) fs.writeFileSync(path.join(pathDir, name), '', { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('cluster tools - a `server` or `sql` on PATH is never taken; the message names the variable, not PATH', () => {
    const env = { PATH: pathDir, ORDERFLOW_TOOLS_DIR: toolsDir };
    for (const [name, variable] of [
      ['temporal-server', 'TEMPORAL_SERVER_BIN'],
      ['temporal-sql-tool', 'TEMPORAL_SQL_TOOL_BIN'],
    ] as const) {
      let failure: unknown;
      try {
        binaryPath(name, env);
      } catch (err) {
        failure = err;
      }
      expect(failure).toBeInstanceOf(MissingToolError);
      expect((failure as Error).message).toContain(variable);
      expect((failure as Error).message).toContain('go.temporal.io/server/cmd/');
      expect((failure as Error).message).not.toContain('PATH');
    }
  });

  it('cluster tools - the binaries come from their variable or the cache', () => {
    const cached = path.join(toolsDir, 'temporal-server-v1.29.1', 'server');
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    fs.writeFileSync(cached, '', { mode: 0o755 });
    expect(binaryPath('temporal-server', { PATH: pathDir, ORDERFLOW_TOOLS_DIR: toolsDir })).toBe(cached);
    const chosen = path.join(pathDir, 'sql');
    expect(
      binaryPath('temporal-sql-tool', { PATH: pathDir, ORDERFLOW_TOOLS_DIR: toolsDir, TEMPORAL_SQL_TOOL_BIN: chosen }),
    ).toBe(chosen);
  });
});

describe('cluster tools - the PostgreSQL URL', () => {
  it('cluster tools - the default names the local server as postgres; missing parts take PostgreSQL defaults', () => {
    expect(parsePostgresUrl(DEFAULT_POSTGRES_URL)).toEqual({
      host: '127.0.0.1',
      port: 5432,
      user: 'postgres',
      password: '',
      database: 'postgres',
    });
    expect(parsePostgresUrl('postgresql://ops:s%40cret@db.example:6543/temporal_admin')).toEqual({
      host: 'db.example',
      port: 6543,
      user: 'ops',
      password: 's@cret',
      database: 'temporal_admin',
    });
    expect(parsePostgresUrl('postgres://db.example')).toMatchObject({ port: 5432, user: 'postgres' });
    expect(() => parsePostgresUrl('mysql://127.0.0.1/x')).toThrow(PostgresUrlError);
    expect(() => parsePostgresUrl('127.0.0.1:5432')).toThrow(/ORDERFLOW_TEST_POSTGRES_URL/);
  });

  /** A listener that answers every connection's first bytes with `reply`. */
  async function listener(reply: string): Promise<{ port: number; close: () => Promise<void> }> {
    const server = net.createServer((socket) => socket.once('data', () => socket.end(reply)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
  }

  it('cluster tools - a PostgreSQL answers the SSLRequest with S or N; another listener or none does not count', async () => {
    const postgres = await listener('N');
    const http = await listener('HTTP/1.1 400 Bad Request\r\n\r\n');
    try {
      expect(await postgresAnswers('127.0.0.1', postgres.port)).toBe(true);
      expect(await postgresAnswers('127.0.0.1', http.port)).toBe(false);
      expect(await postgresAnswers('127.0.0.1', await freePort())).toBe(false);
    } finally {
      await postgres.close();
      await http.close();
    }
  });
});
