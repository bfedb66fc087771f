/**
 * orderflow's public API, the package's main export, and nothing else: what the README's "What
 * `orderflow` exports" lists (checked against a packed install, from ES modules and CommonJS, by
 * test/integration/public-api.test.ts). Define functions and a pipeline in your own module, and
 * test a function as the activity the worker runs:
 *
 *   import { defineFunction, definePipeline } from 'orderflow';
 *
 * orderflow's own code imports what it needs from each file, never from here.
 */
import type { OrderflowFunction } from './define';
import { activityOf as activityWith } from './function-activity';
import type { FunctionInput, StepResult } from '../workflows/types';

export { defineFunction, definePipeline } from './define';
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
export type { FunctionInput, StepResult } from '../workflows/types';

/**
 * The activity the worker runs for `fn`: run it in `@temporalio/testing`'s MockActivityEnvironment
 * to test `fn` with a real context. It takes what orderflow hands a function (the order, its stage
 * and revision, earlier results) and returns the step the stage records (result, attempt, key).
 */
export function activityOf(fn: OrderflowFunction): (input: FunctionInput) => Promise<StepResult> {
  return activityWith(fn);
}
