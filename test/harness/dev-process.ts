/**
 * `orderflow dev` as a process of its own, for tests: started in a folder with its data in a
 * folder of the test's, up once its summary says so, the addresses of the servers it started read
 * from that summary, everything it writes kept (JSON log lines, as cleanEnv asks for).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';

import { CLI, cleanEnv } from './cli';

/** One line of dev's JSON log. */
export type LogRecord = Readonly<Record<string, unknown>> & { readonly level: string; readonly msg: string };

export interface DevProcess {
  readonly child: ChildProcess;
  readonly natsUrl: string;
  readonly temporalAddress: string;
  /** Everything it wrote so far, stdout and stderr. */
  output(): string;
  /** Its JSON log records so far. */
  records(): LogRecord[];
  /** SIGINT; resolves with its exit code once it exited. */
  stop(): Promise<number | null>;
}

function parsed(line: string): LogRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as LogRecord;
  } catch {
    return undefined;
  }
}

/** Starts `orderflow dev <args>` in `cwd`; rejects (the process stopped) when it is not up within 90 s. */
export async function startDevProcess(
  args: readonly string[],
  options: { readonly cwd: string; readonly env?: Record<string, string> },
): Promise<DevProcess> {
  const child = spawn(process.execPath, [CLI, 'dev', ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    return exited;
  };
  const summary = (pattern: RegExp): string => {
    const found = pattern.exec(output)?.[1];
    if (found === undefined) throw new Error(`dev's summary has no ${String(pattern)}:\n${output}`);
    return found;
  };
  try {
    // Not waitFor: an exit must fail at once, and waitFor takes a failed check for a "not yet".
    const deadline = Date.now() + 90_000;
    while (!output.includes('Press Ctrl-C to stop.')) {
      if (child.exitCode !== null) throw new Error(`dev exited (${child.exitCode}):\n${output}`);
      if (Date.now() > deadline) throw new Error(`dev was not up within 90 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return {
      child,
      natsUrl: summary(/NATS\s+(nats:\/\/\S+)/),
      temporalAddress: summary(/Temporal\s+(\S+:\d+)/),
      output: () => output,
      records: () => output.split('\n').flatMap((line) => parsed(line) ?? []),
      stop,
    };
  } catch (err) {
    // Not the dev the test expects: stopped, with what it started, rather than left running.
    await stop();
    throw err;
  }
}
