/**
 * The one shape every stage workflow has: run the stage's functions in order, then publish the
 * order to the next subject. Deterministic: all I/O happens in activities.
 */
import { defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';

import type { OrderflowActivities } from '../activities';
import type { StageName, StepName } from './stages';
import { STAGES } from './stages';
import type { StageInput, StageResult, StageStatus, StepResult } from './types';

export const statusQuery = defineQuery<StageStatus>('status');

/**
 * Activity policy. A function failing transiently is retried with backoff; after
 * `maximumAttempts` the workflow fails and the bridge decides (nak, then dead-letter). The
 * heartbeat timeout lets a function of a crashed worker be retried on another within seconds.
 */
const steps = proxyActivities<OrderflowActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

export async function runStage(stageName: StageName, input: StageInput): Promise<StageResult> {
  const stage = STAGES[stageName];
  const results: Record<string, StepResult> = {};
  let status: StageStatus = {
    stage: stageName,
    orderId: input.order.orderId,
    state: 'running',
    completedSteps: [],
    attempts: {},
    source: input.source,
  };
  setHandler(statusQuery, () => status);

  for (const step of stage.steps as readonly StepName[]) {
    status = { ...status, currentStep: step };
    const result = await steps[step]({
      stage: stageName,
      step,
      order: input.order,
      revision: input.revision,
      previous: results,
    });
    results[step] = result;
    status = {
      ...status,
      currentStep: undefined,
      completedSteps: [...status.completedSteps, step],
      attempts: { ...status.attempts, [step]: result.attempt },
    };
  }

  status = { ...status, state: 'publishing' };
  const published = await steps.publishStageOutput({
    stage: stageName,
    revision: input.revision,
    output: { order: input.order, stages: { ...input.upstream, [stageName]: results } },
    headers: input.source.headers,
  });
  status = { ...status, state: 'completed', published };
  return { stage: stageName, orderId: input.order.orderId, steps: results, published };
}
