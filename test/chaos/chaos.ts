/**
 * One chaos run, start to verdict: plan orders and faults from the seed, start the cluster,
 * publish while the nemesis strikes, heal, let the pipeline settle (watching for stalls), read the
 * servers' state, judge every order, stop everything. Used by `npm run chaos` (run.ts) and by
 * the small run in `npm test` (test/integration/chaos.test.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { reportedVersion } from '../../local/servers/binaries';
import { natsServerVersions, toolPath } from '../harness/tools';
import type { CaseVerdict, CheckResult, Unexpected } from './checker';
import { startCluster, TARGETS } from './cluster';
import type { AppliedEffect } from './effect-counter';
import { startEffectCounter } from './effect-counter';
import { judge } from './judge';
import type { NemesisEvent } from './nemesis';
import { Nemesis } from './nemesis';
import type { OrderCase } from './plan';
import { planOrders } from './plan';
import type { PublishRecord } from './publisher';
import { publishPlan } from './publisher';
import { seededRandom } from './random';
import type { PlannedFault } from './schedule';
import { planFaults } from './schedule';
import type { SettleResult } from './settle';
import { settle } from './settle';

export interface ChaosOptions {
  readonly seed: number;
  /** Order cases to generate. Default: 2000. */
  readonly orders: number;
  /** Fault period (orders are published over it), in ms. Default: 120000. */
  readonly durationMs: number;
  /** `pinned`, `legacy` (Debian's 2.9) or a path to a nats-server binary. Default: pinned. */
  readonly natsServer: string;
  /** The report file. Default: orderflow-chaos-<seed>-<time>.json in the OS temp folder. */
  readonly out?: string;
  /** Ack wait of NEW and DISPATCH, in ms. Default: 4000. */
  readonly ackWaitMs?: number;
  /** Longest settle after the heal, in ms (it ends sooner when quiet, or stalled for 2 × stallMs). Default: 600000. */
  readonly settleTimeoutMs?: number;
  /** No progress for this long while work is pending is a stall, in ms. Default: 30000. */
  readonly stallMs?: number;
  /** Progress lines, for a terminal. Default: none. */
  readonly progress?: (line: string) => void;
}

export interface Totals {
  readonly orders: number;
  readonly ok: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly unexpected: number;
  readonly deadLettered: number;
  readonly misfiled: number;
  readonly pending: number;
  readonly stalls: number;
}

export interface ChaosReport {
  readonly seed: number;
  readonly options: Omit<ChaosOptions, 'progress'>;
  readonly versions: { readonly natsServer: string; readonly natsBinary: string; readonly temporal: string };
  readonly durationsMs: Record<string, number>;
  readonly history: ReadonlyArray<Record<string, unknown>>;
  readonly cases: readonly OrderCase[];
  readonly schedule: readonly PlannedFault[];
  readonly nemesis: readonly NemesisEvent[];
  readonly settle: SettleResult;
  readonly verdicts: readonly CaseVerdict[];
  readonly unexpected: readonly Unexpected[];
  /** Every report of a key reported applied more than once. */
  readonly retold: readonly AppliedEffect[];
  readonly totals: Totals;
  readonly passed: boolean;
  readonly summary: string;
  readonly out: string;
  readonly logDir: string;
}

function natsBinaryFor(choice: string): string {
  if (choice === 'pinned') return toolPath('nats-server');
  if (choice === 'legacy') {
    const legacy = natsServerVersions().find((v) => !v.pinned);
    if (!legacy)
      throw new Error('no older nats-server found (install Debian nats-server or set NATS_SERVER_LEGACY_BIN)');
    return legacy.path;
  }
  return choice;
}

export function totalsOf(result: CheckResult, stalls: number): Totals {
  const count = (v: CaseVerdict['verdict']): number => result.cases.filter((c) => c.verdict === v).length;
  return {
    orders: result.cases.length,
    ok: count('ok'),
    lost: count('lost'),
    duplicated: count('duplicated'),
    unexpected: result.unexpected.length,
    deadLettered: count('dead-lettered'),
    misfiled: count('misfiled'),
    pending: count('pending'),
    stalls,
  };
}

export function summaryLine(seed: number, t: Totals): string {
  return (
    `chaos seed=${seed} orders=${t.orders} ok=${t.ok} lost=${t.lost} duplicated=${t.duplicated} ` +
    `unexpected=${t.unexpected} dead-lettered=${t.deadLettered} pending=${t.pending} stalls=${t.stalls} ` +
    `misfiled=${t.misfiled}`
  );
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const say = options.progress ?? ((): void => undefined);
  const began = Date.now();
  const out = path.resolve(options.out ?? path.join(os.tmpdir(), `orderflow-chaos-${options.seed}-${began}.json`));
  const logDir = out.replace(/\.json$/, '') + '-logs';
  fs.mkdirSync(logDir, { recursive: true });
  const random = seededRandom(options.seed);
  const plan = planOrders(random.fork('orders'), options.orders, options.durationMs, `c${options.seed}-`);
  const schedule = planFaults(random.fork('nemesis'), options.durationMs, TARGETS);
  const natsBinary = natsBinaryFor(options.natsServer);
  const early: Array<[string, string, string]> = [];
  let nemesis: Nemesis | undefined;
  const counter = await startEffectCounter();
  const durationsMs: Record<string, number> = {};
  const lap = (name: string, since: number): void => void (durationsMs[name] = Date.now() - since);
  try {
    say(`starting servers, 2 bridges, 2 workers (logs in ${logDir})`);
    const cluster = await startCluster({
      natsBinary,
      ackWaitMs: options.ackWaitMs ?? 4000,
      logDir,
      counterUrl: counter.url,
      report: (target, event, detail) =>
        nemesis ? nemesis.record(target, event, { detail }) : early.push([target, event, detail]),
    });
    try {
      const p = cluster.pipeline;
      const temporalVersion = (await p.client.workflowService.getSystemInfo({})).serverVersion;
      lap('setup', began);
      const startedAt = Date.now();
      nemesis = new Nemesis(cluster.targets, startedAt);
      for (const [target, event, detail] of early) nemesis.record(target, event, { detail });
      say(`publishing ${plan.publications.length} messages over ${options.durationMs} ms; ${schedule.length} faults`);
      const stop = new AbortController();
      // Either failing ends the other, rather than leaving it to publish or strike on its own.
      const [records] = await Promise.all([
        publishPlan(p.js, plan.publications, startedAt, stop.signal),
        nemesis.run(schedule, stop.signal),
      ]).finally(() => stop.abort());
      lap('faults', startedAt);
      const healedAt = Date.now();
      await nemesis.healAll();
      await cluster.ensureUp();
      nemesis.record('all', 'healed');
      lap('heal', healedAt);
      say('healed; settling');
      const settled = await settle(
        p,
        { timeoutMs: options.settleTimeoutMs ?? 600_000, stallMs: options.stallMs ?? 30_000 },
        startedAt,
      );
      durationsMs.settle = settled.durationMs;
      const checkedAt = Date.now();
      const result = await judge(p, { cases: plan.cases, publications: plan.publications, records }, counter.applied);
      lap('check', checkedAt);
      const totals = totalsOf(result, settled.stalls.length);
      const { progress: _, ...kept } = options;
      const report: ChaosReport = {
        seed: options.seed,
        options: kept,
        versions: { natsServer: reportedVersion(natsBinary), natsBinary, temporal: temporalVersion },
        durationsMs,
        history: plan.publications.map((pub) => ({
          ...pub,
          expect: plan.cases.find((c) => c.id === pub.caseId)?.expect,
          ...(records[pub.index] as PublishRecord),
        })),
        cases: plan.cases,
        schedule,
        nemesis: nemesis.log,
        settle: settled,
        verdicts: result.cases,
        unexpected: result.unexpected,
        // Keys reported applied more than once, every report: tells a retried report from a second application.
        retold: counter.applied.filter((a) => counter.applied.filter((b) => b.key === a.key).length > 1),
        totals,
        passed:
          totals.lost + totals.duplicated + totals.unexpected + totals.pending + totals.misfiled + totals.stalls === 0,
        summary: summaryLine(options.seed, totals),
        out,
        logDir,
      };
      lap('total', began);
      fs.writeFileSync(out, `${JSON.stringify(report, null, 1)}\n`);
      return report;
    } finally {
      say('stopping');
      await cluster.stop();
    }
  } finally {
    await counter.close();
  }
}
