/**
 * `orderflow` commands run from a project that installed the packed package (packed.ts), as a user
 * runs them: `node_modules/.bin/orderflow` in that folder, JSON logs kept for waits and failure
 * messages, each process killable by signal and recorded in the test run's pid registry so that
 * the global teardown kills what a failed test left behind.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { cleanEnv } from './cli';

export interface LogLine {
  readonly msg?: string;
  readonly [field: string]: unknown;
}

export interface InstalledProcess {
  /** Short name for messages: `worker payments #2`. */
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  readonly output: () => string;
  readonly running: () => boolean;
  /** Resolves once it logged a JSON line whose msg is `msg`; rejects if it exits first or after `timeoutMs`. */
  readonly waitForLog: (msg: string, timeoutMs?: number) => Promise<LogLine>;
  /** Sends `signal` and waits for the exit. Idempotent. */
  readonly kill: (signal?: NodeJS.Signals) => Promise<void>;
}

function parsed(text: string): LogLine[] {
  return text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line) as LogLine];
    } catch {
      return [];
    }
  });
}

/**
 * Runs `orderflow <args>` from `projectDir`'s node_modules/.bin with a clean environment
 * (cli.ts cleanEnv: JSON logs, no developer settings) plus `env`.
 */
export function spawnInstalled(
  projectDir: string,
  name: string,
  args: readonly string[],
  env: Record<string, string> = {},
): InstalledProcess {
  const bin = path.join(projectDir, 'node_modules', '.bin', 'orderflow');
  const child = spawn(bin, [...args], { cwd: projectDir, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${bin}`);
  const registry = process.env.ORDERFLOW_TEST_PID_REGISTRY;
  const pidFile = registry && fs.existsSync(registry) ? path.join(registry, String(child.pid)) : undefined;
  if (pidFile) fs.writeFileSync(pidFile, `${name}\n`);
  // Kept apart for parsing (a chunk of one may end mid-line), together for messages.
  const streams = { stdout: '', stderr: '' };
  let text = '';
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream].on('data', (c: Buffer) => {
      streams[stream] += c.toString();
      text += c.toString();
    });
  }
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      if (pidFile) fs.rmSync(pidFile, { force: true });
      resolve();
    }),
  );
  const running = (): boolean => child.exitCode === null && child.signalCode === null;

  const waitForLog = (msg: string, timeoutMs = 30_000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const found = (): LogLine | undefined =>
        [...parsed(streams.stderr), ...parsed(streams.stdout)].find((line) => line.msg === msg);
      const settle = (error?: string): void => {
        clearTimeout(timer);
        child.stdout.off('data', onData);
        child.stderr.off('data', onData);
        child.off('exit', onExit);
        const line = found();
        if (line && !error) resolve(line);
        else reject(new Error(`${name}: ${error ?? 'no log line'} before "${msg}":\n${text}`));
      };
      const onData = (): void => {
        if (found()) settle();
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => settle(`exited (${signal ?? code})`);
      const timer = setTimeout(() => settle(`nothing within ${timeoutMs} ms`), timeoutMs);
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', onExit);
      if (found()) settle();
      else if (!running()) settle(`exited (${child.signalCode ?? child.exitCode})`);
    });

  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (running()) child.kill(signal);
    await exited;
  };

  return { name, pid: child.pid, child, output: () => text, running, waitForLog, kill };
}

/** The last `lines` lines each process printed, for a failure message. */
export function outputsOf(processes: readonly InstalledProcess[], lines = 40): string {
  return processes
    .map(
      (p) =>
        `--- ${p.name} (pid ${p.pid}${p.running() ? '' : ', exited'}):\n${p.output().trim().split('\n').slice(-lines).join('\n')}`,
    )
    .join('\n');
}
