/**
 * The bridge's own intake order, for pipelines with `priority` or `fairness`: messages it holds
 * wait here, decoded, for one of a bounded number of run starts. Lower priority numbers go first;
 * within a priority, keys take turns by weight (stride scheduling: each key's next turn comes
 * 1/weight after its last, a key new to the queue joins at the current turn, so a burst of one
 * customer held in the bridge cannot hold back another's orders), and each key's orders go in
 * their order of arrival. Only the start waits here; the run's wait for completion does not, and
 * a message waiting is kept alive by the stage's ticker like any other it holds.
 */
import type { Pipeline } from '../../activities/pipeline';
import type { Logger } from '../../shared/log';
import type { Lane } from './order-lanes';
import { OrderLanes } from './order-lanes';

/** Hands the start back; calling it more than once does nothing. */
export type Release = () => void;

interface Ticket {
  readonly lane: Lane;
  readonly grant: (release: Release) => void;
  cancelled: boolean;
}

/** One key's waiting orders, oldest first, and when its next turn comes. */
interface KeyQueue {
  readonly key: string;
  readonly tickets: Ticket[];
  head: number;
  pass: number;
  /** Ties of `pass` go to the key queued first. */
  order: number;
}

function before(a: KeyQueue, b: KeyQueue): boolean {
  return a.pass < b.pass || (a.pass === b.pass && a.order < b.order);
}

/** The keys of one priority, as a binary heap on their next turn. */
class PriorityLevel {
  private readonly byKey = new Map<string, KeyQueue>();
  private readonly heap: KeyQueue[] = [];
  /** The turn taken last: a key that joins starts here. */
  private now = 0;
  private joined = 0;

  add(ticket: Ticket): void {
    let queue = this.byKey.get(ticket.lane.fairnessKey);
    if (!queue) {
      queue = { key: ticket.lane.fairnessKey, tickets: [], head: 0, pass: this.now, order: this.joined++ };
      this.byKey.set(queue.key, queue);
      this.heap.push(queue);
      this.up(this.heap.length - 1);
    }
    queue.tickets.push(ticket);
  }

  /** The next ticket not cancelled, taken out; undefined when none waits. */
  take(): Ticket | undefined {
    while (this.heap.length > 0) {
      const queue = this.heap[0]!;
      const ticket = this.next(queue);
      if (!ticket) {
        this.byKey.delete(queue.key);
        this.removeTop();
        continue;
      }
      this.now = queue.pass;
      queue.pass += 1 / ticket.lane.fairnessWeight;
      this.down(0);
      return ticket;
    }
    return undefined;
  }

  private next(queue: KeyQueue): Ticket | undefined {
    while (queue.head < queue.tickets.length) {
      const ticket = queue.tickets[queue.head]!;
      queue.head += 1;
      // Let go of what was taken: a burst's queue would otherwise keep every ticket it held.
      if (queue.head > 1024 && queue.head * 2 > queue.tickets.length) {
        queue.tickets.splice(0, queue.head);
        queue.head = 0;
      }
      if (!ticket.cancelled) return ticket;
    }
    return undefined;
  }

  private removeTop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.down(0);
  }

  private up(i: number): void {
    const { heap } = this;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) return;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const { heap } = this;
    for (;;) {
      const [l, r] = [2 * i + 1, 2 * i + 2];
      let least = i;
      if (l < heap.length && before(heap[l]!, heap[least]!)) least = l;
      if (r < heap.length && before(heap[r]!, heap[least]!)) least = r;
      if (least === i) return;
      [heap[i], heap[least]] = [heap[least]!, heap[i]!];
      i = least;
    }
  }
}

/** Run starts at once by default: a start takes a few ms, so this many keep thousands a second going. */
export const DEFAULT_CONCURRENT_STARTS = 16;

export class FairIntake {
  private running = 0;
  private waitingCount = 0;
  /** Index 0 is priority 1. */
  private readonly levels: PriorityLevel[];

  constructor(
    readonly concurrentStarts: number = DEFAULT_CONCURRENT_STARTS,
    priorities = 5,
  ) {
    this.levels = Array.from({ length: priorities }, () => new PriorityLevel());
  }

  /** Orders waiting for a start. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Starts under way. */
  get starting(): number {
    return this.running;
  }

  /**
   * Resolves with the order's start to hand back once its run is found or started, when its turn
   * comes; with undefined when `signal` aborts first (the order is out of the queue then).
   */
  admit(lane: Lane, signal: AbortSignal): Promise<Release | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    if (this.running < this.concurrentStarts && this.waitingCount === 0) {
      this.running += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve) => {
      const onAbort = (): void => {
        ticket.cancelled = true;
        this.waitingCount -= 1;
        resolve(undefined);
      };
      const ticket: Ticket = {
        lane,
        cancelled: false,
        grant: (release) => {
          signal.removeEventListener('abort', onAbort);
          resolve(release);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.levelOf(lane).add(ticket);
      this.waitingCount += 1;
    });
  }

  private levelOf(lane: Lane): PriorityLevel {
    const i = Math.min(this.levels.length, Math.max(1, lane.priority)) - 1;
    return this.levels[i]!;
  }

  private releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      this.dispatch();
    };
  }

  /** Grants starts to the waiting orders, best first, while starts are free. */
  private dispatch(): void {
    while (this.running < this.concurrentStarts && this.waitingCount > 0) {
      const ticket = this.takeNext();
      if (!ticket) return;
      this.waitingCount -= 1;
      this.running += 1;
      ticket.grant(this.releaser());
    }
  }

  private takeNext(): Ticket | undefined {
    for (const level of this.levels) {
      const ticket = level.take();
      if (ticket) return ticket;
    }
    return undefined;
  }
}

/** A stage's intake order: each order's lane, and the queue for starts. */
export interface StageIntake {
  readonly lanes: OrderLanes;
  readonly starts: FairIntake;
}

/** The stage's intake order under `pipeline`; undefined (no queue, nothing added per order) when it sets neither. */
export function stageIntakeFor(pipeline: Pipeline | undefined, log: Logger): StageIntake | undefined {
  if (!pipeline || (pipeline.priority === undefined && pipeline.fairness === undefined)) return undefined;
  return { lanes: new OrderLanes(pipeline, log), starts: new FairIntake() };
}

/** What a bridge applies, in one line for its start log. */
export function intakeLine(pipeline: Pipeline | undefined): string {
  if (!pipeline) return 'priority and fairness: none (no pipeline module given: start the bridge with --functions)';
  const applied = [
    ...(pipeline.priority ? ['priority'] : []),
    ...(pipeline.fairness
      ? [`fairness (weight ${typeof pipeline.fairness.weight === 'number' ? pipeline.fairness.weight : 'per order'})`]
      : []),
  ];
  if (applied.length === 0) return 'priority and fairness: none (the pipeline sets neither)';
  return `priority and fairness: ${applied.join(' and ')} on each run start and in the intake, ${DEFAULT_CONCURRENT_STARTS} starts at once per stage`;
}
