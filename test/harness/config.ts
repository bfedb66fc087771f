/**
 * For tests of configuration read from the environment and config files: the ConfigError a read
 * throws, and fresh config homes so that the real user's `nats` contexts or temporal.toml never
 * leak in.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ConfigError } from '../../shared/errors';

/** The ConfigError `fn` throws; fails the test when it returns or throws anything else. */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

export interface ConfigHomes {
  /** A new, empty folder, removed after the test file. */
  readonly home: () => string;
  /** An environment of only `vars` with HOME and XDG_CONFIG_HOME at `home` (default: a new empty one). */
  readonly envWith: (vars?: Record<string, string>, home?: string) => NodeJS.ProcessEnv;
}

/** Config homes named `<prefix>…` in the temporary folder; call it at the top of a test file. */
export function configHomes(prefix: string): ConfigHomes {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  const home = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  return {
    home,
    envWith: (vars = {}, dir = home()) => ({ HOME: dir, XDG_CONFIG_HOME: dir, ...vars }),
  };
}
