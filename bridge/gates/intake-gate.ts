/**
 * Whether a stage may take new work, and if not, every reason why. Faults that are the system's
 * (Temporal away or refusing, no worker on the stage's task queue) close the gate under their own
 * key; the stage stops pulling and in-flight orders wait, uncharged, until every key is open.
 */
export type GateListener = (reasons: readonly string[]) => void;

export class IntakeGate {
  private readonly closedBy = new Map<string, string>();
  private waiters = new Set<() => void>();
  private readonly listeners: GateListener[] = [];

  get isOpen(): boolean {
    return this.closedBy.size === 0;
  }

  /** Why intake is paused, one line per cause; empty when open. */
  get reasons(): string[] {
    return [...this.closedBy.values()];
  }

  /** Called with the reasons after every change (empty: open again). */
  onChange(listener: GateListener): void {
    this.listeners.push(listener);
  }

  /** Closes the gate for `key` (or updates its reason). Returns whether anything changed. */
  close(key: string, reason: string): boolean {
    if (this.closedBy.get(key) === reason) return false;
    this.closedBy.set(key, reason);
    this.changed();
    return true;
  }

  /** Opens the gate for `key`; intake resumes once no key holds it. Returns whether anything changed. */
  open(key: string): boolean {
    if (!this.closedBy.delete(key)) return false;
    this.changed();
    if (this.isOpen) for (const wake of [...this.waiters]) wake();
    return true;
  }

  /** Resolves when the gate is open or `signal` aborts, whichever comes first. */
  async whenOpen(signal: AbortSignal): Promise<void> {
    while (!this.isOpen && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          this.waiters.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private changed(): void {
    const reasons = this.reasons;
    for (const listener of this.listeners) listener(reasons);
  }
}
