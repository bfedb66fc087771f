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

/** How one function is called; a function without a queue runs on the pipeline's. */
export function plannedFunction(fn: FunctionDefinition, pipelineQueue: string): PlannedFunction {
  return {
    name: fn.name,
    taskQueue: fn.taskQueue ?? pipelineQueue,
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

/** The queues a pipeline's functions name besides the pipeline's own (each needs its workers). */
export function functionQueues(pipeline: Pipeline): string[] {
  return [...new Set(pipeline.functions.flatMap((fn) => (fn.taskQueue ? [fn.taskQueue] : [])))];
}
