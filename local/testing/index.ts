/**
 * `orderflow/testing`, the testing kit: what the README's "Testing your functions" documents and
 * nothing else (checked against a packed install by test/integration/public-api.test.ts).
 *
 *   import { runFunction, startPipelineTest } from 'orderflow/testing';
 */
export { runFunction } from './run-function';
export type { FunctionRun, LogLine, RunFunctionOptions } from './run-function';
export { startPipelineTest } from './pipeline-test';
export type { OrderOutcome, PipelineTest, PipelineTestOptions } from './pipeline-test';
export { KitError } from './kit-error';
