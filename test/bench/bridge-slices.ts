/**
 * The bridge's side of the comparison: orders published to `ORDERS.received` (all at once, or on
 * a fixed schedule) and done once the bridge acked them all. A paced slice also keeps each
 * order's latency: from its arrival in the stream to its workflow's close, as Temporal and
 * JetStream recorded them.
 */
import type { Bridge } from '../../bridge/consumer/bridge';
import type { Order } from '../../bridge/orders/schema';
import { STAGES, STREAM, workflowIdFor } from '../../workflows/names';
import type { Pipeline } from '../harness/pipeline';
import type { SliceResult } from './direct';
import { sliceOrders } from './direct';
import { pool, until } from './stats';

/** How often the bench looks at the bridge's ack counter: well under 1% of a slice. */
const POLL_MS = 5;

function publishOrder(p: Pipeline, order: Order): Promise<number> {
  return p.js
    .publish(STAGES.process.inputSubject, JSON.stringify(order), { msgID: order.orderId })
    .then((ack) => ack.seq);
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

export async function bridgeSlice(
  p: Pipeline,
  bridge: Bridge,
  count: number,
  options: { ratePerS?: number } = {},
): Promise<SliceResult> {
  const list = sliceOrders('b', count);
  const seqs: number[] = [];
  const acked = (): number => bridge.counters.acked;
  const done = waitForAcks(acked, count);
  const started = performance.now();
  if (options.ratePerS) {
    const rate = options.ratePerS;
    await pool(list, count, async (order, i) => {
      await until(started + (i * 1000) / rate);
      seqs[i] = await publishOrder(p, order);
    });
  } else {
    await pool(list, 256, async (order, i) => void (seqs[i] = await publishOrder(p, order)));
  }
  await done;
  const seconds = (performance.now() - started) / 1000;
  const latencies: number[] = [];
  if (options.ratePerS) {
    for (const [i, order] of list.entries()) {
      const run = await p.client.workflow.getHandle(workflowIdFor('process', order.orderId)).describe();
      const stored = await p.jsm.streams.getMessage(STREAM, { seq: seqs[i]! });
      latencies.push(run.closeTime!.getTime() - stored!.time.getTime());
    }
  }
  return { orders: count, seconds, latencies };
}
