/**
 * The noisy-neighbour bench's phases, on one set of servers: an `orderflow bridge` process given
 * a pipeline module (`--functions`) with enough in flight to hold the whole burst, orders
 * published as fast as JetStream takes them, and each order's time from its publish to its
 * message on `ORDERS.completed`, watched as it is published.
 */
import type { ChildProcess } from 'node:child_process';

import type { Subscription } from '@nats-io/nats-core';

import { demoOrders } from '../../shared/orders/demo';
import type { Order } from '../../shared/orders/schema';
import { STAGES } from '../../workflows/names';
import type { Pipeline } from '../harness/pipeline';
import { killProcess, spawnBridgeProcess } from '../harness/pipeline';
import { publishOrder } from './bridge-slices';
import { PRODUCTION_BRIDGE_ENV } from './end-to-end';
import { percentile, pool, round } from './stats';

/** Publishes in flight while a burst is written. */
const PUBLISH_WINDOW = 256;
const WAIT_POLL_MS = 50;

/** When each order's completion was seen (performance.now(), ms). */
export class CompletionTimes {
  private readonly at = new Map<string, number>();
  private readonly sub: Subscription;

  constructor(p: Pick<Pipeline, 'nc'>) {
    this.sub = p.nc.subscribe(STAGES.dispatch.outputSubject, {
      callback: (err, msg) => {
        if (err) return;
        const id = msg.json<{ order?: { orderId?: string } }>().order?.orderId ?? '?';
        if (!this.at.has(id)) this.at.set(id, performance.now());
      },
    });
  }

  timeOf(id: string): number {
    const t = this.at.get(id);
    if (t === undefined) throw new Error(`order ${id} has not completed`);
    return t;
  }

  /** Resolves once every one of `ids` completed; rejects after `timeoutMs`. */
  async whenAll(ids: readonly string[], timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    let missing = ids.filter((id) => !this.at.has(id));
    while (missing.length > 0) {
      if (performance.now() > deadline) throw new Error(`${missing.length} of ${ids.length} orders not completed`);
      await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
      missing = missing.filter((id) => !this.at.has(id));
    }
  }

  stop(): void {
    this.sub.unsubscribe();
  }
}

/** An order and when its publish was sent (performance.now(), ms). */
interface Sent {
  readonly id: string;
  readonly sentAt: number;
}

/** `count` orders of one customer, express or not. */
export function customerOrders(prefix: string, customerId: string, count: number, express = false): Order[] {
  return demoOrders(count, { prefix, seed: 22 }).map((o) => ({
    ...o,
    customerId,
    ...(express ? { metadata: { shipping: 'express' } } : {}),
  }));
}

async function publishAll(p: Pipeline, list: readonly Order[]): Promise<Sent[]> {
  const sent: Sent[] = [];
  await pool(list, PUBLISH_WINDOW, async (order) => {
    sent.push({ id: order.orderId, sentAt: performance.now() });
    await publishOrder(p, order);
  });
  return sent;
}

/** Seconds from publish to completion: p50, p99 and the slowest. */
export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function latencyOf(times: CompletionTimes, sent: readonly Sent[]): Latency {
  const seconds = sent.map((s) => (times.timeOf(s.id) - s.sentAt) / 1000);
  return {
    p50: round(percentile(seconds, 50), 2),
    p99: round(percentile(seconds, 99), 2),
    max: round(Math.max(...seconds), 2),
  };
}

/** The share of `sent` completed by `at` (performance.now(), ms). */
function shareDoneBy(times: CompletionTimes, sent: readonly Sent[], at: number): number {
  return round(sent.filter((s) => times.timeOf(s.id) <= at).length / sent.length, 3);
}

/**
 * A bridge process on `module` holding up to `maxInFlight` per stage, once it consumes, and the
 * line in which it said what it applies.
 */
export async function startBridge(
  p: Pipeline,
  module: string,
  maxInFlight: number,
): Promise<{ child: ChildProcess; applies: string }> {
  const child = spawnBridgeProcess(p, {
    ...PRODUCTION_BRIDGE_ENV,
    ORDERFLOW_FUNCTIONS: module,
    ORDERFLOW_MAX_IN_FLIGHT: String(maxInFlight),
  });
  let output = '';
  const onData = (chunk: Buffer): void => void (output += chunk.toString());
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const deadline = performance.now() + 60_000;
  while (!output.includes('bridge consuming')) {
    if (child.exitCode !== null || performance.now() > deadline)
      throw new Error(`the bridge did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, WAIT_POLL_MS));
  }
  child.stdout?.off('data', onData);
  child.stderr?.off('data', onData);
  const line = output.split('\n').find((l) => l.includes('priority and fairness')) ?? '';
  return { child, applies: /priority and fairness: [^"]*/.exec(line)?.[0] ?? line };
}

export interface BurstResult {
  /** What the bridge said it applies. */
  readonly applies: string;
  readonly a: Latency;
  readonly b: Latency;
  /** The share of A's orders completed when B's last one completed. */
  readonly aDoneAtLastB: number;
  readonly seconds: number;
}

/** How a few orders published behind many fared against them: both latencies, and how many of the many were done first. */
interface Behind {
  readonly many: Latency;
  readonly few: Latency;
  /** The share of the many completed when the last of the few completed. */
  readonly manyDoneAtLastFew: number;
}

/** Publishes `many`, then `few` once all of `many` is published; resolves once every order completed. */
async function fewBehindMany(p: Pipeline, times: CompletionTimes, many: Order[], few: Order[]): Promise<Behind> {
  const manySent = await publishAll(p, many);
  const fewSent = await publishAll(p, few);
  await times.whenAll(
    [...manySent, ...fewSent].map((s) => s.id),
    900_000,
  );
  const lastFew = Math.max(...fewSent.map((s) => times.timeOf(s.id)));
  return {
    many: latencyOf(times, manySent),
    few: latencyOf(times, fewSent),
    manyDoneAtLastFew: shareDoneBy(times, manySent, lastFew),
  };
}

/** Customer A's burst, then customer B's orders, once A's are all published; done when all completed. */
export async function burstPhase(
  p: Pipeline,
  times: CompletionTimes,
  label: string,
  sizes: { readonly a: number; readonly b: number },
): Promise<Omit<BurstResult, 'applies'>> {
  const started = performance.now();
  const a = customerOrders(`nn-${label}-a-`, 'customer-a', sizes.a);
  const r = await fewBehindMany(p, times, a, customerOrders(`nn-${label}-b-`, 'customer-b', sizes.b));
  return {
    a: r.many,
    b: r.few,
    aDoneAtLastB: r.manyDoneAtLastFew,
    seconds: round((performance.now() - started) / 1000, 1),
  };
}

export interface ExpressResult {
  readonly backlog: Latency;
  readonly express: Latency;
  /** The share of the backlog completed when the last express order completed. */
  readonly backlogDoneAtLastExpress: number;
}

/** A backlog of one customer's standard orders, then express orders of the same customer. */
export async function expressPhase(
  p: Pipeline,
  times: CompletionTimes,
  sizes: { readonly backlog: number; readonly express: number },
): Promise<ExpressResult> {
  const backlog = customerOrders('nn-backlog-', 'customer-c', sizes.backlog);
  const r = await fewBehindMany(p, times, backlog, customerOrders('nn-express-', 'customer-c', sizes.express, true));
  return { backlog: r.many, express: r.few, backlogDoneAtLastExpress: r.manyDoneAtLastFew };
}

export async function stopBridge(child: ChildProcess): Promise<void> {
  await killProcess(child, 'SIGTERM');
}
