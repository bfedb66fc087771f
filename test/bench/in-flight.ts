/**
 * `npm run bench:in-flight`: one bridge holding thousands of orders at once. Each order's function
 * waits until one release moment (hold-pipeline.ts), so a phase's orders are all in flight
 * together; then all complete. A phase of 5,000 orders and one of 100, on the same servers, with
 * the consumer's max ack pending raised to 10,000 by `orderflow provision --max-ack-pending`. Per
 * phase, read from outside: the most messages held at once (JetStream's ack pending) and runs
 * running at once (Temporal), redeliveries, acks per order and each ack's delay after its run
 * closed (JetStream's ack advisories against Temporal's close times), and the bridge process's
 * peak RSS and CPU per order, sampled from /proc. Flat: the big phase's RSS and CPU per order
 * within 25% of the small one's. Writes bench-in-flight.json (or BENCH_OUT).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import type { ChildProcess } from 'node:child_process';

import { killChildrenOnExit } from '../../local/servers/process';
import { demoOrders } from '../../shared/orders/demo';
import { STAGES, STREAM } from '../../workflows/names';
import { OPTIONS } from '../../shared/config/option-table';
import { runCli } from '../harness/cli';
import type { Pipeline } from '../harness/pipeline';
import { killProcess, spawnBridge, spawnCliWorker, startPipeline } from '../harness/pipeline';
import { stopAllServers } from '../harness/servers';
import { processCpuMs } from './cpu';
import { PRODUCTION_BRIDGE_ENV } from './end-to-end';
import { percentile, pool } from './stats';

const ACK_SUBJECT = `$JS.EVENT.METRIC.CONSUMER.ACK.${STREAM}.${STAGES.process.consumer}`;
const MAX_ACK_PENDING = 10_000;
const SAMPLE_MS = 1000;
/** How long after the release every order must be acked before the phase gives up waiting, in ms. */
const AFTER_RELEASE_MS = 10 * 60_000;

function outFile(): string {
  return process.env.BENCH_OUT ?? path.resolve('bench-in-flight.json');
}
/** Flat: the big phase's peak RSS and CPU per order at most this much above the small phase's. */
const FLAT_WITHIN = 1.25;

export interface PhaseResult {
  readonly orders: number;
  readonly holdSeconds: number;
  /** Most messages the bridge held un-acked at once (the consumer's ack pending). */
  readonly peakInFlight: number;
  /** Most of the phase's runs running at once in Temporal. */
  readonly peakRunning: number;
  readonly redelivered: number;
  /** Orders acked other than exactly once (an ack advisory each). */
  readonly notAckedOnce: number;
  /** Acks that came before their run closed: must be 0. */
  readonly ackedBeforeClose: number;
  /** An ack's delay after its run closed, in ms. */
  readonly ackAfterCloseMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly ackedLaterThan1s: number;
  readonly bridgePeakRssMb: number;
  readonly bridgeCpuMsPerOrder: number;
  readonly seconds: number;
}

interface AckSeen {
  count: number;
  at: number;
}

function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Every ack advisory of NEW (the seed samples 100%): per stream sequence, how many and when. */
function watchAcks(p: Pipeline): { acks: Map<number, AckSeen>; stop: () => void } {
  const acks = new Map<number, AckSeen>();
  const sub = p.nc.subscribe(ACK_SUBJECT, {
    callback: (err, msg) => {
      if (err) return;
      const event = msg.json<{ stream_seq: number; timestamp: string }>();
      const seen = acks.get(event.stream_seq) ?? { count: 0, at: 0 };
      seen.count += 1;
      seen.at = Date.parse(event.timestamp);
      acks.set(event.stream_seq, seen);
    },
  });
  return { acks, stop: () => sub.unsubscribe() };
}

async function publishOrders(p: Pipeline, count: number, prefix: string): Promise<Map<number, string>> {
  const seqs = new Map<number, string>();
  const orders = demoOrders(count, { prefix, seed: 5 });
  await pool(orders, 512, async (order) => {
    const ack = await p.js.publish(STAGES.process.inputSubject, JSON.stringify(order));
    seqs.set(ack.seq, order.orderId);
  });
  return seqs;
}

async function runningRuns(p: Pipeline, prefix: string): Promise<number> {
  const query = `WorkflowType = '${STAGES.process.workflowType}' AND ExecutionStatus = 'Running' AND WorkflowId STARTS_WITH '${STAGES.process.name}-${prefix}'`;
  return (await p.client.workflow.count(query)).count;
}

/** Close times of the phase's runs, by workflow ID, in ms since the epoch. */
async function closeTimes(p: Pipeline, prefix: string): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  const query = `WorkflowType = '${STAGES.process.workflowType}' AND ExecutionStatus = 'Completed' AND WorkflowId STARTS_WITH '${STAGES.process.name}-${prefix}'`;
  for await (const run of p.client.workflow.list({ query, pageSize: 1000 })) {
    if (run.closeTime) times.set(run.workflowId, run.closeTime.getTime());
  }
  return times;
}

interface Sampled {
  peakInFlight: number;
  peakRunning: number;
  peakRssKb: number;
}

/** Samples until every order of the phase is acked, or `deadline` (ms since the epoch) passed. */
async function sampleUntilAcked(
  p: Pipeline,
  bridge: ChildProcess,
  prefix: string,
  orders: number,
  floorBefore: number,
  deadline: number,
): Promise<Sampled> {
  const s: Sampled = { peakInFlight: 0, peakRunning: 0, peakRssKb: 0 };
  let tick = 0;
  for (;;) {
    if (Date.now() > deadline) {
      say(`  ${prefix}: not all acked by the deadline; ${await runningRuns(p, prefix)} runs still running`);
      return s;
    }
    if (bridge.exitCode !== null) throw new Error(`the bridge exited (${bridge.exitCode})`);
    s.peakRssKb = Math.max(s.peakRssKb, rssKb(bridge.pid!));
    const info = await p.jsm.consumers.info(STREAM, STAGES.process.consumer);
    s.peakInFlight = Math.max(s.peakInFlight, info.num_ack_pending);
    if (tick % 5 === 0) s.peakRunning = Math.max(s.peakRunning, await runningRuns(p, prefix));
    if (tick % 30 === 0)
      say(
        `  ${prefix}: ${info.num_ack_pending} held, ${info.ack_floor.stream_seq - floorBefore} acked, RSS ${(s.peakRssKb / 1024).toFixed(0)} MB peak`,
      );
    if (info.ack_floor.stream_seq - floorBefore >= orders && info.num_ack_pending === 0) return s;
    tick += 1;
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
  }
}

function ackDelays(
  seqs: Map<number, string>,
  acks: Map<number, AckSeen>,
  closed: Map<string, number>,
): Pick<PhaseResult, 'notAckedOnce' | 'ackedBeforeClose' | 'ackAfterCloseMs' | 'ackedLaterThan1s'> {
  const delays: number[] = [];
  let notAckedOnce = 0;
  let ackedBeforeClose = 0;
  for (const [seq, orderId] of seqs) {
    const ack = acks.get(seq);
    const closeAt = closed.get(`${STAGES.process.name}-${orderId}`);
    if (ack?.count !== 1 || closeAt === undefined) {
      notAckedOnce += 1;
      continue;
    }
    if (ack.at < closeAt) ackedBeforeClose += 1;
    delays.push(ack.at - closeAt);
  }
  return {
    notAckedOnce,
    ackedBeforeClose,
    ackAfterCloseMs: { p50: percentile(delays, 50), p99: percentile(delays, 99), max: Math.max(0, ...delays) },
    ackedLaterThan1s: delays.filter((d) => d > 1000).length,
  };
}

/** The worker's output, kept beside the results (why an attempt never finished, if one does not). */
function keepOutput(child: ChildProcess, file: string): void {
  const out = fs.createWriteStream(file, { flags: 'a' });
  child.stdout?.on('data', (chunk: Buffer) => out.write(chunk));
  child.stderr?.on('data', (chunk: Buffer) => out.write(chunk));
  child.once('exit', () => out.end());
}

async function phase(p: Pipeline, orders: number, holdSeconds: number, longPolls: number): Promise<PhaseResult> {
  const prefix = `hold${orders}-${Date.now().toString(36)}-`;
  const started = performance.now();
  const releaseAt = Date.now() + holdSeconds * 1000;
  const worker = await spawnCliWorker(p, ['--functions', path.join(__dirname, 'hold-pipeline.js')], {
    BENCH_RELEASE_AT: String(releaseAt),
    ORDERFLOW_MAX_ACTIVITIES: String(orders + 100),
    ORDERFLOW_SHUTDOWN_GRACE_MS: '5000',
  });
  keepOutput(worker, `${outFile()}.worker-${orders}.log`);
  const watch = watchAcks(p);
  try {
    const floorBefore = (await p.jsm.consumers.info(STREAM, STAGES.process.consumer)).ack_floor.stream_seq;
    const redeliveredBefore = (await p.jsm.consumers.info(STREAM, STAGES.process.consumer)).num_redelivered;
    const seqs = await publishOrders(p, orders, prefix);
    const bridge = await spawnBridge(p, {
      ...PRODUCTION_BRIDGE_ENV,
      ORDERFLOW_STAGES: 'process',
      ORDERFLOW_MAX_IN_FLIGHT: String(Math.max(orders, 32)),
      ORDERFLOW_RESULT_LONG_POLLS: String(longPolls),
    });
    keepOutput(bridge, `${outFile()}.bridge-${orders}.log`);
    const cpuAtStart = processCpuMs(bridge.pid);
    try {
      const sampled = await sampleUntilAcked(p, bridge, prefix, orders, floorBefore, releaseAt + AFTER_RELEASE_MS);
      const cpuMs = processCpuMs(bridge.pid) - cpuAtStart;
      const info = await p.jsm.consumers.info(STREAM, STAGES.process.consumer);
      await new Promise((r) => setTimeout(r, 1000)); // the last advisories
      return {
        orders,
        holdSeconds,
        peakInFlight: sampled.peakInFlight,
        peakRunning: sampled.peakRunning,
        redelivered: info.num_redelivered - redeliveredBefore,
        ...ackDelays(seqs, watch.acks, await closeTimes(p, prefix)),
        bridgePeakRssMb: sampled.peakRssKb / 1024,
        bridgeCpuMsPerOrder: cpuMs / orders,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      await killProcess(bridge, 'SIGTERM');
    }
  } finally {
    watch.stop();
    await killProcess(worker, 'SIGTERM');
  }
}

function describe(r: PhaseResult): string {
  const a = r.ackAfterCloseMs;
  return (
    `${r.orders} orders (hold ${r.holdSeconds} s, ${r.seconds.toFixed(0)} s): ${r.peakInFlight} held at once, ` +
    `${r.peakRunning} running at once, ${r.redelivered} redelivered, ${r.notAckedOnce} not acked exactly once, ` +
    `${r.ackedBeforeClose} acked before their run closed; ack after close p50 ${a.p50.toFixed(0)} p99 ${a.p99.toFixed(0)} ` +
    `max ${a.max.toFixed(0)} ms (${r.ackedLaterThan1s} later than 1 s); bridge RSS peak ${r.bridgePeakRssMb.toFixed(1)} MB, ` +
    `CPU ${r.bridgeCpuMsPerOrder.toFixed(2)} ms/order`
  );
}

async function main(): Promise<void> {
  killChildrenOnExit();
  const { values } = parseArgs({
    options: {
      orders: { type: 'string', default: '5000' },
      small: { type: 'string', default: '100' },
      'hold-seconds': { type: 'string', default: '300' },
      'long-polls': { type: 'string', default: String(OPTIONS.resultLongPolls.default) },
    },
  });
  const big = Number(values.orders);
  const small = Number(values.small);
  const hold = Number(values['hold-seconds']);
  const longPolls = Number(values['long-polls']);
  for (const [name, n] of [
    ['--orders', big],
    ['--small', small],
    ['--hold-seconds', hold],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number above 0 (got ${String(n)})`);
  }
  const p = await startPipeline();
  try {
    const provisioned = await runCli(['provision', '--apply', '--max-ack-pending', String(MAX_ACK_PENDING)], {
      env: p.env,
      timeoutMs: 60_000,
    });
    if (provisioned.code !== 0)
      throw new Error(
        `provision --max-ack-pending failed (${String(provisioned.code)}):\n${provisioned.stdout}\n${provisioned.stderr}`,
      );
    say(
      `in-flight bench: max ack pending ${MAX_ACK_PENDING}; phases of ${small} and ${big} orders, each held ${hold} s`,
    );
    const smallRun = await phase(p, small, hold, longPolls);
    say(describe(smallRun));
    const bigRun = await phase(p, big, hold, longPolls);
    say(describe(bigRun));
    const rssRatio = bigRun.bridgePeakRssMb / smallRun.bridgePeakRssMb;
    const cpuRatio = bigRun.bridgeCpuMsPerOrder / smallRun.bridgeCpuMsPerOrder;
    const results = {
      maxAckPending: MAX_ACK_PENDING,
      small: smallRun,
      big: bigRun,
      rssRatio,
      cpuRatio,
      flatWithin: FLAT_WITHIN,
    };
    const out = outFile();
    fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    const held = bigRun.peakInFlight >= big && bigRun.peakRunning >= big;
    const clean = [smallRun, bigRun].every(
      (r) => r.redelivered === 0 && r.notAckedOnce === 0 && r.ackedBeforeClose === 0,
    );
    const flat = rssRatio <= FLAT_WITHIN && cpuRatio <= FLAT_WITHIN;
    process.stdout.write(
      `in-flight: ${bigRun.peakInFlight} held at once (${held ? 'all' : 'NOT all'}), ${clean ? 'no redelivery, each acked once after its run' : 'NOT CLEAN'}; ` +
        `RSS ${rssRatio.toFixed(2)}× and CPU/order ${cpuRatio.toFixed(2)}× the ${small}-order run (${flat ? 'flat' : 'NOT flat'}, within ${FLAT_WITHIN}); ` +
        `ack after close p99 ${bigRun.ackAfterCloseMs.p99.toFixed(0)} ms (written to ${out})\n`,
    );
    if (!held || !clean) process.exitCode = 1;
  } finally {
    await p.stop();
    await stopAllServers();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
