/**
 * orderflow's public API, the package's main export: define functions and a pipeline in your own
 * module, and test a function as the activity the worker runs.
 *
 *   import { defineFunction, definePipeline } from 'orderflow';
 */
export { defineFunction, definePipeline, isPipeline, FUNCTION_DEFAULTS, PipelineDefinitionError } from './define';
export type {
  FunctionContext,
  FunctionLogger,
  FunctionOptions,
  JsonValue,
  Order,
  OrderflowFunction,
  Pipeline,
  PipelineOptions,
  RetryOptions,
} from './define';
export { NonRetryableError } from './errors';
export { activityOf } from './function-activity';
export type { FunctionActivityDeps, FunctionDone, FunctionObserver, FunctionOutcome } from './function-activity';
export type { EffectStore, EffectRecord } from './effects';
export type { FunctionInput, StepResult, StagePlan, PlannedFunction } from '../workflows/types';
export { idempotencyKeyFor } from '../workflows/names';
