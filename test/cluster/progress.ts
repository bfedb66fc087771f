/**
 * How the run went over time, read from the stream: the count of ORDERS.completed sampled every
 * second (rates, gaps, when completions resumed after a fault), and, per fault, how long until
 * everything the work queues had handed out before it was acknowledged (in-flight drained).
 */
import type { JetStreamManager } from '@nats-io/jetstream';

import { STREAM, SUBJECTS } from '../../workflows/names';

export interface Sample {
  /** From the start of the fault window, in ms. */
  readonly atMs: number;
  readonly completed: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function completedCount(jsm: JetStreamManager): Promise<number> {
  const info = await jsm.streams.info(STREAM, { subjects_filter: SUBJECTS.completed });
  return info.state.subjects?.[SUBJECTS.completed] ?? 0;
}

export class CompletionSampler {
  readonly samples: Sample[] = [];

  constructor(
    private readonly jsm: JetStreamManager,
    private readonly startedAt: number,
  ) {}

  /** Samples every `everyMs` until `signal` aborts; a look that fails (a failover) is skipped. */
  async run(signal: AbortSignal, everyMs = 1000): Promise<void> {
    while (!signal.aborted) {
      const completed = await completedCount(this.jsm).catch(() => undefined);
      if (completed !== undefined) this.samples.push({ atMs: Date.now() - this.startedAt, completed });
      await sleep(everyMs);
    }
  }

  /** Completed by `atMs` (the last sample at or before it). */
  completedBy(atMs: number): number {
    let count = 0;
    for (const s of this.samples) if (s.atMs <= atMs) count = s.completed;
    return count;
  }

  /** From `atMs` until the count first rose above what it was then, in ms; undefined if it never did. */
  resumedAfter(atMs: number): number | undefined {
    const base = this.completedBy(atMs);
    return this.samples.find((s) => s.atMs > atMs && s.completed > base)?.atMs ?? undefined;
  }

  /** When the first order completed, in ms from the start; undefined if none has. */
  firstCompletion(): number | undefined {
    return this.samples.find((x) => x.completed > 0)?.atMs;
  }

  /** The longest stretch between `fromMs` and `toMs` in which the count did not move, in ms. */
  longestGap(fromMs: number, toMs: number): { readonly fromMs: number; readonly ms: number } {
    let best = { fromMs, ms: 0 };
    let since = fromMs;
    let last = this.completedBy(fromMs);
    for (const s of this.samples.filter((x) => x.atMs > fromMs && x.atMs <= toMs)) {
      if (s.completed !== last) {
        if (s.atMs - since > best.ms) best = { fromMs: since, ms: s.atMs - since };
        since = s.atMs;
        last = s.completed;
      }
    }
    return best;
  }
}

/**
 * Deliveries beyond the first of each message, per work queue: its delivery count (consumer
 * sequence) less the messages on its subject. Crash recovery shows here, as redeliveries.
 */
export async function redeliveries(jsm: JetStreamManager): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, subject] of [
    ['NEW', SUBJECTS.received],
    ['DISPATCH', SUBJECTS.processed],
  ] as const) {
    const delivered = (await jsm.consumers.info(STREAM, name)).delivered.consumer_seq;
    const stored = (await jsm.streams.info(STREAM, { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
    out[name] = delivered - stored;
  }
  return out;
}

/**
 * Highest stream sequence each work queue had delivered: what must be acknowledged for a fault to
 * be behind us. A consumer still electing its leader after an earlier fault is asked again.
 */
export async function deliveredMarks(jsm: JetStreamManager, signal: AbortSignal): Promise<Record<string, number>> {
  for (;;) {
    try {
      const marks: Record<string, number> = {};
      for (const name of ['NEW', 'DISPATCH'])
        marks[name] = (await jsm.consumers.info(STREAM, name)).delivered.stream_seq;
      return marks;
    } catch (err) {
      if (signal.aborted) throw err;
      await sleep(250);
    }
  }
}

/**
 * Resolves with the ms from `since` until both work queues' ack floors reached `marks` (every
 * message delivered before the fault acknowledged, whoever held it), or undefined on abort.
 */
export async function drainedAfter(
  jsm: JetStreamManager,
  marks: Record<string, number>,
  since: number,
  signal: AbortSignal,
): Promise<number | undefined> {
  while (!signal.aborted) {
    let done = true;
    for (const [name, mark] of Object.entries(marks)) {
      const floor = await jsm.consumers
        .info(STREAM, name)
        .then((i) => i.ack_floor.stream_seq)
        .catch(() => -1);
      if (floor < mark) done = false;
    }
    if (done) return Date.now() - since;
    await sleep(500);
  }
  return undefined;
}
