/**
 * One message through the delivery contract: decode, start or attach to the stage's workflow,
 * keep the message alive while it runs, and reach an Outcome. Never acks by itself: the caller
 * maps the outcome to ack / nak / term in one place (decision.ts).
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';

import { STREAM } from '../config/topology';
import type { Logger } from '../log';
import { orderRevision } from '../orders/revision';
import type { Stage } from '../../workflows/stages';
import { workflowIdFor } from '../../workflows/stages';
import type { StageInput, StageResult } from '../../workflows/types';
import { headersOf } from './dead-letters';
import type { Outcome } from './decision';
import { decodeStageMessage } from './decode';
import type { TemporalGate } from './temporal-gate';
import { isTemporalUnavailable } from './temporal-gate';

export interface HandlerContext {
  readonly stage: Stage;
  readonly client: Client;
  readonly taskQueue: string;
  readonly gate: TemporalGate;
  /** How often to tell JetStream the message is still being worked on, in milliseconds. */
  readonly workingIntervalMs: number;
  /** Aborted when the bridge gives up waiting at shutdown. */
  readonly abort: AbortSignal;
  readonly logger: Logger;
  /** Called with the seconds a workflow start (or attach) took. */
  readonly onStarted?: (seconds: number) => void;
}

class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

/** A promise that rejects when `signal` aborts, and a way to drop its listener once done. */
function untilAborted(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let onAbort = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Interrupted());
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  // The signal outlives every message: without this, each message would leave a listener behind.
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

function failureReason(err: WorkflowFailedError): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 4; e = e.cause) parts.push(e.message);
  return parts.join(': ');
}

/** Starts the stage's workflow, or attaches to the one already running; returns its run ID. */
async function startOrAttach(ctx: HandlerContext, workflowId: string, input: StageInput): Promise<string | undefined> {
  try {
    const handle = await ctx.client.workflow.start(ctx.stage.workflowType, {
      taskQueue: ctx.taskQueue,
      workflowId,
      args: [input],
      // A running execution is joined; a completed one refuses a new start; a failed one may run anew.
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      memo: {
        stream: STREAM,
        subject: input.source.subject,
        streamSeq: input.source.streamSeq,
        deliveryCount: input.source.deliveryCount,
      },
    });
    return handle.firstExecutionRunId;
  } catch (err) {
    // Refused because the order's workflow already completed: its result is what we wait for.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
    throw err;
  }
}

export async function handleMessage(msg: JsMsg, ctx: HandlerContext): Promise<Outcome> {
  const decoded = decodeStageMessage(ctx.stage.name, msg.data);
  if (!decoded.ok) return { type: 'poison', reason: decoded.reason };
  const { order } = decoded.payload;
  const workflowId = workflowIdFor(ctx.stage.name, order.orderId);
  const log = ctx.logger.child({ orderId: order.orderId, workflowId });
  const input: StageInput = {
    ...decoded.payload,
    revision: orderRevision(order),
    source: {
      stream: STREAM,
      subject: msg.subject,
      streamSeq: msg.seq,
      deliveryCount: msg.info.deliveryCount,
      headers: headersOf(msg),
    },
  };

  const keepAlive = setInterval(() => msg.working(), ctx.workingIntervalMs);
  const { promise: aborted, dispose } = untilAborted(ctx.abort);
  // Calls are cancelled with the abort, so none is left running against a closed connection.
  const call = <T>(fn: () => Promise<T>): Promise<T> =>
    Promise.race([ctx.client.withAbortSignal(ctx.abort, fn), aborted]);
  try {
    for (;;) {
      try {
        await Promise.race([ctx.gate.whenOpen(), aborted]);
        const startedAt = performance.now();
        const runId = await call(() => startOrAttach(ctx, workflowId, input));
        ctx.onStarted?.((performance.now() - startedAt) / 1000);
        log.debug('workflow started or attached', { runId });
        await call(() =>
          ctx.client.workflow.getHandle<(i: StageInput) => Promise<StageResult>>(workflowId, runId).result(),
        );
        return { type: 'completed', workflowId, ...(runId ? { runId } : {}) };
      } catch (err) {
        if (err instanceof Interrupted || ctx.abort.aborted) return { type: 'interrupted', workflowId };
        if (err instanceof WorkflowFailedError) return { type: 'failed', workflowId, reason: failureReason(err) };
        if (isTemporalUnavailable(err)) {
          ctx.gate.close(err);
          continue;
        }
        return { type: 'failed', workflowId, reason: err instanceof Error ? err.message : String(err) };
      }
    }
  } finally {
    clearInterval(keepAlive);
    dispose();
  }
}
