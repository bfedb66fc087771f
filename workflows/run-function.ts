/**
 * One function of a stage's plan as the workflow calls it: its activity (regular or local, on its
 * task queue, with what its retry policy has left), a wait while no worker hosts it, and its
 * failure as the stage's. Workflow code: deterministic, all I/O in the activity.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  sleep,
} from '@temporalio/workflow';

import { FAILURE_TYPES } from './names';
import type { FunctionInput, LimitedDetails, PlannedFunction, StepResult } from './types';

type FunctionActivity = (input: FunctionInput) => Promise<StepResult>;

/**
 * How long a run waits before scheduling again a function whose attempt found its limit reached
 * (after that attempt waited inside its worker): short, as a permit may come back at any time.
 */
const LIMITED_WAIT_MS = 1_000;

/** How long a run waits before asking again for a function no worker hosts: doubling up to 5 minutes. */
const NOT_HOSTED_FIRST_WAIT_MS = 5_000;
const NOT_HOSTED_MAX_WAIT_MS = 300_000;

/** The details of a `functionLimited` failure (activities/limited.ts), undefined for any other. */
function limitedDetails(err: unknown): LimitedDetails | undefined {
  if (!(err instanceof ActivityFailure) || !(err.cause instanceof ApplicationFailure)) return undefined;
  if (err.cause.type !== FAILURE_TYPES.functionLimited) return undefined;
  return err.cause.details?.[0] as LimitedDetails | undefined;
}

function failureType(err: unknown): string | undefined {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure
    ? (err.cause.type ?? undefined)
    : undefined;
}

/** The interval before retry number `retry` (1 for the first) under `fn`'s policy, in ms. */
export function retryIntervalMs(fn: PlannedFunction, retry: number): number {
  const { initialIntervalMs, backoffCoefficient, maximumIntervalMs } = fn.retry;
  return Math.min(maximumIntervalMs, initialIntervalMs * backoffCoefficient ** (retry - 1));
}

/** `fn`'s activity; after `priorAttempts` tries made elsewhere, with what its policy has left. */
function functionActivity(fn: PlannedFunction, priorAttempts = 0): FunctionActivity {
  const { maximumAttempts } = fn.retry;
  const retry = {
    initialInterval: priorAttempts > 0 ? retryIntervalMs(fn, priorAttempts + 1) : fn.retry.initialIntervalMs,
    backoffCoefficient: fn.retry.backoffCoefficient,
    maximumInterval: fn.retry.maximumIntervalMs,
    // 0 means unlimited to orderflow; Temporal wants the field left out for that.
    ...(maximumAttempts > 0 ? { maximumAttempts: maximumAttempts - priorAttempts } : {}),
    nonRetryableErrorTypes: [...fn.retry.nonRetryableErrorTypes],
  };
  if (fn.local) {
    return proxyLocalActivities<Record<string, FunctionActivity>>({
      startToCloseTimeout: fn.startToCloseTimeoutMs,
      retry,
    })[fn.name]!;
  }
  const activities = proxyActivities<Record<string, FunctionActivity>>({
    taskQueue: fn.taskQueue,
    startToCloseTimeout: fn.startToCloseTimeoutMs,
    ...(fn.heartbeatTimeoutMs > 0 ? { heartbeatTimeout: fn.heartbeatTimeoutMs } : {}),
    retry,
  });
  return activities[fn.name]!;
}

/**
 * Runs one function. A function that no worker on its queue hosts (removed from a pipeline while
 * this run still needs it) is the deployment's fault, not the order's: the run waits for a worker
 * that hosts it, visibly, instead of failing the order. A function whose limit is reached waits
 * too, and is scheduled again with the attempts it made, so none counts against its policy.
 */
export async function runFunction(
  fn: PlannedFunction,
  first: FunctionInput,
  onWaiting: (waiting: string | undefined) => void,
): Promise<StepResult> {
  let input = first;
  let call = functionActivity(fn, input.priorAttempts);
  let waitMs = NOT_HOSTED_FIRST_WAIT_MS;
  for (;;) {
    try {
      const result = await call(input);
      onWaiting(undefined);
      return result;
    } catch (err) {
      const limited = limitedDetails(err);
      if (limited) {
        // Only runs of functions with limits ever see this failure: other runs' commands are unchanged.
        onWaiting(`function ${fn.name} waits for ${limited.waitingFor}`);
        await sleep(LIMITED_WAIT_MS);
        input = { ...first, priorAttempts: limited.attemptsMade };
        call = functionActivity(fn, limited.attemptsMade);
        continue;
      }
      const type = failureType(err);
      if (type !== FAILURE_TYPES.functionNotHosted && type !== 'NotFoundError') throw err;
      onWaiting(`no worker on task queue ${fn.taskQueue} hosts function ${fn.name}; deploy one that does`);
      await sleep(waitMs);
      waitMs = Math.min(NOT_HOSTED_MAX_WAIT_MS, waitMs * 2);
    }
  }
}

/** A function's failure as the stage's: a rejection (non-retryable) keeps its reason and says so. */
export function stageFailure(fn: PlannedFunction, orderId: string, err: unknown): unknown {
  if (!(err instanceof ActivityFailure) || err.retryState !== 'NON_RETRYABLE_FAILURE') return err;
  const cause = err.cause;
  return ApplicationFailure.create({
    type: FAILURE_TYPES.functionRejected,
    message: `function ${fn.name} rejected order ${orderId}: ${cause?.message ?? err.message}`,
    nonRetryable: true,
    details: [{ function: fn.name, type: cause instanceof ApplicationFailure ? (cause.type ?? null) : null }],
    cause: err,
  });
}
