/**
 * Temporal-direct, the ceiling the bridge is measured against: a client starts the NEW stage's
 * workflows as the bridge would (same workflow, task queue, input and concurrency) and waits for
 * each result. No NATS on the way in; the workflow still publishes its output.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';

import { demoOrders } from '../../bridge/orders/demo';
import type { Order } from '../../bridge/orders/schema';
import { orderRevision } from '../../bridge/orders/revision';
import { STAGES, STREAM, workflowIdFor } from '../../workflows/names';
import type { StageInput } from '../../workflows/types';
import type { Pipeline } from '../harness/pipeline';
import { pool, until } from './stats';

let sliceId = 0;

/** Order IDs unique within the bench run: `<kind><n>-<i>`. */
export function sliceOrders(kind: string, count: number): Order[] {
  return demoOrders(count, { prefix: `${kind}${Date.now().toString(36)}${++sliceId}-`, seed: 7 });
}

function stageInput(order: Order, index: number): StageInput {
  return {
    order,
    revision: orderRevision(order),
    upstream: {},
    source: { stream: STREAM, subject: STAGES.process.inputSubject, streamSeq: index, deliveryCount: 1, headers: {} },
  };
}

export interface SliceResult {
  readonly orders: number;
  readonly seconds: number;
  /** Milliseconds per order; only for a paced slice. */
  readonly latencies: number[];
}

/**
 * `count` orders, `concurrency` at a time; with `ratePerS`, each started on a fixed schedule
 * (an open loop, so a slow order does not delay the next) and its latency kept: from the start
 * call to the workflow's close as Temporal recorded it, read after the slice. The bridge's is
 * taken to the same event (bridge-slices.ts), so the result's way back to the caller, which
 * both wait for, counts in neither.
 */
export async function directSlice(
  p: Pipeline,
  count: number,
  options: { concurrency: number; taskQueue: string; ratePerS?: number },
): Promise<SliceResult> {
  const list = sliceOrders('d', count);
  const startCalls: number[] = [];
  const started = performance.now();
  await pool(list, options.ratePerS ? count : options.concurrency, async (order, index) => {
    if (options.ratePerS) await until(started + (index * 1000) / options.ratePerS);
    startCalls[index] = Date.now();
    const handle = await p.client.workflow.start(STAGES.process.workflowType, {
      taskQueue: options.taskQueue,
      workflowId: workflowIdFor('process', order.orderId),
      args: [stageInput(order, index)],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
    await handle.result();
  });
  const seconds = (performance.now() - started) / 1000;
  const latencies: number[] = [];
  if (options.ratePerS) {
    for (const [i, order] of list.entries()) {
      const run = await p.client.workflow.getHandle(workflowIdFor('process', order.orderId)).describe();
      latencies.push(run.closeTime!.getTime() - startCalls[i]!);
    }
  }
  return { orders: count, seconds, latencies };
}
