/**
 * Carries out the nemesis schedule against the running processes and links, and logs every
 * action with its time: the fault, its end, and a fault skipped because its target had not yet
 * come back. healAll() ends every fault still in force (after the fault period, or on abort).
 */
import type { FaultKind, PlannedFault } from './schedule';

export interface FaultTarget {
  readonly name: string;
  inject(kind: FaultKind): Promise<void>;
  recover(kind: FaultKind): Promise<void>;
}

export interface NemesisEvent {
  /** From the start of the fault period, in ms. */
  readonly atMs: number;
  readonly target: string;
  /** kill, pause, cut, restart, resume, heal, skipped; or what a process did by itself. */
  readonly action: string;
  readonly plannedAtMs?: number;
  readonly detail?: string;
}

const RECOVERY: Record<FaultKind, string> = { kill: 'restart', pause: 'resume', cut: 'heal' };
const RECOVERED: Record<FaultKind, string> = { kill: 'restarted', pause: 'resumed', cut: 'healed' };

interface ActiveFault {
  readonly kind: FaultKind;
  readonly injected: Promise<void>;
  recovering?: Promise<void>;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, Math.max(0, ms));
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class Nemesis {
  readonly log: NemesisEvent[] = [];
  private readonly targets: Map<string, FaultTarget>;
  /** Faults in force or recovering, by target. */
  private readonly active = new Map<string, ActiveFault>();

  constructor(
    targets: readonly FaultTarget[],
    private readonly startedAt: number,
  ) {
    this.targets = new Map(targets.map((t) => [t.name, t]));
  }

  record(target: string, action: string, extra: { plannedAtMs?: number; detail?: string } = {}): void {
    this.log.push({ atMs: Date.now() - this.startedAt, target, action, ...extra });
  }

  /** Runs the schedule until its end or `signal`; faults then still in force stay until healAll(). */
  async run(schedule: readonly PlannedFault[], signal: AbortSignal): Promise<void> {
    const tasks: Array<Promise<void>> = [];
    for (const fault of schedule) {
      await sleep(this.startedAt + fault.atMs - Date.now(), signal);
      if (signal.aborted) break;
      const target = this.targets.get(fault.target);
      if (!target) throw new RangeError(`no nemesis target ${fault.target}`);
      if (this.active.has(fault.target)) {
        this.record(fault.target, 'skipped', { plannedAtMs: fault.atMs, detail: `${fault.kind}: still recovering` });
        continue;
      }
      tasks.push(this.apply(target, fault, signal));
    }
    await Promise.all(tasks);
  }

  private async apply(target: FaultTarget, fault: PlannedFault, signal: AbortSignal): Promise<void> {
    this.record(target.name, fault.kind, { plannedAtMs: fault.atMs, detail: `for ${fault.durationMs} ms` });
    const injected = target.inject(fault.kind).catch((err: unknown) => {
      this.record(target.name, `${fault.kind} failed`, { detail: String(err) });
    });
    this.active.set(target.name, { kind: fault.kind, injected });
    await injected;
    await sleep(fault.durationMs, signal);
    if (!signal.aborted) await this.recover(target.name);
  }

  /** Ends the fault on `name`; a second call joins the first. */
  private recover(name: string): Promise<void> {
    const fault = this.active.get(name);
    const target = this.targets.get(name);
    if (!fault || !target) return Promise.resolve();
    fault.recovering ??= (async () => {
      await fault.injected;
      this.record(name, RECOVERY[fault.kind]);
      try {
        await target.recover(fault.kind);
        this.record(name, RECOVERED[fault.kind]);
      } catch (err) {
        this.record(name, `${RECOVERY[fault.kind]} failed`, { detail: String(err) });
      } finally {
        this.active.delete(name);
      }
    })();
    return fault.recovering;
  }

  /** Ends every fault in force. */
  async healAll(): Promise<void> {
    await Promise.all([...this.active.keys()].map((name) => this.recover(name)));
  }
}
