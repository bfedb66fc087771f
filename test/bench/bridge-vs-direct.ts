/**
 * One round's comparison of the bridge with Temporal-direct, on the same servers and worker:
 * short slices alternating D B D B D B, so a drift of Temporal's rate within the round reaches
 * both alike; then, at half of the lower rate, paced slices D B D B for the latency. The bridge
 * runs in this process, its round trips counted over its throughput slices.
 */
import type { Pipeline } from '../harness/pipeline';
import type { BenchConfig } from './config';
import { bridgeSlice } from './bridge-slices';
import { startCountedBridge } from './counted-bridge';
import type { SliceResult } from './direct';
import { directSlice } from './direct';
import type { RoundTrips } from './round-trips';
import { NO_ROUND_TRIPS, addRoundTrips } from './round-trips';
import { PIPELINES } from './workers';

/** Orders each way before the clock runs: the worker loads its bundle, caches and connections fill. */
const WARM_UP_ORDERS = 50;

export interface BridgeVsDirect {
  readonly directPerS: number;
  readonly bridgePerS: number;
  readonly ratio: number;
  readonly pacedRatePerS: number;
  readonly directLatencies: number[];
  readonly bridgeLatencies: number[];
  readonly roundTrips: RoundTrips;
}

/** Orders per second over slices: all their orders over all their time. */
export function rateOf(slices: readonly SliceResult[]): number {
  const orders = slices.reduce((n, s) => n + s.orders, 0);
  return orders / slices.reduce((t, s) => t + s.seconds, 0);
}

export async function bridgeVsDirect(p: Pipeline, config: BenchConfig): Promise<BridgeVsDirect> {
  const taskQueue = PIPELINES.regular.taskQueue;
  const counted = await startCountedBridge(p, { stages: 'process', maxInFlight: config.concurrency, taskQueue });
  try {
    const direct = (count: number, ratePerS?: number): Promise<SliceResult> =>
      directSlice(p, count, { concurrency: config.concurrency, taskQueue, ...(ratePerS ? { ratePerS } : {}) });
    const viaBridge = (count: number, ratePerS?: number): Promise<SliceResult> =>
      bridgeSlice(p, counted.bridge, count, ratePerS ? { ratePerS } : {});

    await direct(WARM_UP_ORDERS);
    await viaBridge(WARM_UP_ORDERS);
    const directSlices: SliceResult[] = [];
    const bridgeSlices: SliceResult[] = [];
    let roundTrips = NO_ROUND_TRIPS;
    for (let i = 0; i < config.slices; i += 1) {
      directSlices.push(await direct(config.sliceOrders));
      const counting = counted.begin();
      bridgeSlices.push(await viaBridge(config.sliceOrders));
      roundTrips = addRoundTrips(roundTrips, counting.end(config.sliceOrders));
    }
    const directPerS = rateOf(directSlices);
    const bridgePerS = rateOf(bridgeSlices);

    const pacedRatePerS = Math.min(directPerS, bridgePerS) / 2;
    const half = Math.ceil(config.latencyOrders / 2);
    const directLatencies: number[] = [];
    const bridgeLatencies: number[] = [];
    for (let i = 0; i < 2; i += 1) {
      directLatencies.push(...(await direct(half, pacedRatePerS)).latencies);
      bridgeLatencies.push(...(await viaBridge(half, pacedRatePerS)).latencies);
    }
    return {
      directPerS,
      bridgePerS,
      ratio: bridgePerS / directPerS,
      pacedRatePerS,
      directLatencies,
      bridgeLatencies,
      roundTrips,
    };
  } finally {
    await counted.close();
  }
}
