/**
 * A stage's plan from a pipeline: its functions in order, with the task queue, timeouts and retry
 * policy the workflow calls each with. The worker that runs a stage's workflow answers the plan
 * activity with it; the run records it and keeps it.
 */
import { createHash } from 'node:crypto';

import type { StageName } from '../workflows/names';
import { STAGE_NAMES } from '../workflows/names';
import type { PlannedFunction, StagePlan } from '../workflows/types';
import type { FunctionDefinition, Pipeline } from './define';

/**
 * The queue a rate-limited function without one of its own runs on: Temporal limits a whole task
 * queue's rate (for all its workers), so such a function needs a queue no other function shares.
 * ':' cannot appear in a function name, so the name is the part after the last ':'.
 */
export function rateLimitedQueue(pipelineQueue: string, fnName: string): string {
  return `${pipelineQueue}:${fnName}`;
}

/** The queue `fn` runs on: its own, the one its rate limit needs, or the pipeline's. */
export function functionQueue(fn: FunctionDefinition, pipelineQueue: string): string {
  return fn.taskQueue ?? (fn.rateLimit ? rateLimitedQueue(pipelineQueue, fn.name) : pipelineQueue);
}

/** The limits as the plan records them: present only when set, so other plans keep their digests. */
function plannedLimits(fn: FunctionDefinition): Pick<PlannedFunction, 'rateLimit' | 'concurrency'> {
  return {
    ...(fn.rateLimit ? { rateLimit: { limit: fn.rateLimit.limit, periodMs: fn.rateLimit.periodMs } } : {}),
    ...(fn.concurrency
      ? { concurrency: { limit: fn.concurrency.limit, keyed: fn.concurrency.key !== undefined } }
      : {}),
  };
}

/** How one function is called; a function without a queue runs on the pipeline's. */
export function plannedFunction(fn: FunctionDefinition, pipelineQueue: string): PlannedFunction {
  return {
    name: fn.name,
    taskQueue: functionQueue(fn, pipelineQueue),
    startToCloseTimeoutMs: fn.timeoutMs,
    heartbeatTimeoutMs: fn.heartbeatTimeoutMs,
    retry: {
      initialIntervalMs: fn.retry.initialIntervalMs,
      backoffCoefficient: fn.retry.backoffCoefficient,
      maximumIntervalMs: fn.retry.maximumIntervalMs,
      maximumAttempts: fn.retry.maximumAttempts,
      nonRetryableErrorTypes: fn.retry.nonRetryableErrorTypes,
    },
    // Only when set: plans made before local functions existed keep their digests.
    ...(fn.local ? { local: true as const } : {}),
    ...plannedLimits(fn),
  };
}

/** 12 hex digits of SHA-256 over the JSON of the planned functions. */
export function planDigest(functions: readonly PlannedFunction[]): string {
  return createHash('sha256').update(JSON.stringify(functions)).digest('hex').slice(0, 12);
}

/** Every stage's plan, as a worker on `pipelineQueue` built as `build` hands them out. */
export function stagePlans(pipeline: Pipeline, pipelineQueue: string, build: string): Record<StageName, StagePlan> {
  return Object.fromEntries(
    STAGE_NAMES.map((stage) => {
      const functions = pipeline.stages[stage].map((fn) => plannedFunction(fn, pipelineQueue));
      const publish = pipeline.publishLocally ? { publishLocally: true as const } : {};
      return [stage, { stage, functions, digest: planDigest(functions), build, ...publish }];
    }),
  ) as unknown as Record<StageName, StagePlan>;
}

/**
 * The queues a pipeline's functions run on besides the pipeline's own `pipelineQueue` (each needs
 * its workers): those they name, and one per rate-limited function without one.
 */
export function functionQueues(pipeline: Pipeline, pipelineQueue: string): string[] {
  const queues = pipeline.functions.map((fn) => functionQueue(fn, pipelineQueue));
  return [...new Set(queues.filter((queue) => queue !== pipelineQueue))];
}

/**
 * The functions whose queue `taskQueue` is, when it is not a pipeline's queue: a queue they name,
 * or the one a rate-limited function's name derives (of any pipeline queue). Empty otherwise.
 */
export function functionsOnQueue(pipeline: Pipeline, taskQueue: string): FunctionDefinition[] {
  return pipeline.functions.filter((fn) =>
    fn.taskQueue !== undefined
      ? fn.taskQueue === taskQueue
      : fn.rateLimit !== undefined && taskQueue.endsWith(rateLimitedQueue('', fn.name)),
  );
}

/**
 * Calls per second that Temporal lets all workers of `taskQueue` start: the rate limit of the one
 * function on it (limit / period), undefined for a queue without one.
 */
export function queueRatePerSecond(pipeline: Pipeline, taskQueue: string): number | undefined {
  const limited = functionsOnQueue(pipeline, taskQueue).find((fn) => fn.rateLimit);
  return limited?.rateLimit && (limited.rateLimit.limit * 1000) / limited.rateLimit.periodMs;
}
