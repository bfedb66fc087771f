/**
 * The cluster run's figures, from what the run recorded: publish retries and delays, completion
 * rates during and after the fault window, the time to settle, each fault's takeover and recovery
 * times, and the runtime of each phase. Rendered as lines for the test's output and kept as JSON.
 */
import type { Totals } from '../chaos/chaos';
import type { PublishRecord } from '../chaos/publisher';
import type { Publication } from '../chaos/plan';
import type { FaultRecord } from './fault-script';
import type { CompletionSampler } from './progress';

export interface RunTimes {
  /** Clusters, provision and processes up, in ms. */
  readonly setupMs: number;
  readonly windowMs: number;
  /** From the end of the window until the pipeline was quiet, in ms. */
  readonly settleMs: number;
  readonly checkMs: number;
  readonly totalMs: number;
  /** The machine's 1-minute load average at the end: other work on it slows every figure. */
  readonly loadAverage: number;
}

export interface ClusterFigures {
  readonly setup: string;
  readonly totals: Totals;
  readonly publish: {
    readonly confirmed: number;
    readonly retried: number;
    /** Retries JetStream answered with the PubAck duplicate flag: stored by an earlier attempt. */
    readonly duplicateAcks: number;
    /** Longest delay from a publication's planned time to its confirmation, in ms. */
    readonly maxDelayMs: number;
  };
  /** Orders completed per second. */
  readonly rates: { readonly duringFaults: number; readonly afterFaults: number; readonly overall: number };
  /** When the first order completed (its end-to-end latency on a cold pipeline), in ms. */
  readonly firstCompletionMs?: number;
  /** Longest stretch of the window without a completion, after the first one. */
  readonly longestGap: { readonly fromMs: number; readonly ms: number };
  /** Deliveries beyond the first, per work queue. */
  readonly redeliveries: Record<string, number>;
  readonly faults: ReadonlyArray<Omit<FaultRecord, 'drained'> & { readonly resumedMs?: number }>;
  readonly times: RunTimes;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

export function clusterFigures(input: {
  readonly setup: string;
  readonly totals: Totals;
  readonly publications: readonly Publication[];
  readonly records: readonly PublishRecord[];
  readonly sampler: CompletionSampler;
  readonly faults: readonly FaultRecord[];
  readonly redeliveries: Record<string, number>;
  readonly times: RunTimes;
}): ClusterFigures {
  const { sampler, times } = input;
  const confirmed = input.records.filter((r) => r.seq !== undefined);
  const atMs = new Map(input.publications.map((p) => [p.index, p.atMs]));
  const inWindow = sampler.completedBy(times.windowMs);
  const end = times.windowMs + times.settleMs;
  const total = sampler.completedBy(end);
  const first = sampler.firstCompletion();
  return {
    setup: input.setup,
    totals: input.totals,
    publish: {
      confirmed: confirmed.length,
      retried: input.records.filter((r) => r.attempts > 1).length,
      duplicateAcks: input.records.filter((r) => r.duplicate).length,
      maxDelayMs: Math.max(0, ...confirmed.map((r) => (r.publishedAtMs ?? 0) - (atMs.get(r.index) ?? 0))),
    },
    rates: {
      duringFaults: round1(inWindow / (times.windowMs / 1000)),
      afterFaults: round1((total - inWindow) / Math.max(1, times.settleMs / 1000)),
      overall: round1(total / Math.max(1, end / 1000)),
    },
    ...(first !== undefined ? { firstCompletionMs: first } : {}),
    longestGap: sampler.longestGap(first ?? 0, times.windowMs),
    redeliveries: input.redeliveries,
    faults: input.faults.map(({ drained: _, ...f }) => {
      const resumedAt = sampler.resumedAfter(f.atMs);
      return { ...f, ...(resumedAt !== undefined ? { resumedMs: resumedAt - f.atMs } : {}) };
    }),
    times,
  };
}

/** What each fault figure measures, from the moment of the fault unless said otherwise. */
const LABELS: Record<string, string> = {
  newLeaderMs: 'another node leads the stream after',
  nodeRestartMs: 'node serving again',
  replicasCurrentMs: 'all replicas current (from its restart)',
  restartMs: 'back (from its restart)',
  inFlightDrainedMs: 'everything in flight at the fault acknowledged after',
};

const s = (ms: number | undefined): string => (ms === undefined ? '-' : `${round1(ms / 1000)} s`);

export function renderFigures(f: ClusterFigures): string {
  const t = f.totals;
  const lines = [
    `cluster run: ${f.setup}`,
    `verdict: orders ${t.orders}, ok ${t.ok}, lost ${t.lost}, duplicated ${t.duplicated}, pending ${t.pending}, ` +
      `unexpected ${t.unexpected}, dead-lettered ${t.deadLettered}, misfiled ${t.misfiled}, stalls ${t.stalls}`,
    `publish: ${f.publish.confirmed} confirmed, ${f.publish.retried} retried (${f.publish.duplicateAcks} acked as duplicates), ` +
      `longest delay ${s(f.publish.maxDelayMs)}`,
    `completed orders/s: ${f.rates.duringFaults} during the faults, ${f.rates.afterFaults} after, ${f.rates.overall} overall`,
    `first order completed after ${s(f.firstCompletionMs)}; longest stretch without a completion in the window after ` +
      `it: ${s(f.longestGap.ms)} (from ${s(f.longestGap.fromMs)})`,
    `redeliveries: ${Object.entries(f.redeliveries)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  ];
  for (const fault of f.faults) {
    const figures = Object.entries(fault.figures).map(([k, v]) => `${LABELS[k] ?? k} ${s(v)}`);
    lines.push(
      `${fault.fault} ${fault.target} at ${s(fault.atMs)}: ${figures.join(', ')}; completions resumed after ${s(fault.resumedMs)}`,
    );
  }
  const r = f.times;
  lines.push(
    `runtime: setup ${s(r.setupMs)}, fault window ${s(r.windowMs)}, settle ${s(r.settleMs)}, check ${s(r.checkMs)}, total ${s(r.totalMs)}; load average ${r.loadAverage} at the end`,
  );
  return lines.join('\n');
}
