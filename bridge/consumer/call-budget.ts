/**
 * A token bucket for calls that grow with the orders held (describing each run to see whether it
 * is stuck): at most `perSecond` a second however many wait, the waiters served first come, first
 * served. A few runs are checked as often as they ask; thousands share the rate.
 */
export class CallBudget {
  private tokens: number;
  private refilledAt = Date.now();
  /** Waiters in arrival order; an abandoned one is dropped at once. */
  private readonly waiters = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly perSecond: number) {
    this.tokens = perSecond;
  }

  /** How many wait for a token now. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** Resolves once a call may go out, or at once when `signal` aborts (then no token is spent). Never rejects. */
  take(signal?: AbortSignal): Promise<void> {
    this.refill();
    if (this.waiters.size === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = (): void => {
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
      this.timer ??= setInterval(() => this.serve(), Math.max(1, Math.floor(1000 / this.perSecond)));
    });
  }

  private refill(): void {
    const now = Date.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.refilledAt) / 1000) * this.perSecond);
    this.refilledAt = now;
  }

  private serve(): void {
    this.refill();
    for (const wake of this.waiters) {
      if (this.tokens < 1) break;
      this.tokens -= 1;
      wake();
    }
    if (this.waiters.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
