/**
 * One round's comparison of the bridge with Temporal-direct, on the same servers and worker:
 * short slices in the order D B B D B D D B (stats.ts balancedOrder), so a drift of Temporal's
 * rate within the round reaches both alike; then, at half of the lower rate, their latency in
 * one paced stream (latency.ts). For the throughput the bridge runs in this process, its round
 * trips counted over its slices; for the latency it is an `orderflow bridge` process.
 */
import type { Pipeline } from '../harness/pipeline';
import { killProcess, spawnBridge } from '../harness/pipeline';
import type { BenchConfig } from './config';
import { bridgeSlice } from './bridge-slices';
import { startCountedBridge } from './counted-bridge';
import type { CpuMs } from './cpu';
import { NO_CPU, addCpu, cpuMeter } from './cpu';
import type { SliceResult } from './direct';
import { directSlice } from './direct';
import { PRODUCTION_BRIDGE_ENV } from './end-to-end';
import { pairedLatency } from './latency';
import type { RoundTrips } from './round-trips';
import { NO_ROUND_TRIPS, addRoundTrips } from './round-trips';
import { balancedOrder } from './stats';
import { PIPELINES } from './workers';

const DIRECT = 0;
const BRIDGE = 1;

/** Orders each way before the clock runs: the worker loads its bundle, caches and connections fill. */
const WARM_UP_ORDERS = 50;

export interface BridgeVsDirect {
  readonly directPerS: number;
  readonly bridgePerS: number;
  readonly ratio: number;
  /**
   * Direct against itself: its slices split in two halves as balancedOrder interleaves two sides
   * (1st 4th 6th 7th against 2nd 3rd 5th 8th), one half's rate over the other's. What the
   * round's ratio would be if the bridge were direct: the bench's own noise. 1 with one slice.
   */
  readonly directSelfRatio: number;
  readonly pacedRatePerS: number;
  readonly directLatencies: number[];
  readonly bridgeLatencies: number[];
  readonly roundTrips: RoundTrips;
  /** CPU spent over the throughput slices of each side, by process. */
  readonly cpu: { readonly direct: CpuMs; readonly bridge: CpuMs };
}

/** Orders per second over slices: all their orders over all their time. */
export function rateOf(slices: readonly SliceResult[]): number {
  const orders = slices.reduce((n, s) => n + s.orders, 0);
  return orders / slices.reduce((t, s) => t + s.seconds, 0);
}

export async function bridgeVsDirect(p: Pipeline, config: BenchConfig): Promise<BridgeVsDirect> {
  const taskQueue = PIPELINES.regular.taskQueue;
  const counted = await startCountedBridge(p, { stages: 'process', maxInFlight: config.concurrency, taskQueue });
  let throughput: Omit<BridgeVsDirect, 'directLatencies' | 'bridgeLatencies'>;
  try {
    const direct = (count: number): Promise<SliceResult> =>
      directSlice(p, count, { concurrency: config.concurrency, taskQueue });
    const viaBridge = (count: number): Promise<SliceResult> => bridgeSlice(p, counted.bridge, count);

    await direct(WARM_UP_ORDERS);
    await viaBridge(WARM_UP_ORDERS);
    const slices: [SliceResult[], SliceResult[]] = [[], []];
    let roundTrips = NO_ROUND_TRIPS;
    const cpu: [CpuMs, CpuMs] = [NO_CPU, NO_CPU];
    for (const side of balancedOrder(config.slices)) {
      const meter = cpuMeter(p);
      const counting = side === BRIDGE ? counted.begin() : undefined;
      slices[side].push(await (side === BRIDGE ? viaBridge : direct)(config.sliceOrders));
      cpu[side] = addCpu(cpu[side], meter.end());
      if (counting) roundTrips = addRoundTrips(roundTrips, counting.end(config.sliceOrders));
    }
    const directPerS = rateOf(slices[DIRECT]);
    const halves = balancedOrder(Math.floor(config.slices / 2));
    const half = (h: 0 | 1): SliceResult[] => slices[DIRECT].filter((_, i) => halves[i] === h);
    const directSelfRatio = config.slices >= 2 ? rateOf(half(0)) / rateOf(half(1)) : 1;
    const bridgePerS = rateOf(slices[BRIDGE]);

    throughput = {
      directPerS,
      bridgePerS,
      ratio: bridgePerS / directPerS,
      directSelfRatio,
      pacedRatePerS: Math.min(directPerS, bridgePerS) / 2,
      roundTrips,
      cpu: { direct: cpu[DIRECT], bridge: cpu[BRIDGE] },
    };
  } finally {
    await counted.close();
  }
  const bridge = await spawnBridge(p, {
    ...PRODUCTION_BRIDGE_ENV,
    ORDERFLOW_STAGES: 'process',
    ORDERFLOW_TASK_QUEUE: taskQueue,
    ORDERFLOW_MAX_IN_FLIGHT: String(config.concurrency),
  });
  try {
    const latencies = await pairedLatency(p, config.latencyOrders, { ratePerS: throughput.pacedRatePerS, taskQueue });
    return { ...throughput, directLatencies: latencies.direct, bridgeLatencies: latencies.bridge };
  } finally {
    await killProcess(bridge, 'SIGTERM');
  }
}
