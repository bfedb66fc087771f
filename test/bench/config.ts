/** The bench's sizes, each overridable by an environment variable (BENCH_*). */

/** A whole number ≥ 1 from the environment variable `name`, or `fallback` when unset. */
export function fromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${raw}: give a whole number ≥ 1`);
  return value;
}

export interface BenchConfig {
  /** Rounds, each on fresh servers. BENCH_ROUNDS, default 5. */
  readonly rounds: number;
  /** Bridge against direct: orders each way per round. BENCH_ORDERS, default 800. */
  readonly ordersPerPhase: number;
  /** ... cut into this many slices each way, interleaved. BENCH_SLICES, default 8. */
  readonly slices: number;
  /** Orders in one slice: the phase's orders over its slices, rounded up. */
  readonly sliceOrders: number;
  /**
   * End to end, regular against local: orders each way per round, slices each way, orders per
   * slice. BENCH_E2E_ORDERS, default 600; BENCH_E2E_SLICES, default 2. A slice must outlast the
   * pipeline's filling and draining many times over (with 50 in flight per stage an order takes
   * about 10 s through both stages): its rate is taken between its 10th and 90th percentile
   * completions (end-to-end.ts).
   */
  readonly e2e: { readonly orders: number; readonly slices: number; readonly sliceOrders: number };
  /** Workflows in flight: the direct client's and the bridge's --max-in-flight. BENCH_CONCURRENCY, default 50. */
  readonly concurrency: number;
  /**
   * Orders each way per round for the latency at half load, in one stream; pooled over the
   * rounds for the percentiles. BENCH_LATENCY_ORDERS, default 400: a p99 over 2,000 orders is
   * their 20th slowest, not one stall's.
   */
  readonly latencyOrders: number;
  /** Messages of the raw JetStream measurement per round. BENCH_RAW_MESSAGES, default 20000. */
  readonly rawMessages: number;
  /** Backlogs under which the bridge process's RSS is sampled. BENCH_BACKLOGS (comma-separated), default 1000,10000,100000. */
  readonly backlogs: readonly number[];
  /** How long the bridge process works through each backlog while sampled, in s. BENCH_DRAIN_S, default 30. */
  readonly drainSeconds: number;
  /**
   * Passes over the backlogs (1k, 10k, 100k, 1k, ...), each backlog on fresh servers every time:
   * one peak of one process moves by 10% from run to run, so the median is reported with its
   * spread. BENCH_RSS_REPEATS, default 3.
   */
  readonly rssRepeats: number;
}

export function benchConfig(): BenchConfig {
  const backlogs = (process.env.BENCH_BACKLOGS ?? '1000,10000,100000').split(',').map((s) => Number(s.trim()));
  if (backlogs.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`BENCH_BACKLOGS=${process.env.BENCH_BACKLOGS}: give whole numbers, comma-separated`);
  }
  const ordersPerPhase = fromEnv('BENCH_ORDERS', 800);
  const slices = fromEnv('BENCH_SLICES', 8);
  const e2eOrders = fromEnv('BENCH_E2E_ORDERS', 600);
  const e2eSlices = fromEnv('BENCH_E2E_SLICES', 2);
  return {
    rounds: fromEnv('BENCH_ROUNDS', 5),
    ordersPerPhase,
    slices,
    sliceOrders: Math.ceil(ordersPerPhase / slices),
    e2e: { orders: e2eOrders, slices: e2eSlices, sliceOrders: Math.ceil(e2eOrders / e2eSlices) },
    concurrency: fromEnv('BENCH_CONCURRENCY', 50),
    latencyOrders: fromEnv('BENCH_LATENCY_ORDERS', 400),
    rawMessages: fromEnv('BENCH_RAW_MESSAGES', 20_000),
    backlogs,
    drainSeconds: fromEnv('BENCH_DRAIN_S', 30),
    rssRepeats: fromEnv('BENCH_RSS_REPEATS', 3),
  };
}
