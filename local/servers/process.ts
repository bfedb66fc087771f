/**
 * A server process orderflow started: spawned, watched, signalled (kill, pause, resume), and
 * recorded so that nothing outlives its owner.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { UserError } from '../../shared/errors';

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ProcessSpec {
  /** Short name used in messages, e.g. `nats-server`. */
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  /** File that receives the process's stdout and stderr (appended). Default: kept in memory only. */
  readonly logFile?: string;
  /**
   * Folder in which a file named after the pid exists while the process runs, so a supervisor
   * (the test harness's teardown) can kill what a crashed owner left behind. Default: none.
   */
  readonly pidRegistryDir?: string;
  /**
   * Runs the process in a process group (and session) of its own. A terminal's Ctrl-C signals its
   * whole foreground group: a server in it would die at the same moment as its owner, before the
   * owner has handed anything back. In a group of its own it gets only what its owner sends, so
   * the owner can stop its clients first and the server last. The owner must then stop it on
   * every way it ends itself (stop(), killChildrenOnExit). Default: false (it dies with its
   * owner's group, which suits test harnesses).
   */
  readonly ownProcessGroup?: boolean;
}

const live = new Set<ChildProcess>();

/** Kills every process started here when this Node process exits. For entry points to call once. */
export function killChildrenOnExit(): void {
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

export class ManagedProcess {
  private readonly child: ChildProcess;
  /** The last 64 KiB the process printed, for error messages. */
  private recent = '';
  readonly exited: Promise<ExitStatus>;

  constructor(readonly spec: ProcessSpec) {
    const log = spec.logFile ? fs.createWriteStream(spec.logFile, { flags: 'a' }) : undefined;
    this.child = spawn(spec.binary, [...spec.args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: spec.ownProcessGroup ?? false,
    });
    live.add(this.child);
    const pidFile =
      spec.pidRegistryDir && this.child.pid ? path.join(spec.pidRegistryDir, String(this.child.pid)) : undefined;
    if (pidFile) fs.writeFileSync(pidFile, `${spec.name}\n`);
    const collect = (chunk: Buffer): void => {
      this.recent = (this.recent + chunk.toString()).slice(-65_536);
      log?.write(chunk);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.recent += `\n${err.message}`;
      });
      this.child.once('close', (code, signal) => {
        live.delete(this.child);
        if (pidFile) fs.rmSync(pidFile, { force: true });
        log?.end();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** What the process printed most recently. */
  get output(): string {
    return this.recent;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /** Sends `signal` and waits for the exit. Idempotent. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ExitStatus> {
    this.signal(signal);
    return this.exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs` milliseconds. A paused process is resumed first. */
  async stop(graceMs = 10_000): Promise<ExitStatus> {
    if (!this.running) return this.exited;
    this.signal('SIGCONT');
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** How many of the lines a failed server printed last are quoted in its start error. */
const QUOTED_LAST_LINES = 15;
/** How many of the lines that say what failed (errors, a panic's first line) are quoted. */
const QUOTED_FAILURE_LINES = 5;
/**
 * Lines of a Go server's log that say why it stopped: Temporal logs a failure, then often panics
 * on what the failure left unset, so the stack trace that ends the output hides the cause.
 */
const FAILURE_LINE = /^panic:|level=(ERROR|FATAL)|"level":"(error|fatal)"|\[(ERR|FTL)\]|\bFATAL\b/;
/**
 * EADDRINUSE as the OS words it (strerror), the only trace a child process's bind failure leaves:
 * it has no exit code of its own in nats-server or Temporal.
 */
const PORT_IN_USE = /address already in use/;

/**
 * A server that exited, or did not answer, while it started. Not a bug of orderflow's: what the
 * server printed says what to fix (a port, a broken data folder), so the CLI prints it without a
 * stack trace.
 */
export class ServerStartError extends UserError {
  override readonly name = 'ServerStartError';
  readonly exitCode = 3;
  constructor(
    readonly server: string,
    readonly reason: 'exited' | 'not ready',
    /** What the server printed (its last 64 KiB). */
    readonly output: string,
    timeoutMs: number,
    /** Where its whole log is, when it has one. */
    logFile?: string,
  ) {
    super(
      `${server} ${reason === 'exited' ? 'exited during startup' : `was not ready after ${timeoutMs} ms`}:\n${quote(output)}` +
        (logFile ? `\n(${server}'s whole log: ${logFile})` : ''),
    );
  }

  /** It said a port it needed was taken: started again on other ports, it may well come up. */
  get portInUse(): boolean {
    return PORT_IN_USE.test(this.output);
  }
}

/** The lines that say what failed, then the last lines, without repeating any. */
function quote(output: string): string {
  const lines = output.trim().split('\n');
  const last = lines.slice(-QUOTED_LAST_LINES);
  const earlier = lines.slice(0, -QUOTED_LAST_LINES);
  const failures = earlier.filter((line) => FAILURE_LINE.test(line)).slice(0, QUOTED_FAILURE_LINES);
  return failures.length > 0 ? [...failures, '...', ...last].join('\n') : last.join('\n');
}

/**
 * Whether `check` answered true before the deadline: a check that hangs (a port held by something
 * that accepts and never answers) ends with the deadline or the process's exit, not never.
 */
async function answersBefore(check: () => Promise<boolean>, proc: ManagedProcess, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([check().catch(() => false), proc.exited.then(() => false as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `check` every `intervalMs` until it returns true, the process exits, or `timeoutMs` passes.
 * Throws ServerStartError otherwise (the process killed if it still ran).
 */
export async function waitUntilReady(
  proc: ManagedProcess,
  check: () => Promise<boolean>,
  { timeoutMs, intervalMs = 100 }: { timeoutMs: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc.exited.then(() => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited || !proc.running) {
      // Everything it printed has been read once the exit has been seen.
      await proc.exited;
      throw new ServerStartError(proc.spec.name, 'exited', proc.output, timeoutMs, proc.spec.logFile);
    }
    if (await answersBefore(check, proc, deadline)) return;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  await proc.kill();
  throw new ServerStartError(proc.spec.name, 'not ready', proc.output, timeoutMs, proc.spec.logFile);
}

/**
 * Whether a process runs. A zombie (exited, not yet reaped by its parent, which for an orphan in
 * a container may be an init that never reaps) counts as gone.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (macOS): the signal check is all there is
  }
}
