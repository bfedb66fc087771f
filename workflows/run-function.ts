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
import type { FunctionInput, PlannedFunction, StepResult } from './types';

type FunctionActivity = (input: FunctionInput) => Promise<StepResult>;

/** How long a run waits before asking again for a function no worker hosts: doubling up to 5 minutes. */
const NOT_HOSTED_FIRST_WAIT_MS = 5_000;
const NOT_HOSTED_MAX_WAIT_MS = 300_000;

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
 * that hosts it, visibly, instead of failing the order.
 */
export async function runFunction(
  fn: PlannedFunction,
  input: FunctionInput,
  onWaiting: (waiting: string | undefined) => void,
): Promise<StepResult> {
  const call = functionActivity(fn, input.priorAttempts);
  for (let waitMs = NOT_HOSTED_FIRST_WAIT_MS; ; waitMs = Math.min(NOT_HOSTED_MAX_WAIT_MS, waitMs * 2)) {
    try {
      const result = await call(input);
      onWaiting(undefined);
      return result;
    } catch (err) {
      const type = failureType(err);
      if (type !== FAILURE_TYPES.functionNotHosted && type !== 'NotFoundError') throw err;
      onWaiting(`no worker on task queue ${fn.taskQueue} hosts function ${fn.name}; deploy one that does`);
      await sleep(waitMs);
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
