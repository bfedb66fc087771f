/**
 * `npm run bench`: the bridge measured against its ceiling, Temporal. On the same servers and
 * the same worker, alternating: (a) raw JetStream consume + ack, (b) Temporal-direct: a client
 * starts the NEW stage's workflows with the bridge's concurrency and waits, (c) the bridge end to
 * end. Then added latency at half of saturation, and the bridge's peak RSS with 10,000 orders
 * backlogged. Prints a table and writes bench-results.json (or BENCH_OUT).
 */
import fs from 'node:fs';
import path from 'node:path';

import { AckPolicy, jetstream } from '@nats-io/jetstream';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';

import { STAGES, STREAM } from '../../workflows/names';
import type { Bridge } from '../../bridge/consumer/bridge';
import { demoOrders } from '../../bridge/orders/demo';
import { orderRevision } from '../../bridge/orders/revision';
import { killChildrenOnExit } from '../../bridge/servers/process';
import type { StageInput } from '../../workflows/types';
import type { Pipeline } from '../harness/pipeline';
import {
  killProcess,
  publish,
  spawnBridgeProcess,
  startBridge,
  startPipeline,
  startWorker,
  stopPipelines,
  waitFor,
} from '../harness/pipeline';
import { stopAllServers } from '../harness/servers';
import { median, percentile, pool } from './stats';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ORDERS_PER_PHASE = Number(process.env.BENCH_ORDERS ?? 400);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 50);
const RAW_MESSAGES = 20_000;
const BACKLOG = 10_000;

let phaseId = 0;
const prefix = (name: string): string => `b${Date.now().toString(36)}-${name}${++phaseId}-`;

async function rawJetStream(p: Pipeline): Promise<number> {
  const name = `RAW${phaseId++}`;
  await p.jsm.streams.add({ name, subjects: [`${name}.>`] });
  const body = JSON.stringify(demoOrders(1)[0]);
  const js = jetstream(p.nc);
  await pool(
    Array.from({ length: RAW_MESSAGES }, (_, i) => i),
    256,
    async () => void (await js.publish(`${name}.o`, body)),
  );
  await p.jsm.consumers.add(name, { durable_name: 'RAW', ack_policy: AckPolicy.Explicit });
  const consumer = await js.consumers.get(name, 'RAW');
  const started = performance.now();
  let seen = 0;
  const messages = await consumer.consume({ max_messages: 1000 });
  for await (const msg of messages) {
    msg.ack(); // the no-op handler
    if (++seen === RAW_MESSAGES) break;
  }
  const rate = RAW_MESSAGES / ((performance.now() - started) / 1000);
  await p.jsm.streams.delete(name);
  return rate;
}

function stageInput(order: StageInput['order'], seq: number): StageInput {
  return {
    order,
    revision: orderRevision(order),
    upstream: {},
    source: { stream: STREAM, subject: 'ORDERS.received', streamSeq: seq, deliveryCount: 1, headers: {} },
  };
}

/** Workflows started straight from a client, as the bridge would, `CONCURRENCY` at a time. */
async function temporalDirect(
  p: Pipeline,
  count: number,
  ratePerS?: number,
): Promise<{ perS: number; latencies: number[] }> {
  const list = demoOrders(count, { prefix: prefix('direct'), seed: 7 });
  const latencies: number[] = [];
  const started = performance.now();
  await pool(list, CONCURRENCY, async (order) => {
    const index = list.indexOf(order);
    if (ratePerS) {
      const due = started + (index * 1000) / ratePerS;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
    }
    const t0 = performance.now();
    const handle = await p.client.workflow.start(STAGES.process.workflowType, {
      taskQueue: 'orderflow',
      workflowId: `process-${order.orderId}`,
      args: [stageInput(order, index)],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
    await handle.result();
    latencies.push(performance.now() - t0);
  });
  return { perS: count / ((performance.now() - started) / 1000), latencies };
}

/** Orders through the bridge: published (all at once, or paced), done when acked. */
async function throughBridge(
  p: Pipeline,
  bridge: Bridge,
  count: number,
  ratePerS?: number,
): Promise<{ perS: number; latencies: number[] }> {
  const list = demoOrders(count, { prefix: prefix('bridge'), seed: 7 });
  const ackedBefore = bridge.counters.acked;
  const started = performance.now();
  if (ratePerS) {
    for (let i = 0; i < list.length; i += 1) {
      const due = started + (i * 1000) / ratePerS;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      await publish(p, [list[i]!]);
    }
  } else {
    await pool(list, 256, (o) => publish(p, [o]));
  }
  await waitFor(
    'the bridge acked every order',
    () => Promise.resolve(bridge.counters.acked - ackedBefore >= count),
    600_000,
  );
  const perS = count / ((performance.now() - started) / 1000);
  const latencies: number[] = [];
  if (ratePerS) {
    // Publish time (stream timestamp) to workflow close, per order.
    for (const order of list) {
      const d = await p.client.workflow.getHandle(`process-${order.orderId}`).describe();
      const source = (d.memo as { streamSeq?: number } | undefined)?.streamSeq ?? 0;
      const stored = await p.jsm.streams.getMessage(STREAM, { seq: source });
      latencies.push(d.closeTime!.getTime() - (stored ? stored.time.getTime() : d.startTime.getTime()));
    }
  }
  return { perS, latencies };
}

async function peakRss(p: Pipeline): Promise<number> {
  await publish(p, demoOrders(BACKLOG, { prefix: prefix('backlog'), seed: 9 }));
  const ackFloor = async (): Promise<number> => (await p.jsm.consumers.info(STREAM, 'NEW')).ack_floor.stream_seq;
  const floorBefore = await ackFloor();
  const child = spawnBridgeProcess(p, { ORDERFLOW_STAGES: 'process', ORDERFLOW_MAX_IN_FLIGHT: String(CONCURRENCY) });
  child.stdout?.resume();
  child.stderr?.resume();
  let peakKb = 0;
  for (let i = 0; i < 40; i += 1) {
    const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
    peakKb = Math.max(peakKb, Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0));
    await new Promise((r) => setTimeout(r, 500));
  }
  const progressed = (await ackFloor()) - floorBefore;
  await killProcess(child, 'SIGKILL');
  if (progressed <= 0) throw new Error('the bridge under the backlog acked nothing: its RSS would mean nothing');
  return peakKb / 1024;
}

async function main(): Promise<void> {
  killChildrenOnExit();
  const p = await startPipeline();
  await startWorker(p);
  const bridge = await startBridge(p, { stages: 'process', maxInFlight: String(CONCURRENCY) });
  await temporalDirect(p, 50); // warm-up: the worker loads its bundle, caches fill
  const raw: number[] = [];
  const direct: number[] = [];
  const viaBridge: number[] = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    raw.push(await rawJetStream(p));
    direct.push((await temporalDirect(p, ORDERS_PER_PHASE)).perS);
    viaBridge.push((await throughBridge(p, bridge, ORDERS_PER_PHASE)).perS);
    process.stderr.write(
      `round ${round}: raw ${raw.at(-1)!.toFixed(0)}/s, direct ${direct.at(-1)!.toFixed(1)}/s, bridge ${viaBridge.at(-1)!.toFixed(1)}/s\n`,
    );
  }
  const half = Math.min(median(direct), median(viaBridge)) / 2;
  const directPaced = await temporalDirect(p, 200, half);
  const bridgePaced = await throughBridge(p, bridge, 200, half);
  await bridge.close();
  const rss = await peakRss(p);

  const results = {
    rounds: ROUNDS,
    orders_per_phase: ORDERS_PER_PHASE,
    concurrency: CONCURRENCY,
    jetstream_raw_msgs_per_s: Math.round(median(raw)),
    temporal_direct_orders_per_s: Number(median(direct).toFixed(1)),
    bridge_orders_per_s: Number(median(viaBridge).toFixed(1)),
    // Per round, then the median: the dev server slows as its database grows, so rounds differ.
    ratio_bridge_vs_direct: Number(median(viaBridge.map((b, i) => b / direct[i]!)).toFixed(3)),
    paced_rate_per_s: Number(half.toFixed(1)),
    direct_latency_p50_ms: Math.round(percentile(directPaced.latencies, 50)),
    direct_latency_p99_ms: Math.round(percentile(directPaced.latencies, 99)),
    bridge_latency_p50_ms: Math.round(percentile(bridgePaced.latencies, 50)),
    bridge_latency_p99_ms: Math.round(percentile(bridgePaced.latencies, 99)),
    bridge_added_latency_p50_ms: Math.round(
      percentile(bridgePaced.latencies, 50) - percentile(directPaced.latencies, 50),
    ),
    bridge_added_latency_p99_ms: Math.round(
      percentile(bridgePaced.latencies, 99) - percentile(directPaced.latencies, 99),
    ),
    bridge_peak_rss_mb: Number(rss.toFixed(1)),
  };
  const out = process.env.BENCH_OUT ?? path.resolve('bench-results.json');
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  const width = Math.max(...Object.keys(results).map((k) => k.length));
  process.stdout.write(
    `${Object.entries(results)
      .map(([k, v]) => `${k.padEnd(width)}  ${v}`)
      .join('\n')}\n(written to ${out})\n`,
  );
  await stopPipelines();
  await stopAllServers();
}

main().then(
  // The Temporal runtime's threads keep a process alive; the bench is done.
  () => process.exit(0),
  async (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    await stopPipelines().catch(() => undefined);
    await stopAllServers().catch(() => undefined);
    process.exit(1);
  },
);
