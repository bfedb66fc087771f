/**
 * One message through the delivery contract: decode, find or start the order's run for the stage,
 * wait for it while watching that it can still finish, and reach an Outcome. Never acks by
 * itself: the caller maps the outcome to ack / nak / term in one place (decision.ts). Keeping the
 * message alive while it runs is the caller's too (one shared ticker, not a timer per message).
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';

import { STREAM, workflowIdFor } from '../../workflows/names';
import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import { inMessageSpan, noteOrder } from '../../shared/observability/trace-context';
import { orderRevision } from '../../shared/orders/revision';
import type { Pulse } from './pulse';
import { childSignal } from '../../shared/waits';
import type { Stage } from '../../workflows/names';
import type { StageInput } from '../../workflows/types';
import { REDRIVEN_FROM_HEADER, carriedHeaders } from '../../shared/orders/headers';
import type { Outcome, ParkKind } from '../decision/decision';
import { decodeStageMessage } from '../../shared/orders/decode';
import type { IntakeGate } from '../gates/intake-gate';
import type { Call, RunContext } from './stage-run';
import { failedRunsOf, resolveRun } from './stage-run';

export interface StuckPolicy {
  /** How often a run that has not finished is checked for a failing workflow task, in ms. */
  readonly checkEveryMs: number;
  /** A run whose workflow task keeps failing this long is parked as a dead letter of kind `stuck`, in ms. */
  readonly afterMs: number;
}

export interface HandlerContext {
  readonly stage: Stage;
  readonly client: Client;
  readonly taskQueue: string;
  /** Whether a run started is given orderflow's search attributes (registered on the namespace). Default: false. */
  readonly searchAttributes?: boolean;
  /** The stage's intake gate: closed while the system (not the order) is at fault. */
  readonly gate: IntakeGate;
  /** Reports a failed Temporal call; true when it was a system fault (the gate is then closed). */
  readonly reportFault: (err: unknown) => boolean;
  readonly stuck: StuckPolicy;
  /** The stage's shared clock for the stuck checks (beats every `stuck.checkEveryMs`). */
  readonly pulse: Pulse;
  /** Aborted when the bridge gives up waiting at shutdown. */
  readonly abort: AbortSignal;
  readonly logger: Logger;
  /** Called with the seconds a workflow start (or attach) took. */
  readonly onStarted?: (seconds: number) => void;
  /** Called when a run's workflow task is seen failing (true) and when that ends (false). */
  readonly onStuckChange?: (stuck: boolean) => void;
}

class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

/** Why a run's watches end once it is settled: made once, for every order. */
const RUN_SETTLED = new Error('the run is settled');

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

/** The kind an operator's action gives a run's failure, or undefined when the order failed on its own. */
function operatorKindOf(err: WorkflowFailedError): ParkKind | undefined {
  if (err.cause instanceof TerminatedFailure) return 'terminated';
  if (err.cause instanceof CancelledFailure) return 'cancelled';
  if (err.cause instanceof TimeoutFailure) return 'timed-out';
  return undefined;
}

/**
 * Resolves with a `stuck` outcome once the run's workflow task has kept failing (a bug, a
 * non-determinism after a code change) for the policy's bound while workers poll; never resolves
 * otherwise. A run waiting for a worker that does not exist is the system's fault: not stuck.
 */
async function watchStuck(
  ctx: HandlerContext,
  call: Call,
  workflowId: string,
  runId: string,
  done: AbortSignal,
  log: Logger,
): Promise<Outcome> {
  let failingSince: number | undefined;
  let lastCheck = Date.now();
  try {
    while (!done.aborted) {
      // The stage's shared beat, not a timer per message; a run younger than a check period is never described.
      await ctx.pulse.atLeast(ctx.stuck.checkEveryMs, lastCheck, done);
      lastCheck = Date.now();
      if (done.aborted) break;
      const run = await call(() => ctx.client.workflow.getHandle(workflowId, runId).describe()).catch(() => undefined);
      const attempt = run?.raw.pendingWorkflowTask?.attempt ?? 0;
      if (attempt >= 2 && ctx.gate.isOpen) {
        if (failingSince === undefined) {
          failingSince = Date.now();
          ctx.onStuckChange?.(true);
          log.warn('workflow task keeps failing; the run cannot progress', { runId, attempt });
        }
        if (Date.now() - failingSince >= ctx.stuck.afterMs) {
          return {
            type: 'parked',
            kind: 'stuck',
            workflowId,
            reason: `run ${runId}: its workflow task failed ${attempt - 1} times over ${Math.round((Date.now() - failingSince) / 1000)} s (a bug or a non-determinism in the workflow code); fix the workers, then redrive`,
          };
        }
      } else if (failingSince !== undefined && attempt < 2) {
        failingSince = undefined;
        ctx.onStuckChange?.(false);
      }
    }
  } finally {
    // Parked, completed or interrupted: either way this run no longer counts as stuck here.
    if (failingSince !== undefined) ctx.onStuckChange?.(false);
  }
  // The run ended another way, and the race this watch is in is already decided.
  return new Promise<never>(() => undefined);
}

async function awaitRun(
  ctx: HandlerContext,
  scope: AbortSignal,
  run: RunContext,
  workflowId: string,
  runId: string,
  input: StageInput,
  log: Logger,
): Promise<Outcome> {
  // Ends the stuck watch when the result comes, and the result's long poll when the run is parked.
  const done = childSignal(scope);
  // Raced with the message's abort too (run.call), so no call that ignores cancellation holds it.
  const result = run
    .call(() =>
      ctx.client.withAbortSignal(done.signal, () => ctx.client.workflow.getHandle(workflowId, runId).result()),
    )
    .then((): Outcome => ({ type: 'completed', workflowId, runId }));
  try {
    return await Promise.race([result, watchStuck(ctx, run.call, workflowId, runId, done.signal, log)]);
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const operatorKind = operatorKindOf(err);
    if (operatorKind) {
      return {
        type: 'parked',
        kind: operatorKind,
        workflowId,
        reason: `run ${runId} was ${operatorKind}: ${failureReason(err)}; redrive the dead letter to run the order again`,
      };
    }
    const failures = await failedRunsOf(run, workflowId, input.source.streamSeq, runId);
    return { type: 'failed', workflowId, runId, failures, reason: failureReason(err) };
  } finally {
    done.abort(RUN_SETTLED);
    done.dispose();
    result.catch(() => undefined);
  }
}

/** Handles one message inside the bridge's span for it (a child of the trace the message carries). */
export function handleMessage(msg: JsMsg, ctx: HandlerContext): Promise<Outcome> {
  return inMessageSpan(
    msg.headers,
    ctx.stage.name,
    () => ({
      'messaging.system': 'nats',
      'messaging.destination.name': msg.subject,
      'orderflow.stream_seq': msg.seq,
      'orderflow.delivery_count': msg.info.deliveryCount,
    }),
    () => handleOne(msg, ctx),
    (outcome) => outcome.type,
  );
}

async function handleOne(msg: JsMsg, ctx: HandlerContext): Promise<Outcome> {
  const decoded = decodeStageMessage(ctx.stage.name, msg.data);
  if (!decoded.ok) return { type: 'poison', reason: decoded.reason };
  const { order } = decoded.payload;
  const workflowId = workflowIdFor(ctx.stage.name, order.orderId);
  const log = ctx.logger.child({ orderId: order.orderId, workflowId });
  noteOrder(order.orderId, workflowId);
  // Bounded before they reach the workflow input and, from there, the next stage's message.
  const carried = carriedHeaders(msg);
  if (carried.dropped.some((d) => d.reason !== 'nats' && d.reason !== 'orderflow')) {
    log.warn('headers not carried to the next stage', { dropped: carried.dropped });
  }
  const input: StageInput = {
    ...decoded.payload,
    revision: orderRevision(order),
    source: {
      stream: STREAM,
      subject: msg.subject,
      streamSeq: msg.seq,
      deliveryCount: msg.info.deliveryCount,
      headers: carried.headers,
    },
  };
  const redriven = msg.headers?.has(REDRIVEN_FROM_HEADER) ?? false;

  // One signal per message: the Temporal client leaves a listener on every signal it is given,
  // so the bridge's own lives only as long as the message.
  const scope = childSignal(ctx.abort);
  const { promise: aborted, dispose } = untilAborted(scope.signal);
  // Calls are cancelled with the abort, so none is left running against a closed connection;
  // each gets a signal of its own, so a long-watched run gathers no listeners.
  const call: Call = (fn) => {
    const one = childSignal(scope.signal);
    return Promise.race([ctx.client.withAbortSignal(one.signal, fn), aborted]).finally(() => one.dispose());
  };
  const run: RunContext = {
    stage: ctx.stage,
    client: ctx.client,
    taskQueue: ctx.taskQueue,
    call,
    ...(ctx.searchAttributes ? { searchAttributes: true } : {}),
  };
  try {
    for (;;) {
      await ctx.gate.whenOpen(scope.signal);
      if (scope.signal.aborted) return { type: 'interrupted', workflowId };
      try {
        const startedAt = performance.now();
        const verdict = await resolveRun(run, workflowId, input, redriven);
        ctx.onStarted?.((performance.now() - startedAt) / 1000);
        if (verdict.type !== 'await') return verdict;
        log.debug('waiting for the run', { runId: verdict.runId });
        return await awaitRun(ctx, scope.signal, run, workflowId, verdict.runId, input, log);
      } catch (err) {
        if (err instanceof Interrupted || scope.signal.aborted) return { type: 'interrupted', workflowId };
        // The system's fault (Temporal away, throttling, refusing): wait for the gate, uncharged.
        if (ctx.reportFault(err)) continue;
        return { type: 'retry-later', workflowId, reason: messageOf(err) };
      }
    }
  } finally {
    dispose();
    scope.dispose();
  }
}
