/** The workflows the worker registers; one per stage (see names/stages.ts). */
import { runStage } from './stage-workflow';
import type { StageInput, StageResult } from './types';

export { statusQuery } from './stage-workflow';

/** NEW stage: ORDERS.received -> functions -> ORDERS.processed. */
export function processOrder(input: StageInput): Promise<StageResult> {
  return runStage('process', input);
}

/** DISPATCH stage: ORDERS.processed -> functions -> ORDERS.completed. */
export function dispatchOrder(input: StageInput): Promise<StageResult> {
  return runStage('dispatch', input);
}
