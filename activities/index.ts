/**
 * orderflow's public API, the package's main export, and nothing else: what the README's "What
 * `orderflow` exports" lists (checked against a packed install, from ES modules and CommonJS, by
 * test/integration/public-api.test.ts). Define functions and a pipeline in your own module:
 *
 *   import { defineFunction, definePipeline } from 'orderflow';
 *
 * and test them with `orderflow/testing` (local/testing). orderflow's own code imports what it
 * needs from each file, never from here.
 */
export { defineFunction, definePipeline } from './define';
export type { FunctionDefinition, FunctionOptions, OrderflowFunction, Pipeline, PipelineOptions } from './define';
export type {
  Duration,
  FunctionContext,
  FunctionLogger,
  JsonSafe,
  JsonValue,
  Needs,
  Order,
  RetryOptions,
} from './types';
export { NonRetryableError } from './errors';
