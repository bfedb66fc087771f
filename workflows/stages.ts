/**
 * The stages of the pipeline: which consumer feeds each, which workflow runs it, which functions
 * (activities) it runs in order, and where its result goes. Adding a function to a stage is
 * writing the activity (activities/) and naming it here. Plain data: read by workflows, the
 * bridge and the worker alike.
 */
import type { FunctionName } from '../activities/functions';

export const STAGES = {
  process: {
    name: 'process',
    consumer: 'NEW',
    inputSubject: 'ORDERS.received',
    outputSubject: 'ORDERS.processed',
    workflowType: 'processOrder',
    steps: ['reserveStock', 'chargePayment'] as const satisfies readonly FunctionName[],
  },
  dispatch: {
    name: 'dispatch',
    consumer: 'DISPATCH',
    inputSubject: 'ORDERS.processed',
    outputSubject: 'ORDERS.completed',
    workflowType: 'dispatchOrder',
    steps: ['assignCourier', 'ship'] as const satisfies readonly FunctionName[],
  },
} as const;

export type StageName = keyof typeof STAGES;
export type Stage = (typeof STAGES)[StageName];
export type StepName = Stage['steps'][number];

/** The ID of the one workflow that handles `orderId` in `stage`: stable, so a redelivery attaches to it. */
export function workflowIdFor(stage: StageName, orderId: string): string {
  return `${stage}-${orderId}`;
}
