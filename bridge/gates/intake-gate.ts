/**
 * Whether a stage may take new work, and if not, every reason why. Faults that are the system's
 * (Temporal away or refusing, no worker on the stage's task queue) close the gate under their own
 * key; the stage stops pulling and in-flight orders wait, uncharged, until every fault key is open.
 * An operator's pause (`orderflow pause`, operator-pause.ts) closes it under a key of kind
 * `operator`: the stage stops pulling, but the orders it holds go on and are acked, as nothing is
 * wrong with the system; only the faults count for readiness, shutdown and stuck runs.
 */
export type GateListener = (reasons: readonly string[]) => void;

/** Why a key holds the gate: the system at fault, or an operator's pause. */
export type GateKind = 'fault' | 'operator';

export class IntakeGate {
  private readonly closedBy = new Map<string, { readonly reason: string; readonly kind: GateKind }>();
  private waiters = new Set<() => void>();
  private readonly listeners: GateListener[] = [];

  /** No key holds it: the stage may pull. */
  get isOpen(): boolean {
    return this.closedBy.size === 0;
  }

  /** Why intake is paused, one line per cause (faults and an operator's pause); empty when open. */
  get reasons(): string[] {
    return [...this.closedBy.values()].map((c) => c.reason);
  }

  /** A system fault holds it (not only an operator's pause). */
  get faulted(): boolean {
    return this.faultReasons.length > 0;
  }

  /** The system's faults that hold it, one line each. */
  get faultReasons(): string[] {
    return [...this.closedBy.values()].filter((c) => c.kind === 'fault').map((c) => c.reason);
  }

  /** Called with the reasons after every change (empty: open again). */
  onChange(listener: GateListener): void {
    this.listeners.push(listener);
  }

  /** Closes the gate for `key` (or updates its reason). Returns whether anything changed. */
  close(key: string, reason: string, kind: GateKind = 'fault'): boolean {
    const now = this.closedBy.get(key);
    if (now?.reason === reason && now.kind === kind) return false;
    this.closedBy.set(key, { reason, kind });
    this.changed();
    return true;
  }

  /** Opens the gate for `key`; intake resumes once no key holds it. Returns whether anything changed. */
  open(key: string): boolean {
    if (!this.closedBy.delete(key)) return false;
    this.changed();
    // Each waiter looks again at what it waits for (every key, or the faults only).
    for (const wake of [...this.waiters]) wake();
    return true;
  }

  /**
   * Resolves when the gate is open (`only` 'faults': when no fault holds it, whatever an operator's
   * pause) or `signal` aborts, whichever comes first.
   */
  async whenOpen(signal: AbortSignal, only: 'all' | 'faults' = 'all'): Promise<void> {
    const closed = (): boolean => (only === 'all' ? !this.isOpen : this.faulted);
    while (closed() && !signal.aborted) {
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
