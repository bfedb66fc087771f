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
import type { CallBudget } from './call-budget';
import type { Pulse } from './pulse';
import type { RunCompletions } from './run-completions';
import type { Call, RunContext } from './stage-run';
import { failedRunsOf } from './stage-run';

export interface StuckPolicy {
  /** How often a run that has not finished is checked for a failing workflow task, in ms. */
  readonly checkEveryMs: number;
  /** A run whose workflow task keeps failing this long is parked as a dead letter of kind `stuck`, in ms. */
  readonly afterMs: number;
}

/** What waiting for a run needs of the stage. */
export interface RunWaitContext {
  readonly client: Client;
  /** The stage's intake gate: closed while the system (not the order) is at fault; a run is not stuck then. */
  readonly gate: IntakeGate;
  readonly stuck: StuckPolicy;
  /** The stage's shared clock for the stuck checks (beats every `stuck.checkEveryMs`). */
  readonly pulse: Pulse;
  /** The stage's rate for the stuck checks' describes, shared by every run held. */
  readonly describes: CallBudget;
  /** How the stage learns that a run closed: a long poll or the sweep. */
  readonly completions: RunCompletions;
  /** Called when a run's workflow task is seen failing (true) and when that ends (false). */
  readonly onStuckChange?: (stuck: boolean) => void;
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

/**
 * Resolves with a `stuck` outcome once the run's workflow task has kept failing (a bug, a
 * non-determinism after a code change) for the policy's bound while workers poll; never resolves
 * otherwise. A run waiting for a worker that does not exist is the system's fault: not stuck.
 */
async function watchStuck(
  ctx: RunWaitContext,
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
      await ctx.describes.take(done);
      if (done.aborted) break;
      const run = await call(() => ctx.client.workflow.getHandle(workflowId, runId).describe()).catch(() => undefined);
      // A closed run the sweep has not reported (visibility behind): its result is read now.
      if (run && run.status.name !== 'RUNNING') ctx.completions.markClosed(runId, run.status.name === 'COMPLETED');
      const attempt = run?.raw.pendingWorkflowTask?.attempt ?? 0;
      if (attempt >= 2 && !ctx.gate.faulted) {
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
    return await Promise.race([result, watchStuck(ctx, run.call, workflowId, runId, done.signal, at.log)]);
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
