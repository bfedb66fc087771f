/**
 * A bridge or worker process of the chaos run, supervised as a deployment would be: started with
 * its own environment, restarted when it exits on its own (each exit reported), and open to the
 * nemesis (SIGKILL, SIGSTOP/SIGCONT). Processes are ManagedProcesses, so they die with the runner.
 */

import { findOnPath } from '../../local/servers/binaries';
import { ManagedProcess, waitUntilReady } from '../../local/servers/process';
import { cleanEnv } from '../harness/cli';

export interface ComponentSpec {
  /** bridge-1, worker-2, ... */
  readonly name: string;
  /** Arguments after `node`: the script and its own arguments. */
  readonly args: readonly string[];
  /** Environment on top of a clean one (see harness cleanEnv). */
  readonly env: Readonly<Record<string, string>>;
  /** Printed once the process serves. */
  readonly readyText: string;
  readonly logFile: string;
  readonly pidRegistryDir?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Component {
  private proc: ManagedProcess | undefined;
  private wanted = false;
  /** Bumped by every kill or stop, so a start loop of an earlier life ends instead of respawning. */
  private generation = 0;
  private starting: { readonly generation: number; readonly done: Promise<void> } | undefined;
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly spec: ComponentSpec,
    /** Told of what happened without the nemesis: exits, failed starts. */
    private readonly report: (event: string, detail: string) => void,
  ) {
    this.env = cleanEnv({ ...spec.env });
  }

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  /** Starts (or restarts) the process; resolves once it is ready. */
  start(): Promise<void> {
    this.wanted = true;
    if (this.starting?.generation === this.generation) return this.starting.done;
    const generation = this.generation;
    const done = this.spawnUntilReady(generation).finally(() => {
      if (this.starting?.generation === generation) this.starting = undefined;
    });
    this.starting = { generation, done };
    return done;
  }

  /** Resolves when ready (now, or once the current start finishes). */
  async whenReady(): Promise<void> {
    if (this.starting) await this.starting.done;
    else if (!this.running) await this.start();
  }

  private spawn(): ManagedProcess {
    // `env -i` replaces the environment and execs node: the pid signalled is node's own.
    const assignments = Object.entries(this.env)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, v]) => `${k}=${v}`);
    return new ManagedProcess({
      name: this.spec.name,
      binary: findOnPath('env') ?? '/usr/bin/env',
      args: ['-i', ...assignments, process.execPath, ...this.spec.args],
      logFile: this.spec.logFile,
      pidRegistryDir: this.spec.pidRegistryDir,
    });
  }

  private async spawnUntilReady(generation: number): Promise<void> {
    const current = (): boolean => this.wanted && this.generation === generation;
    while (current()) {
      const proc = this.spawn();
      this.proc = proc;
      try {
        // A process that neither serves nor exits within this is killed and started again.
        await waitUntilReady(proc, () => Promise.resolve(proc.output.includes(this.spec.readyText)), {
          timeoutMs: 30_000,
          intervalMs: 100,
        });
        this.watch(proc);
        return;
      } catch (err) {
        if (!current()) return;
        this.report('start failed', err instanceof Error ? err.message.split('\n').slice(0, 3).join(' | ') : '');
        await sleep(1000);
      }
    }
  }

  private watch(proc: ManagedProcess): void {
    void proc.exited.then((status) => {
      if (this.proc !== proc || !this.wanted) return;
      const last = proc.output.trim().split('\n').slice(-3).join(' | ');
      this.report('exited on its own', `code ${status.code} signal ${status.signal}: ${last}`);
      void this.start().catch(() => undefined);
    });
  }

  /** SIGKILL; stays down until start(). */
  async kill(): Promise<void> {
    this.wanted = false;
    this.generation += 1;
    await this.proc?.kill('SIGKILL');
  }

  pause(): void {
    this.proc?.signal('SIGSTOP');
  }

  resume(): void {
    this.proc?.signal('SIGCONT');
  }

  /** SIGTERM (after SIGCONT), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.wanted = false;
    this.generation += 1;
    await this.proc?.stop(graceMs);
  }
}
