/**
 * One round's end-to-end comparison of the demo pipeline's two forms, on the same servers: its
 * functions as regular activities, and as local functions with a local publish, each on its own
 * worker and task queue, in slices in Thue–Morse order (R L L R with two each; stats.ts
 * balancedOrder). Afterwards every order of the round must be on `ORDERS.completed` exactly once,
 * and one order of each form tells the history events.
 */
import type { Pipeline } from '../harness/pipeline';
import type { BenchConfig } from './config';
import type { CpuMs } from './cpu';
import { NO_CPU, addCpu } from './cpu';
import type { SliceResult } from './direct';
import { CompletionWatch, completionsInStream, endToEndSlice, notCompletedOnce } from './end-to-end';
import type { EventsPerStage } from './history';
import { historyEvents } from './history';
import { rateOf } from './bridge-vs-direct';
import { balancedOrder } from './stats';
import type { Mode } from './workers';
import { PIPELINES, startBenchWorker } from './workers';

const WARM_UP_ORDERS = 20;

export interface LocalVsRegular {
  readonly regularPerS: number;
  readonly localPerS: number;
  readonly speedup: number;
  /** Orders of the round (warm-ups included) and those not completed exactly once. */
  readonly orders: number;
  readonly notCompletedOnce: string[];
  readonly events: Readonly<Record<Mode, EventsPerStage>>;
  /** CPU spent over each mode's measured slices, by process. */
  readonly cpu: Readonly<Record<Mode, CpuMs>>;
}

/** Runs while the round's regular worker runs; starts and stops the local one itself. */
export async function localVsRegular(p: Pipeline, config: BenchConfig): Promise<LocalVsRegular> {
  const localWorker = await startBenchWorker(p, PIPELINES.local);
  const watch = new CompletionWatch(p);
  try {
    const ids: Record<Mode, string[]> = { regular: [], local: [] };
    const cpu: Record<Mode, CpuMs> = { regular: NO_CPU, local: NO_CPU };
    const slice = async (mode: Mode, count: number): Promise<SliceResult> => {
      const result = await endToEndSlice(p, watch, PIPELINES[mode], count, { maxInFlight: config.concurrency });
      cpu[mode] = addCpu(cpu[mode], result.cpu);
      ids[mode].push(...result.ids);
      return result;
    };
    await slice('regular', WARM_UP_ORDERS);
    await slice('local', WARM_UP_ORDERS);
    cpu.regular = cpu.local = NO_CPU;
    const slices: Record<Mode, SliceResult[]> = { regular: [], local: [] };
    for (const side of balancedOrder(config.e2e.slices)) {
      const mode: Mode = side === 0 ? 'regular' : 'local';
      slices[mode].push(await slice(mode, config.e2e.sliceOrders));
    }
    const counts = await completionsInStream(p);
    const all = [...ids.regular, ...ids.local];
    const regularPerS = rateOf(slices.regular);
    const localPerS = rateOf(slices.local);
    return {
      regularPerS,
      localPerS,
      speedup: localPerS / regularPerS,
      orders: all.length,
      notCompletedOnce: notCompletedOnce(counts, all),
      events: {
        regular: await historyEvents(p, ids.regular.at(-1)!),
        local: await historyEvents(p, ids.local.at(-1)!),
      },
      cpu,
    };
  } finally {
    watch.stop();
    await localWorker.stop();
  }
}
