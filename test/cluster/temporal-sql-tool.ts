/**
 * temporal-sql-tool (go.temporal.io/server/cmd/tools/sql, the schemas embedded): creates the
 * Temporal server's two databases on PostgreSQL, sets their schemas up to the latest version, and
 * drops them. Every connection setting is a flag, so no SQL_* variable of the caller's leaks in.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

import type { PostgresTarget } from './postgres';

const run = promisify(execFile);

/** The plugin Temporal's config and the tool both name (PostgreSQL 12 and newer). */
export const POSTGRES_PLUGIN = 'postgres12';

/** The embedded schema of each database's role. */
const SCHEMA_NAMES = { default: 'postgresql/v12/temporal', visibility: 'postgresql/v12/visibility' } as const;

export type DatabaseRole = keyof typeof SCHEMA_NAMES;

export class SqlTool {
  constructor(
    private readonly binary: string,
    private readonly target: PostgresTarget,
  ) {}

  private async sql(database: string, command: readonly string[]): Promise<void> {
    const t = this.target;
    const args = [
      ...['--endpoint', t.host, '--port', String(t.port), '--user', t.user, '--password', t.password],
      ...['--plugin', POSTGRES_PLUGIN, '--database', database, ...command],
    ];
    await run(this.binary, args, { env: { PATH: process.env.PATH }, timeout: 60_000 }).catch((err: unknown) => {
      const output = err as { stdout?: string; stderr?: string };
      throw new Error(
        `temporal-sql-tool ${command[0]} ${database} failed: ${`${output.stderr ?? ''}${output.stdout ?? ''}`.trim() || String(err)}`,
        { cause: err },
      );
    });
  }

  /** Creates `database` (the tool succeeds when it exists: callers choose names of their own). */
  async create(database: string): Promise<void> {
    await this.sql(database, ['create-database', '--defaultdb', this.target.database]);
  }

  /** Versioning tables at 0.0, then every versioned step of the embedded schema up to the latest. */
  async setUpSchema(database: string, role: DatabaseRole): Promise<void> {
    await this.sql(database, ['setup-schema', '--version', '0.0']);
    await this.sql(database, ['update-schema', '--schema-name', SCHEMA_NAMES[role]]);
  }

  /** Drops `database`; nothing may be connected to it. */
  async drop(database: string): Promise<void> {
    await this.sql(database, ['drop-database', '--defaultdb', this.target.database, '--force']);
  }
}
