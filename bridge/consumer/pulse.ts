/**
 * One timer shared by every in-flight message of a stage: each waits for the next beat instead of
 * holding a timer of its own, so the number of timers does not grow with the messages held. The
 * timer runs only while someone waits.
 */
export class Pulse {
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly everyMs: number) {}

  /** Resolves at the next beat, or at once when `signal` aborts. Never rejects. */
  next(signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        if (this.waiters.size === 0) this.idle();
        resolve();
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
      this.timer ??= setInterval(() => {
        for (const wake of [...this.waiters]) wake();
      }, this.everyMs);
    });
  }

  /**
   * Waits about `ms` from `since`, beat by beat: until the first beat at which `ms` (less a quarter
   * beat, for the timer's jitter) has passed.
   */
  async atLeast(ms: number, since: number, signal?: AbortSignal): Promise<void> {
    do await this.next(signal);
    while (!signal?.aborted && Date.now() - since < ms - this.everyMs / 4);
  }

  /** How many wait now (for tests and metrics). */
  get waiting(): number {
    return this.waiters.size;
  }

  private idle(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
