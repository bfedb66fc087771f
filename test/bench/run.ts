/**
 * `npm run bench`: the bridge measured against its ceiling, Temporal. Rounds on fresh servers,
 * each alternating short slices of Temporal-direct and the bridge (then their latency at half
 * load) and of the pipeline end to end with regular activities and with local functions; then
 * the bridge process's RSS under growing backlogs. Prints round by round, then the table and a
 * one-line summary, and writes bench-results.json (or BENCH_OUT). Sizes: see config.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { killChildrenOnExit } from '../../local/servers/process';
import { runBench } from './bench-exit';
import { benchConfig } from './config';
import type { BacklogRss } from './memory';
import { rssUnderBacklog } from './memory';
import { resultsOf, summaryOf, tableOf } from './report';
import type { RoundResult } from './round';
import { runRound } from './round';
import { percentile } from './stats';
import { total } from './round-trips';

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

function p99(values: readonly number[]): string {
  return percentile(values, 99).toFixed(0);
}

function describeRound(n: number, r: RoundResult): string {
  const e = r.endToEnd;
  const rt = r.roundTrips;
  return (
    `round ${n} (${r.seconds.toFixed(0)} s): raw ${r.rawPerS.toFixed(0)}/s · direct ${r.directPerS.toFixed(1)}/s` +
    ` · bridge ${r.bridgePerS.toFixed(1)}/s · ratio ${r.ratio.toFixed(3)} (direct vs itself ${r.directSelfRatio.toFixed(3)})` +
    ` · latency p99 direct ${p99(r.directLatencies)} bridge ${p99(r.bridgeLatencies)} ms` +
    ` (direct's halves ${p99(r.directLatencies.filter((_, i) => i % 2 === 0))}/${p99(r.directLatencies.filter((_, i) => i % 2 === 1))})` +
    ` · e2e regular ${e.regularPerS.toFixed(1)}/s local ${e.localPerS.toFixed(1)}/s (${e.speedup.toFixed(2)}×)` +
    ` · Temporal calls/order ${(total(rt.temporal) / rt.orders).toFixed(2)}` +
    ` · NATS out/in per order ${(rt.nats.outMsgs / rt.orders).toFixed(2)}/${(rt.nats.inMsgs / rt.orders).toFixed(2)}` +
    ` · pulls/order ${(rt.pulls.count / rt.orders).toFixed(2)} (inbox subscriptions ${(rt.subscriptions / rt.orders).toFixed(2)})` +
    (e.notCompletedOnce.length ? ` · NOT COMPLETED ONCE: ${e.notCompletedOnce.slice(0, 5).join(', ')}` : '')
  );
}

async function main(): Promise<void> {
  killChildrenOnExit();
  const config = benchConfig();
  const started = performance.now();
  const loadBefore = os.loadavg();
  say(`bench: load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
  const rounds: RoundResult[] = [];
  for (let n = 1; n <= config.rounds; n += 1) {
    rounds.push(await runRound(config));
    say(describeRound(n, rounds.at(-1)!));
  }
  const rss: BacklogRss[] = [];
  for (let pass = 1; pass <= config.rssRepeats; pass += 1) {
    for (const backlog of config.backlogs) {
      rss.push(await rssUnderBacklog(backlog, config.drainSeconds));
      const r = rss.at(-1)!;
      say(
        `backlog ${backlog} (pass ${pass}): bridge RSS peak ${r.peakMb.toFixed(1)} MB ${r.peakAtS.toFixed(1)} s after its start ` +
          `(${r.consumingMb.toFixed(1)} MB when it began ` +
          `consuming, ${r.lastMb.toFixed(1)} MB at the end), ` +
          `${r.acked} acked in ${config.drainSeconds} s (backlog published at ${r.publishPerS.toFixed(0)}/s)`,
      );
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const results = resultsOf(config, rounds, rss, { loadBefore, loadAfter: os.loadavg(), seconds });
  const out = process.env.BENCH_OUT ?? path.resolve('bench-results.json');
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  const failures = rounds.flatMap((r) => r.endToEnd.notCompletedOnce);
  process.stdout.write(`${tableOf(results)}\n(written to ${out})\n`);
  if (failures.length) throw new Error(`orders not completed exactly once: ${failures.slice(0, 10).join(', ')}`);
  process.stdout.write(`${summaryOf(rounds, rss, seconds)}\n`);
}

runBench('bench', main);
