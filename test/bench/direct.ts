/**
 * Temporal-direct, the ceiling the bridge is measured against: a client starts the NEW stage's
 * workflows as the bridge would (same workflow, task queue, input, memo, search attributes and
 * concurrency) and waits for each result. No NATS on the way in; the workflow still publishes its
 * output. The bench's Temporal has the search attributes registered, so the bridge sets them.
 */
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';

import { demoOrders } from '../../shared/orders/demo';
import type { Order } from '../../shared/orders/schema';
import { orderRevision } from '../../shared/orders/revision';
import { STAGES, STREAM, workflowIdFor } from '../../workflows/names';
import type { StageInput } from '../../workflows/types';
import { runAttributesFor } from '../../shared/temporal/run-attributes';
import { runMemoFor } from '../../shared/temporal/run-memo';
import type { Pipeline } from '../harness/pipeline';
import { pool } from './stats';

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
}

/** Starts the order's NEW-stage workflow as the bridge would, and waits for its result. */
export async function runDirect(p: Pipeline, order: Order, index: number, taskQueue: string): Promise<void> {
  const input = stageInput(order, index);
  const handle = await p.client.workflow.start(STAGES.process.workflowType, {
    taskQueue,
    workflowId: workflowIdFor('process', order.orderId),
    args: [input],
    memo: runMemoFor(input),
    typedSearchAttributes: runAttributesFor(input),
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
  });
  await handle.result();
}

/** `count` orders, `concurrency` at a time. */
export async function directSlice(
  p: Pipeline,
  count: number,
  options: { concurrency: number; taskQueue: string },
): Promise<SliceResult> {
  const list = sliceOrders('d', count);
  const started = performance.now();
  await pool(list, options.concurrency, (order, index) => runDirect(p, order, index, options.taskQueue));
  return { orders: count, seconds: (performance.now() - started) / 1000 };
}
