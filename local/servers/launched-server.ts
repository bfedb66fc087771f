/**
 * The lifecycle every server orderflow launches shares (nats-server and Temporal's dev server, for
 * `orderflow dev` and the tests): crash, stop, hang, resume, start again on the same data.
 */
import type { ManagedProcess } from './process';

/** What every server orderflow launches can do: crash, stop, hang, resume, come back. */
export abstract class LaunchedServer {
  protected proc: ManagedProcess | undefined;

  /** Spawns the process and waits until it serves. */
  protected abstract launch(): Promise<void>;

  get process(): ManagedProcess | undefined {
    return this.proc;
  }

  /** SIGKILL: a crash, with no chance to flush. */
  async kill(): Promise<void> {
    await this.proc?.kill('SIGKILL');
  }

  /** Graceful stop (SIGTERM, then SIGKILL after `graceMs`). Idempotent. */
  async stop(graceMs?: number): Promise<void> {
    await this.proc?.stop(graceMs);
  }

  /** SIGSTOP: the server hangs; connections stay open but nothing answers. */
  pause(): void {
    this.proc?.signal('SIGSTOP');
  }

  /** SIGCONT after pause(). */
  resume(): void {
    this.proc?.signal('SIGCONT');
  }

  /** Starts the server again on the same port and data (after kill or stop). */
  async restart(): Promise<void> {
    if (this.proc?.running) await this.proc.stop();
    await this.launch();
  }
}
