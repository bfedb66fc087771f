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
 * (an open loop, so a slow order does not delay the next) and its start-to-result time kept.
 */
export async function directSlice(
  p: Pipeline,
  count: number,
  options: { concurrency: number; taskQueue: string; ratePerS?: number },
): Promise<SliceResult> {
  const list = sliceOrders('d', count);
  const latencies: number[] = [];
  const started = performance.now();
  await pool(list, options.ratePerS ? count : options.concurrency, async (order, index) => {
    if (options.ratePerS) await until(started + (index * 1000) / options.ratePerS);
    const t0 = performance.now();
    const handle = await p.client.workflow.start(STAGES.process.workflowType, {
      taskQueue: options.taskQueue,
      workflowId: workflowIdFor('process', order.orderId),
      args: [stageInput(order, index)],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
    });
    await handle.result();
    if (options.ratePerS) latencies.push(performance.now() - t0);
  });
  return { orders: count, seconds: (performance.now() - started) / 1000, latencies };
}
