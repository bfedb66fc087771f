/**
 * Waiting for the order's run once it is found or started: its result, raced with a watch for a
 * workflow task that keeps failing (the run then cannot progress and is parked as `stuck`), and
 * what a failed run means: the order's own failure (counted) or an operator's decision.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';

import type { Logger } from '../../shared/log';
import { childSignal } from '../../shared/waits';
import { FAILURE_TYPES } from '../../workflows/names';
import type { StageInput } from '../../workflows/types';
import type { Outcome, ParkKind } from '../decision/decision';
import type { IntakeGate } from '../gates/intake-gate';
import type { RunCompletions } from './run-completions';
import type { RunContext } from './stage-run';
import type { StuckWatch } from './stuck-watch';
import { failedRunsOf } from './stage-run';

/** What waiting for a run needs of the stage. */
export interface RunWaitContext {
  readonly client: Client;
  /** The stage's intake gate: closed while the system (not the order) is at fault; a run is not stuck then. */
  readonly gate: IntakeGate;
  /** How the stage learns that a run closed: a long poll or the sweep. */
  readonly completions: RunCompletions;
  /** The stage's watch for runs whose workflow task keeps failing. */
  readonly stuckWatch: StuckWatch;
}

/** The order of one message, decoded: what each attempt at it needs. */
export interface OrderAtHand {
  readonly workflowId: string;
  readonly input: StageInput;
  /** Whether an operator redrove the message (it may start a run an operator stopped). */
  readonly redriven: boolean;
  /** The message's way to Temporal, its calls ended with `scope`. */
  readonly run: RunContext;
  /** Aborted when the bridge gives up on the message (shutdown). */
  readonly scope: AbortSignal;
  /** The message's logger, with its order and workflow on every line. */
  readonly log: Logger;
}

/** Why a run's watches end once it is settled: made once, for every order. */
const RUN_SETTLED = new Error('the run is settled');

function failureReason(err: WorkflowFailedError): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error && parts.length < 4; e = e.cause) parts.push(e.message);
  return parts.join(': ');
}

/** Whether a function rejected the order (the stage workflow's OrderflowFunctionRejected): final. */
function isRejection(err: WorkflowFailedError): boolean {
  return err.cause instanceof ApplicationFailure && err.cause.type === FAILURE_TYPES.functionRejected;
}

/** The kind an operator's action gives a run's failure, or undefined when the order failed on its own. */
function operatorKindOf(err: WorkflowFailedError): ParkKind | undefined {
  if (err.cause instanceof TerminatedFailure) return 'terminated';
  if (err.cause instanceof CancelledFailure) return 'cancelled';
  if (err.cause instanceof TimeoutFailure) return 'timed-out';
  return undefined;
}

/** Waits for run `runId` of the order: its result, raced with the stuck watch. */
export async function awaitRun(ctx: RunWaitContext, at: OrderAtHand, runId: string): Promise<Outcome> {
  const { run, workflowId } = at;
  // Ends the stuck watch when the result comes, and the result's long poll when the run is parked.
  const done = childSignal(at.scope);
  // A long poll, or beyond the stage's long polls the sweep, tells when the run closed; a completed
  // run needs no more, any other end is read from its result (the failure, or the operator's action).
  const longPoll = ctx.completions.tryLongPoll();
  const completed = longPoll
    ? run.call(() => ctx.completions.longPollClose(workflowId, runId, done.signal))
    : ctx.completions.whenClosed(workflowId, runId, Date.now(), done.signal);
  // Raced with the message's abort too (run.call), so no call that ignores cancellation holds it.
  const result = completed
    .then(async (known) => {
      if (known) return;
      await run.call(() =>
        ctx.client.withAbortSignal(done.signal, () => ctx.client.workflow.getHandle(workflowId, runId).result()),
      );
    })
    .then((): Outcome => ({ type: 'completed', workflowId, runId }));
  try {
    return await Promise.race([result, ctx.stuckWatch.watch(workflowId, runId, run.call, at.log, done.signal)]);
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
    const failures = await failedRunsOf(run, workflowId, at.input.source.streamSeq, runId);
    const rejected = isRejection(err);
    return {
      type: 'failed',
      workflowId,
      runId,
      failures,
      reason: failureReason(err),
      ...(rejected ? { rejected } : {}),
    };
  } finally {
    done.abort(RUN_SETTLED);
    done.dispose();
    result.catch(() => undefined);
    if (longPoll) ctx.completions.releaseLongPoll();
  }
}
