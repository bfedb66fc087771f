/**
 * Latency at half load, the bridge against Temporal-direct in ONE paced stream: orders alternate
 * between the two ways (even: a client starts the workflow, odd: published for the bridge) on a
 * fixed schedule at the combined rate, so a load spike on this shared machine reaches both alike
 * and the difference of their percentiles is the bridge's own. An order's latency runs from its
 * arrival (the start call, or JetStream's timestamp of the publish) to its workflow's close as
 * Temporal recorded it: the result's way back, which both wait for, counts in neither.
 */
import type { Bridge } from '../../bridge/consumer/bridge';
import { STREAM, workflowIdFor } from '../../workflows/names';
import type { Pipeline } from '../harness/pipeline';
import { publishOrder, waitForAcks } from './bridge-slices';
import { runDirect, sliceOrders } from './direct';
import { pool, until } from './stats';

export interface Latencies {
  /** Milliseconds per order. */
  readonly direct: number[];
  readonly bridge: number[];
}

async function closeTime(p: Pipeline, orderId: string): Promise<number> {
  const run = await p.client.workflow.getHandle(workflowIdFor('process', orderId)).describe();
  return run.closeTime!.getTime();
}

/** `each` orders each way, `ratePerS` orders per second in all. */
export async function pairedLatency(
  p: Pipeline,
  bridge: Bridge,
  each: number,
  options: { ratePerS: number; taskQueue: string },
): Promise<Latencies> {
  const list = sliceOrders('p', 2 * each);
  const arrived: number[] = [];
  const acked = waitForAcks(() => bridge.counters.acked, each);
  const started = performance.now();
  await pool(list, list.length, async (order, i) => {
    await until(started + (i * 1000) / options.ratePerS);
    if (i % 2 === 0) {
      arrived[i] = Date.now();
      await runDirect(p, order, i, options.taskQueue);
    } else {
      const seq = await publishOrder(p, order);
      arrived[i] = (await p.jsm.streams.getMessage(STREAM, { seq }))!.time.getTime();
    }
  });
  await acked;
  const result: Latencies = { direct: [], bridge: [] };
  for (const [i, order] of list.entries()) {
    (i % 2 === 0 ? result.direct : result.bridge).push((await closeTime(p, order.orderId)) - arrived[i]!);
  }
  return result;
}
