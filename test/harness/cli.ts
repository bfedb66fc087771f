/** Runs the built `orderflow` command (dist/, built by `npm test`'s pretest) as a user would. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export { CLI } from './paths';
import { CLI } from './paths';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * An environment with nothing of the developer's NATS or Temporal settings in it, so tests see
 * only what they set (an empty config home: no `nats` contexts, no Temporal profiles).
 */
let sharedHome: string | undefined;

/** One empty home per test process (nothing writes to it), removed when the process exits. */
function emptyHome(): string {
  if (!sharedHome) {
    const home = (sharedHome = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-home-')));
    process.once('exit', () => fs.rmSync(home, { recursive: true, force: true }));
  }
  return sharedHome;
}

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const home = emptyHome();
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'),
    ORDERFLOW_TOOLS_DIR: process.env.ORDERFLOW_TOOLS_DIR,
    ORDERFLOW_LOG_FORMAT: 'json',
    ...extra,
  };
}

/** Runs orderflow with `args`, in `cwd` (default: this process's working directory). */
export function runCli(
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      ...(options.cwd ? { cwd: options.cwd } : {}),
      env: cleanEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`orderflow ${args.join(' ')} did not finish in time:\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A user error is one line (or a short list), with no stack trace. */
export function expectNoStackTrace(result: CliResult): void {
  expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(result.stderr).not.toMatch(/unexpected error/);
}
