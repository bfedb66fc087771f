/** A counting semaphore: how many more messages the bridge may hold. */
export class Slots {
  private used = 0;
  private waiters: Array<() => void> = [];

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
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves once at least one slot is free. */
  async waitForFree(): Promise<void> {
    while (this.free <= 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once every slot is free (nothing in flight). */
  async waitForEmpty(): Promise<void> {
    while (this.used > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
