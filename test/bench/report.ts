/**
 * The bench's results: bench-results.json (the field names of earlier benches kept, each
 * per-round figure the median over the rounds with its spread as `<field>_spread: [min, max]`), a
 * table for people and one summary line, printed last, for CI logs.
 */
import type { BenchConfig } from './config';
import type { CpuMs } from './cpu';
import { NO_CPU, addCpu, cpuPerOrder } from './cpu';
import type { BacklogRss } from './memory';
import type { RoundResult } from './round';
import type { RoundTrips } from './round-trips';
import { NO_ROUND_TRIPS, addRoundTrips, total } from './round-trips';
import type { Spread } from './stats';
import { formatSpread, percentile, rangeOf, round, spread } from './stats';

export interface RunFacts {
  readonly loadBefore: readonly number[];
  readonly loadAfter: readonly number[];
  readonly seconds: number;
}

function perOrder(counts: Record<string, number>, orders: number): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, round(v / orders, 2)]));
}

function roundTripsPerOrder(rt: RoundTrips): Record<string, unknown> {
  return {
    orders: rt.orders,
    temporal_calls: round(total(rt.temporal) / rt.orders, 2),
    temporal_calls_by_method: perOrder(rt.temporal, rt.orders),
    probe_calls: round(total(rt.probes) / rt.orders, 2),
    nats_out_msgs: round(rt.nats.outMsgs / rt.orders, 2),
    nats_in_msgs: round(rt.nats.inMsgs / rt.orders, 2),
    pull_requests: round(rt.pulls.count / rt.orders, 2),
    pull_request_sizes: rt.pulls.sizes,
    nats_subscriptions: round(rt.subscriptions / rt.orders, 2),
  };
}

/** CPU per order of each side, over every round's measured slices. */
function cpuOf(config: BenchConfig, rounds: readonly RoundResult[]): Record<string, CpuMs> {
  const perSide = rounds.length * config.slices * config.sliceOrders;
  const perMode = rounds.length * config.e2e.slices * config.e2e.sliceOrders;
  const sum = (pick: (r: RoundResult) => CpuMs, orders: number): CpuMs =>
    cpuPerOrder(rounds.map(pick).reduce(addCpu, NO_CPU), orders);
  return {
    direct: sum((r) => r.cpu.direct, perSide),
    bridge: sum((r) => r.cpu.bridge, perSide),
    e2e_regular: sum((r) => r.endToEnd.cpu.regular, perMode),
    e2e_local: sum((r) => r.endToEnd.cpu.local, perMode),
  };
}

/** The JSON results. */
export function resultsOf(
  config: BenchConfig,
  rounds: readonly RoundResult[],
  rss: readonly BacklogRss[],
  facts: RunFacts,
): Record<string, unknown> {
  const over = (pick: (r: RoundResult) => number): Spread => spread(rounds.map(pick));
  const both = (name: string, s: Spread, digits = 1): Record<string, unknown> => ({
    [name]: round(s.median, digits),
    [`${name}_spread`]: rangeOf(s, digits),
  });
  const directLat = rounds.flatMap((r) => r.directLatencies);
  const bridgeLat = rounds.flatMap((r) => r.bridgeLatencies);
  const added = (q: number): number => percentile(bridgeLat, q) - percentile(directLat, q);
  const addedByRound = (q: number): Spread =>
    over((r) => percentile(r.bridgeLatencies, q) - percentile(r.directLatencies, q));
  // Direct against itself, its orders split in two interleaved halves: what "added" measures when nothing is added.
  const half = (values: readonly number[], h: 0 | 1): number[] => values.filter((_, i) => i % 2 === h);
  const selfAdded = (q: number): number => percentile(half(directLat, 1), q) - percentile(half(directLat, 0), q);
  const selfAddedByRound = (q: number): Spread =>
    over((r) => percentile(half(r.directLatencies, 1), q) - percentile(half(r.directLatencies, 0), q));
  const e2e = rounds.map((r) => r.endToEnd);
  const memory = rssByBacklog(rss);
  const largest = memory.at(-1)!;
  const smallest = memory[0]!;
  const overBacklogs = (pick: (b: BacklogMemory) => unknown): Record<string, unknown> =>
    Object.fromEntries(memory.map((b) => [String(b.backlog), pick(b)]));
  return {
    rounds: rounds.length,
    orders_per_phase: config.ordersPerPhase,
    slices_per_phase: config.slices,
    e2e_orders_per_mode: config.e2e.orders,
    e2e_slices_per_mode: config.e2e.slices,
    concurrency: config.concurrency,
    ...both(
      'jetstream_raw_msgs_per_s',
      over((r) => r.rawPerS),
      0,
    ),
    ...both(
      'temporal_direct_orders_per_s',
      over((r) => r.directPerS),
    ),
    ...both(
      'bridge_orders_per_s',
      over((r) => r.bridgePerS),
    ),
    // Per round (bridge slices' rate over direct slices' rate), then the median over the rounds.
    ...both(
      'ratio_bridge_vs_direct',
      over((r) => r.ratio),
      3,
    ),
    ratio_bridge_vs_direct_by_round: rounds.map((r) => round(r.ratio, 3)),
    // The same measure of direct against itself (its slices split in two interleaved halves): the noise floor.
    ...both(
      'ratio_direct_vs_direct',
      over((r) => r.directSelfRatio),
      3,
    ),
    ...both(
      'paced_rate_per_s',
      over((r) => r.pacedRatePerS),
    ),
    // Latencies: every round's orders pooled (the spread: the same figure round by round).
    latency_orders_each_way: directLat.length,
    direct_latency_p50_ms: round(percentile(directLat, 50)),
    direct_latency_p99_ms: round(percentile(directLat, 99)),
    bridge_latency_p50_ms: round(percentile(bridgeLat, 50)),
    bridge_latency_p99_ms: round(percentile(bridgeLat, 99)),
    bridge_added_latency_p50_ms: round(added(50)),
    bridge_added_latency_p50_ms_spread: rangeOf(addedByRound(50)),
    bridge_added_latency_p99_ms: round(added(99)),
    bridge_added_latency_p99_ms_spread: rangeOf(addedByRound(99)),
    // The noise floor of the two above, from half as many orders each way.
    direct_vs_direct_added_latency_p50_ms: round(selfAdded(50)),
    direct_vs_direct_added_latency_p99_ms: round(selfAdded(99)),
    direct_vs_direct_added_latency_p99_ms_spread: rangeOf(selfAddedByRound(99)),
    ...both(
      'e2e_regular_orders_per_s',
      over((r) => r.endToEnd.regularPerS),
    ),
    ...both(
      'e2e_local_orders_per_s',
      over((r) => r.endToEnd.localPerS),
    ),
    ...both(
      'e2e_local_vs_regular',
      over((r) => r.endToEnd.speedup),
      2,
    ),
    e2e_orders: e2e.reduce((n, r) => n + r.orders, 0),
    e2e_orders_not_completed_once: e2e.flatMap((r) => r.notCompletedOnce),
    history_events_per_order: rounds[0]?.endToEnd.events,
    cpu_ms_per_order: cpuOf(config, rounds),
    bridge_round_trips_per_order: roundTripsPerOrder(
      rounds.reduce((sum, r) => addRoundTrips(sum, r.roundTrips), NO_ROUND_TRIPS),
    ),
    // Each backlog's median over the passes, with its spread.
    bridge_peak_rss_mb: round(largest.peakMb.median),
    bridge_peak_rss_mb_spread: rangeOf(largest.peakMb),
    bridge_peak_rss_mb_by_backlog: overBacklogs((b) => round(b.peakMb.median)),
    bridge_peak_rss_mb_by_backlog_spread: overBacklogs((b) => rangeOf(b.peakMb)),
    bridge_rss_mb_consuming_by_backlog: overBacklogs((b) => round(b.consumingMb.median)),
    bridge_rss_largest_vs_smallest_backlog: round(largest.peakMb.median / smallest.peakMb.median, 3),
    bridge_acked_while_sampled_by_backlog: overBacklogs((b) => b.acked.median),
    rss_passes: memory[0]?.passes ?? 0,
    backlog_publish_msgs_per_s: Math.round(Math.min(...rss.map((r) => r.publishPerS))),
    load_average_before: facts.loadBefore.map((l) => round(l, 2)),
    load_average_after: facts.loadAfter.map((l) => round(l, 2)),
    round_seconds: rounds.map((r) => Math.round(r.seconds)),
    runtime_s: Math.round(facts.seconds),
  };
}

/** One backlog's measurements over the passes. */
interface BacklogMemory {
  readonly backlog: number;
  readonly passes: number;
  readonly peakMb: Spread;
  readonly consumingMb: Spread;
  readonly acked: Spread;
}

/** The measurements grouped by backlog, smallest backlog first. */
function rssByBacklog(rss: readonly BacklogRss[]): BacklogMemory[] {
  const backlogs = [...new Set(rss.map((r) => r.backlog))].sort((a, b) => a - b);
  return backlogs.map((backlog) => {
    const runs = rss.filter((r) => r.backlog === backlog);
    return {
      backlog,
      passes: runs.length,
      peakMb: spread(runs.map((r) => r.peakMb)),
      consumingMb: spread(runs.map((r) => r.consumingMb)),
      acked: spread(runs.map((r) => r.acked)),
    };
  });
}

/** `name  value` lines, objects as compact JSON. */
export function tableOf(results: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(results).map((k) => k.length));
  return Object.entries(results)
    .map(([k, v]) => `${k.padEnd(width)}  ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('\n');
}

/** `bench: ratio 0.97 (0.94–0.99) · local 2.3× (2.1–2.5) · latency p99 +1.2 ms · rss 98/97 MB · 12 min`. */
export function summaryOf(rounds: readonly RoundResult[], rss: readonly BacklogRss[], seconds: number): string {
  const ratio = spread(rounds.map((r) => r.ratio));
  const local = spread(rounds.map((r) => r.endToEnd.speedup));
  const added =
    percentile(
      rounds.flatMap((r) => r.bridgeLatencies),
      99,
    ) -
    percentile(
      rounds.flatMap((r) => r.directLatencies),
      99,
    );
  const byBacklog = rssByBacklog(rss).reverse();
  return [
    `bench: ratio ${formatSpread(ratio, 2)}`,
    `local ${formatSpread(local, 1)}×`,
    `latency p99 ${added >= 0 ? '+' : ''}${added.toFixed(1)} ms`,
    `rss ${byBacklog.map((r) => r.peakMb.median.toFixed(0)).join('/')} MB (${byBacklog.map((r) => `${r.backlog / 1000}k`).join('/')})`,
    `${(seconds / 60).toFixed(1)} min`,
  ].join(' · ');
}
