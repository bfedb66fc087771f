/**
 * The whole pipeline, end to end and deployed as in production: orders published to
 * `ORDERS.received`, an `orderflow bridge` process on both stages (default options but the task
 * queue and the in-flight limit), each stage's workflow on the mode's worker, done when the
 * order's message is on `ORDERS.completed`. The completions are watched as they are published (a core subscription on
 * the subject) for the timing, and counted from the stream afterwards for the invariant: every
 * order completed exactly once. A slice's rate is its steady state: from its 10th to its 90th
 * percentile completion, so the pipeline filling (the first orders pass both stages before any
 * completes) and draining (the last ones finish with fewer and fewer in flight) weigh on neither
 * mode; a faster pipeline fills and drains in a larger share of a slice's time.
 */
import { DeliverPolicy } from '@nats-io/jetstream';
import type { Subscription } from '@nats-io/nats-core';

import { OPTIONS } from '../../shared/config/option-table';
import { STAGES, STREAM } from '../../workflows/names';
import type { Pipeline } from '../harness/pipeline';
import { killProcess, spawnBridge } from '../harness/pipeline';
import { publishOrder } from './bridge-slices';
import type { CpuMs } from './cpu';
import { cpuMeter, processCpuMs } from './cpu';
import type { SliceResult } from './direct';
import { sliceOrders } from './direct';
import { pool } from './stats';
import type { BenchPipeline } from './workers';

const COMPLETED = STAGES.dispatch.outputSubject;

function orderIdOf(data: string): string {
  return (JSON.parse(data) as { order?: { orderId?: string } }).order?.orderId ?? '?';
}

/** The share of a slice's completions left out at each end of its steady state. */
const FILL_AND_DRAIN_SHARE = 0.1;

/** Completed order IDs as they are published, and a way to wait for a set of them. */
export class CompletionWatch {
  /** Each completed order, with when it was seen (performance.now(), ms). */
  private readonly seen = new Map<string, number>();
  private waiting: { ids: Set<string>; resolve: () => void } | undefined;
  private readonly sub: Subscription;

  constructor(p: Pipeline) {
    this.sub = p.nc.subscribe(COMPLETED, {
      callback: (err, msg) => {
        if (err) return;
        const id = orderIdOf(msg.string());
        if (!this.seen.has(id)) this.seen.set(id, performance.now());
        const w = this.waiting;
        if (w && w.ids.delete(id) && w.ids.size === 0) w.resolve();
      },
    });
  }

  /** Resolves when every one of `ids` has been seen completing. */
  whenCompleted(ids: readonly string[], timeoutMs = 600_000): Promise<void> {
    const pending = new Set(ids.filter((id) => !this.seen.has(id)));
    if (pending.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${pending.size} of ${ids.length} orders not completed`)),
        timeoutMs,
      );
      this.waiting = {
        ids: pending,
        resolve: () => {
          clearTimeout(timer);
          this.waiting = undefined;
          resolve();
        },
      };
    });
  }

  /**
   * Orders per second between the 10th and the 90th percentile completion of `ids` (all seen
   * completing), as a slice: the completions after the first counted one, over the time between.
   */
  steadyState(ids: readonly string[]): SliceResult {
    const times = ids.map((id) => this.seen.get(id)!).sort((a, b) => a - b);
    const skip = Math.floor(times.length * FILL_AND_DRAIN_SHARE);
    const first = times[skip]!;
    const last = times[times.length - 1 - skip]!;
    return { orders: times.length - 1 - 2 * skip, seconds: (last - first) / 1000 };
  }

  stop(): void {
    this.sub.unsubscribe();
  }
}

/** The bridge's options as `orderflow bridge` has them by default, where the harness sets test values. */
export const PRODUCTION_BRIDGE_ENV: Readonly<Record<string, string>> = {
  ORDERFLOW_NAK_DELAY_MS: String(OPTIONS.nakDelayMs.default),
  ORDERFLOW_NAK_DELAY_MAX_MS: String(OPTIONS.nakDelayMaxMs.default),
  ORDERFLOW_FETCH_EXPIRES_MS: String(OPTIONS.fetchExpiresMs.default),
};

/**
 * One slice of one mode: a bridge process of its own, started before the clock runs and stopped
 * (SIGTERM: its last acks, the dispatch stage's, come after the publish) after it stops. The CPU
 * is counted from the bridge's first pull to its exit.
 */
export async function endToEndSlice(
  p: Pipeline,
  watch: CompletionWatch,
  bench: BenchPipeline,
  count: number,
  options: { maxInFlight: number },
): Promise<SliceResult & { ids: string[]; cpu: CpuMs }> {
  const child = await spawnBridge(p, {
    ...PRODUCTION_BRIDGE_ENV,
    ORDERFLOW_TASK_QUEUE: bench.taskQueue,
    ORDERFLOW_MAX_IN_FLIGHT: String(options.maxInFlight),
  });
  const bridgeCpuBefore = processCpuMs(child.pid);
  const meter = cpuMeter(p);
  try {
    const list = sliceOrders(bench.mode === 'local' ? 'l' : 'r', count);
    const ids = list.map((o) => o.orderId);
    const completed = watch.whenCompleted(ids);
    await pool(list, 256, async (order) => void (await publishOrder(p, order)));
    await completed;
    const bridge = processCpuMs(child.pid) - bridgeCpuBefore;
    return { ...watch.steadyState(ids), ids, cpu: { ...meter.end(), bridge } };
  } finally {
    await killProcess(child, 'SIGTERM');
  }
}

/** How often each order ID is on `ORDERS.completed`, read from the stream. */
export async function completionsInStream(p: Pipeline): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const consumer = await p.js.consumers.get(STREAM, {
    filter_subjects: [COMPLETED],
    deliver_policy: DeliverPolicy.All,
  });
  const expected = (await p.jsm.streams.info(STREAM, { subjects_filter: COMPLETED })).state.subjects?.[COMPLETED] ?? 0;
  let read = 0;
  while (read < expected) {
    const batch = await consumer.fetch({ max_messages: 1000, expires: 2000 });
    let got = 0;
    for await (const msg of batch) {
      const id = orderIdOf(msg.string());
      counts.set(id, (counts.get(id) ?? 0) + 1);
      got += 1;
    }
    if (got === 0) throw new Error(`read ${read} of ${expected} completions from the stream`);
    read += got;
  }
  return counts;
}

/** Orders of `ids` not completed exactly once, with how often they were. */
export function notCompletedOnce(counts: Map<string, number>, ids: readonly string[]): string[] {
  return ids.filter((id) => counts.get(id) !== 1).map((id) => `${id} ×${counts.get(id) ?? 0}`);
}
