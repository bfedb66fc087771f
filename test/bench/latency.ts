/**
 * Latency at half load, the bridge against Temporal-direct in ONE paced stream: orders alternate
 * between the two ways (even: a client starts the workflow, odd: published for the bridge) on a
 * fixed schedule at the combined rate, so a load spike on this shared machine reaches both alike
 * and the difference of their percentiles is the bridge's own. An order's latency runs from its
 * arrival (the start call, or JetStream's timestamp of the publish) to its workflow's start as
 * Temporal recorded it: all the bridge puts in an order's way (the pull, the start call). The run
 * itself is the same work either way, and its own spread (the worker's, on a shared machine)
 * would bury the few milliseconds measured; the bridge's wait for the result and its ack come
 * after the run has published its output, so they delay no order. The bridge is an `orderflow
 * bridge` process, as deployed: in the bench's process it would share an event loop with the
 * paced publisher and the direct client, and a stall of that loop counts against the bridge's
 * orders (their arrival is the server's timestamp) but not against direct's (theirs is taken in
 * that loop, after the stall).
 */
import { STAGES, STREAM, workflowIdFor } from '../../workflows/names';
import type { Pipeline } from '../harness/pipeline';
import { publishOrder, waitForConsumerIdle } from './bridge-slices';
import { runDirect, sliceOrders } from './direct';
import { pool, until } from './stats';

export interface Latencies {
  /** Milliseconds per order. */
  readonly direct: number[];
  readonly bridge: number[];
}

async function startTime(p: Pipeline, orderId: string): Promise<number> {
  const run = await p.client.workflow.getHandle(workflowIdFor('process', orderId)).describe();
  return run.startTime.getTime();
}

/** `each` orders each way, `ratePerS` orders per second in all. */
export async function pairedLatency(
  p: Pipeline,
  each: number,
  options: { ratePerS: number; taskQueue: string },
): Promise<Latencies> {
  const list = sliceOrders('p', 2 * each);
  const arrived: number[] = [];
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
  await waitForConsumerIdle(p, STAGES.process.consumer);
  const result: Latencies = { direct: [], bridge: [] };
  for (const [i, order] of list.entries()) {
    (i % 2 === 0 ? result.direct : result.bridge).push((await startTime(p, order.orderId)) - arrived[i]!);
  }
  return result;
}
