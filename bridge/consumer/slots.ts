/** A counting semaphore: how many more messages the bridge may hold. Every wait can be abandoned. */
export class Slots {
  private used = 0;
  private waiters = new Set<() => void>();

  constructor(readonly capacity: number) {}

  get free(): number {
    return this.capacity - this.used;
  }

  get inUse(): number {
    return this.used;
  }

  take(): void {
    this.used += 1;
  }

  release(): void {
    this.used -= 1;
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves once at least `count` slots (default 1) are free, or when `signal` aborts. */
  waitForFree(signal?: AbortSignal, count = 1): Promise<void> {
    return this.waitUntil(() => this.free >= Math.min(count, this.capacity), signal);
  }

  /** Resolves once every slot is free (nothing in flight), or when `signal` aborts. */
  waitForEmpty(signal?: AbortSignal): Promise<void> {
    return this.waitUntil(() => this.used === 0, signal);
  }

  private async waitUntil(condition: () => boolean, signal?: AbortSignal): Promise<void> {
    while (!condition() && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.waiters.delete(wake);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.add(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }
}
