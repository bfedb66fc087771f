/**
 * `npm run bench:noisy-neighbour`: priority and fairness measured (issue 22, item 2), not part of
 * the default bench. One set of servers (the dev server with Temporal's priority and fairness
 * on), one worker process, one bridge process at a time holding up to 5,000 orders per stage
 * (the consumers' max ack pending raised to 10,000, as `provision --max-ack-pending` would):
 *   1. fairness off (a pipeline module without it): customer A publishes 3,000 orders at once,
 *      then customer B 30. B's orders wait behind A's: the starvation.
 *   2. fairness on (the same functions, `fairness: { key: customerId }`, priority by shipping):
 *      the same burst. B's p99 time to completion should be at most a tenth of phase 1's and
 *      within 10 s.
 *   3. priority: a backlog of 2,000 of customer C, then 20 express orders (priority 1) of the
 *      same customer: they should complete before 90% of the backlog.
 * Prints the figures and writes them to noisy-neighbour-results.json (or BENCH_OUT). Sizes:
 * BENCH_NN_A, BENCH_NN_B, BENCH_NN_BACKLOG, BENCH_NN_EXPRESS, BENCH_NN_IN_FLIGHT.
 */
import fs from 'node:fs';
import path from 'node:path';

import { killChildrenOnExit } from '../../local/servers/process';
import { STREAM } from '../../workflows/names';
import type { Pipeline } from '../harness/pipeline';
import { startPipeline } from '../harness/pipeline';
import { runBench } from './bench-exit';
import { fromEnv } from './config';
import { completionsInStream, notCompletedOnce } from './end-to-end';
import type { BurstResult, ExpressResult } from './noisy-phases';
import { CompletionTimes, burstPhase, expressPhase, startBridge, stopBridge } from './noisy-phases';
import { startBenchWorker } from './workers';

const SIZES = {
  a: fromEnv('BENCH_NN_A', 3000),
  b: fromEnv('BENCH_NN_B', 30),
  backlog: fromEnv('BENCH_NN_BACKLOG', 2000),
  express: fromEnv('BENCH_NN_EXPRESS', 20),
  inFlight: fromEnv('BENCH_NN_IN_FLIGHT', 5000),
};
/** Max ack pending of NEW and DISPATCH: above the bridge's in flight, so the bridge, not JetStream, bounds it. */
const MAX_ACK_PENDING = 10_000;

const FAIR = path.join(__dirname, 'noisy-pipeline.js');
const PLAIN = path.join(__dirname, 'noisy-pipeline-plain.js');

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** One burst phase on its own bridge process. */
async function burstOn(p: Pipeline, times: CompletionTimes, module: string, label: string): Promise<BurstResult> {
  const bridge = await startBridge(p, module, SIZES.inFlight);
  try {
    const result = { applies: bridge.applies, ...(await burstPhase(p, times, label, SIZES)) };
    say(
      `fairness ${label} (${result.applies}): A ${SIZES.a} p50 ${result.a.p50} s p99 ${result.a.p99} s · ` +
        `B ${SIZES.b} p50 ${result.b.p50} s p99 ${result.b.p99} s max ${result.b.max} s · ` +
        `A done when B's last completed: ${(result.aDoneAtLastB * 100).toFixed(1)}% · ${result.seconds} s`,
    );
    return result;
  } finally {
    await stopBridge(bridge.child);
  }
}

async function expressOn(p: Pipeline, times: CompletionTimes): Promise<ExpressResult> {
  const bridge = await startBridge(p, FAIR, SIZES.inFlight);
  try {
    const result = await expressPhase(p, times, SIZES);
    say(
      `priority: backlog ${SIZES.backlog} p50 ${result.backlog.p50} s p99 ${result.backlog.p99} s · ` +
        `express ${SIZES.express} p50 ${result.express.p50} s max ${result.express.max} s · ` +
        `backlog done when the last express completed: ${(result.backlogDoneAtLastExpress * 100).toFixed(1)}%`,
    );
    return result;
  } finally {
    await stopBridge(bridge.child);
  }
}

/** The targets, each with whether it was met. */
function targetsOf(off: BurstResult, on: BurstResult, express: ExpressResult) {
  const ratio = on.b.p99 / off.b.p99;
  return {
    bP99RatioOnToOff: { value: Number(ratio.toFixed(4)), target: '<= 0.1', met: ratio <= 0.1 },
    bP99On: { value: on.b.p99, target: '<= 10 s', met: on.b.p99 <= 10 },
    backlogDoneAtLastExpress: {
      value: express.backlogDoneAtLastExpress,
      target: '< 0.9',
      met: express.backlogDoneAtLastExpress < 0.9,
    },
  };
}

async function main(): Promise<void> {
  killChildrenOnExit();
  const started = performance.now();
  const p = await startPipeline();
  for (const consumer of ['NEW', 'DISPATCH'])
    await p.jsm.consumers.update(STREAM, consumer, { max_ack_pending: MAX_ACK_PENDING });
  const worker = await startBenchWorker(p, { mode: 'regular', taskQueue: 'orderflow', functionsModule: FAIR });
  const times = new CompletionTimes(p);
  try {
    const off = await burstOn(p, times, PLAIN, 'off');
    const on = await burstOn(p, times, FAIR, 'on');
    const express = await expressOn(p, times);
    const counts = await completionsInStream(p);
    const notOnce = notCompletedOnce(counts, [...counts.keys()]);
    const expected = 2 * (SIZES.a + SIZES.b) + SIZES.backlog + SIZES.express;
    if (notOnce.length || counts.size !== expected) {
      throw new Error(`${counts.size} of ${expected} orders completed; not once: ${notOnce.slice(0, 10).join(', ')}`);
    }
    const targets = targetsOf(off, on, express);
    const results = {
      sizes: SIZES,
      off,
      on,
      express,
      targets,
      seconds: Math.round((performance.now() - started) / 1000),
    };
    const out = process.env.BENCH_OUT ?? path.resolve('noisy-neighbour-results.json');
    fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    for (const [name, t] of Object.entries(targets))
      say(`${t.met ? 'met' : 'MISSED'}: ${name} ${t.value} (target ${t.target})`);
    process.stdout.write(`every order completed once (${expected}); written to ${out}\n`);
    if (Object.values(targets).some((t) => !t.met)) process.exitCode = 1;
  } finally {
    times.stop();
    await worker.stop();
    await p.stop();
  }
}

runBench('noisy-neighbour bench', main);
