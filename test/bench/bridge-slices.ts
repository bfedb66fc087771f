/**
 * The bridge's side of the comparison: orders published to `ORDERS.received` all at once, done
 * once the bridge acked them all.
 */
import type { Bridge } from '../../bridge/bridge';
import type { Order } from '../../shared/orders/schema';
import { STAGES, STREAM } from '../../workflows/names';
import type { Pipeline } from '../harness/pipeline';
import type { SliceResult } from './direct';
import { sliceOrders } from './direct';
import { pool } from './stats';

/** How often the bench looks at the bridge's ack counter: well under 1% of a slice. */
const POLL_MS = 5;
/** How often the bench asks JetStream about a consumer while it waits for it to be idle. */
const CONSUMER_POLL_MS = 50;

/** Publishes the order as a producer would; resolves with its stream sequence. */
export function publishOrder(p: Pipeline, order: Order): Promise<number> {
  return p.js.publish(STAGES.process.inputSubject, JSON.stringify(order), { msgID: order.orderId }).then((ack) => {
    // Every order ID of a bench run is new: a duplicate would be an order counted and never run.
    if (ack.duplicate) throw new Error(`order ${order.orderId}: JetStream took its publish as a duplicate`);
    return ack.seq;
  });
}

/** Resolves once `consumer` has nothing pending and nothing in flight, or rejects after `timeoutMs`. */
export async function waitForConsumerIdle(p: Pipeline, consumer: string, timeoutMs = 600_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const info = await p.jsm.consumers.info(STREAM, consumer);
    if (info.num_pending === 0 && info.num_ack_pending === 0) return;
    if (performance.now() > deadline) {
      throw new Error(`consumer ${consumer}: ${info.num_pending} pending, ${info.num_ack_pending} in flight`);
    }
    await new Promise((r) => setTimeout(r, CONSUMER_POLL_MS));
  }
}

/** Resolves when `acked()` has grown by `count`, or rejects after `timeoutMs`. */
export async function waitForAcks(acked: () => number, count: number, timeoutMs = 600_000): Promise<void> {
  const target = acked() + count;
  const deadline = performance.now() + timeoutMs;
  while (acked() < target) {
    if (performance.now() > deadline) throw new Error(`the bridge acked ${count - (target - acked())} of ${count}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** `count` orders published at once; done when the bridge acked them all. */
export async function bridgeSlice(p: Pipeline, bridge: Bridge, count: number): Promise<SliceResult> {
  const list = sliceOrders('b', count);
  const done = waitForAcks(() => bridge.counters.acked, count);
  const started = performance.now();
  await pool(list, 256, async (order) => void (await publishOrder(p, order)));
  await done;
  return { orders: count, seconds: (performance.now() - started) / 1000 };
}
