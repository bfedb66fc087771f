/**
 * The runs whose histories guard the stage workflows against non-determinism: each scenario
 * runs one stage workflow with mocked activities on a local Temporal server and hands back the
 * finished run, whose history record-histories.ts keeps in test/fixtures/histories/<name>.json.
 * Together they take every path of workflows/stage-workflow.ts a run in flight may be on.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

import type { StageName } from '../../workflows/names';
import { DEFAULT_TASK_QUEUE, STAGES, workflowIdFor } from '../../workflows/names';
import type { PlannedFunction, StageOutput, StageStatus } from '../../workflows/types';
import type { MockFunction } from './stage-mocks';
import {
  CallLog,
  eventually,
  mockWorker,
  planOf,
  plannedFunction,
  stageInput,
  stepResult,
  whileRunning,
} from './stage-mocks';

/** How a scenario's run ends (Temporal's execution status name). */
export type Outcome = 'COMPLETED' | 'FAILED';

export interface Scenario {
  /** The file name of its history, without `.json`. */
  readonly name: string;
  /** What the run did, for the folder's README. */
  readonly about: string;
  readonly outcome: Outcome;
  /** The functions the run completes, in order, with the attempts each took (its status query). */
  readonly attempts: Readonly<Record<string, number>>;
  /** Runs the scenario to its end and returns the run. */
  run(env: TestWorkflowEnvironment): Promise<FinishedRun>;
}

/** A run that ended, with its last status (queried while its worker still ran). */
export interface FinishedRun {
  readonly handle: WorkflowHandle;
  readonly status: StageStatus;
}

/** Queues as a deployment names them: the pipeline's, and two of functions with their own workers. */
const PIPELINE = DEFAULT_TASK_QUEUE;
const PAYMENTS = 'payments';
const COURIERS = 'couriers';

interface SimpleRun {
  readonly stage: StageName;
  readonly functions: readonly PlannedFunction[];
  /** The functions each queue's worker hosts; the pipeline queue's also runs the workflows. */
  readonly hosts: Readonly<Record<string, Readonly<Record<string, MockFunction>>>>;
  readonly upstream?: StageOutput['stages'];
  /** Publish as a local activity (StagePlan.publishLocally). */
  readonly publishLocally?: true;
}

function start(env: TestWorkflowEnvironment, name: string, stage: StageName, upstream: StageOutput['stages'] = {}) {
  const input = stageInput(`rec-${name}`, upstream);
  return env.client.workflow.start(STAGES[stage].workflowType, {
    taskQueue: PIPELINE,
    workflowId: workflowIdFor(stage, input.order.orderId),
    args: [input],
  });
}

/** Waits for the end of a run, failed or not (the recorder checks which). */
async function ended(handle: WorkflowHandle): Promise<FinishedRun> {
  await handle.result().catch(() => undefined);
  return { handle, status: await handle.query<StageStatus>('status') };
}

/** Runs one workflow with a worker on each queue of `run.hosts`. */
async function simple(env: TestWorkflowEnvironment, name: string, run: SimpleRun): Promise<FinishedRun> {
  const log = new CallLog();
  const plan = planOf(run.stage, run.functions, undefined, run.publishLocally ? { publishLocally: true } : {});
  const workers = await Promise.all(
    Object.entries(run.hosts).map(([queue, functions]) =>
      mockWorker(
        env,
        queue,
        log,
        queue === PIPELINE ? { plan: () => plan, functions } : { pipeline: false, functions },
      ),
    ),
  );
  return whileRunning(workers, async () => ended(await start(env, name, run.stage, run.upstream)));
}

const on = (queue: string) => ({ taskQueue: queue });
const reserveStock: MockFunction = (input) => ({ units: input.order.items.length });
const chargePayment: MockFunction = () => ({ amount: 20, currency: 'EUR' });
/** chargePayment failing its first attempt. */
const chargePaymentFailingOnce: MockFunction = (input, attempt) => {
  if (attempt < 2) throw new Error(`payment provider unavailable (attempt ${attempt})`);
  return chargePayment(input, attempt);
};

/** Waits until a function no worker hosts holds the run up, then deploys one that hosts it. */
async function notHostedThenHosted(env: TestWorkflowEnvironment, name: string): Promise<FinishedRun> {
  const log = new CallLog();
  const plan = planOf('dispatch', [
    plannedFunction('assignCourier', on(COURIERS)),
    plannedFunction('ship', on(PIPELINE)),
  ]);
  const pipeline = await mockWorker(env, PIPELINE, log, { plan: () => plan, functions: { ship: () => 'shipped' } });
  const oldCouriers = await mockWorker(env, COURIERS, log, { pipeline: false });
  return whileRunning([pipeline], async () => {
    const handle = await start(env, name, 'dispatch');
    await oldCouriers.runUntil(
      eventually('the run to wait for assignCourier', async () =>
        (await handle.query<StageStatus>('status')).waiting ? true : undefined,
      ),
    );
    const newCouriers = await mockWorker(env, COURIERS, log, {
      pipeline: false,
      functions: { assignCourier: () => 'courier-1' },
    });
    return newCouriers.runUntil(ended(handle));
  });
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'process-two-functions',
    about: 'process stage, two functions completed, then the publish',
    outcome: 'COMPLETED',
    attempts: { reserveStock: 1, chargePayment: 1 },
    run: (env) =>
      simple(env, 'process-two-functions', {
        stage: 'process',
        functions: [plannedFunction('reserveStock', on(PIPELINE)), plannedFunction('chargePayment', on(PIPELINE))],
        hosts: { [PIPELINE]: { reserveStock, chargePayment } },
      }),
  },
  {
    name: 'process-retried',
    about: 'process stage, chargePayment failing twice and succeeding at its third attempt',
    outcome: 'COMPLETED',
    attempts: { reserveStock: 1, chargePayment: 3 },
    run: (env) =>
      simple(env, 'process-retried', {
        stage: 'process',
        functions: [plannedFunction('reserveStock', on(PIPELINE)), plannedFunction('chargePayment', on(PIPELINE))],
        hosts: {
          [PIPELINE]: {
            reserveStock,
            chargePayment: (input, attempt) => {
              if (attempt < 3) throw new Error(`payment provider unavailable (attempt ${attempt})`);
              return chargePayment(input, attempt);
            },
          },
        },
      }),
  },
  {
    name: 'process-other-queue',
    about: `process stage, chargePayment on its own task queue (${PAYMENTS}) and worker`,
    outcome: 'COMPLETED',
    attempts: { reserveStock: 1, chargePayment: 1 },
    run: (env) =>
      simple(env, 'process-other-queue', {
        stage: 'process',
        functions: [plannedFunction('reserveStock', on(PIPELINE)), plannedFunction('chargePayment', on(PAYMENTS))],
        hosts: { [PIPELINE]: { reserveStock }, [PAYMENTS]: { chargePayment } },
      }),
  },
  {
    name: 'dispatch-not-hosted-wait',
    about: `dispatch stage, assignCourier not hosted on ${COURIERS} (the run waits 5 s), then hosted, then ship`,
    outcome: 'COMPLETED',
    attempts: { assignCourier: 1, ship: 1 },
    run: (env) => notHostedThenHosted(env, 'dispatch-not-hosted-wait'),
  },
  {
    name: 'process-rejected',
    about: 'process stage, chargePayment rejecting the order (non-retryable): the run fails, nothing published',
    outcome: 'FAILED',
    attempts: { reserveStock: 1 },
    run: (env) =>
      simple(env, 'process-rejected', {
        stage: 'process',
        functions: [plannedFunction('reserveStock', on(PIPELINE)), plannedFunction('chargePayment', on(PIPELINE))],
        hosts: {
          [PIPELINE]: {
            reserveStock,
            chargePayment: () => {
              throw ApplicationFailure.nonRetryable('card declined', 'CardDeclined');
            },
          },
        },
      }),
  },
  {
    name: 'process-local',
    about: 'process stage, both functions local activities (chargePayment failing once), the publish local too',
    outcome: 'COMPLETED',
    attempts: { reserveStock: 1, chargePayment: 2 },
    run: (env) =>
      simple(env, 'process-local', {
        stage: 'process',
        functions: [
          plannedFunction('reserveStock', { ...on(PIPELINE), local: true }),
          plannedFunction('chargePayment', { ...on(PIPELINE), local: true }),
        ],
        hosts: {
          [PIPELINE]: {
            reserveStock,
            chargePayment: chargePaymentFailingOnce,
          },
        },
        publishLocally: true,
      }),
  },
  {
    name: 'process-local-run',
    about:
      'process stage, both functions local and the publish local: the plan, both functions and the publish in one local run',
    outcome: 'COMPLETED',
    attempts: { reserveStock: 1, chargePayment: 1 },
    run: (env) =>
      simple(env, 'process-local-run', {
        stage: 'process',
        functions: [
          plannedFunction('reserveStock', { ...on(PIPELINE), local: true }),
          plannedFunction('chargePayment', { ...on(PIPELINE), local: true }),
        ],
        hosts: { [PIPELINE]: { reserveStock, chargePayment } },
        publishLocally: true,
      }),
  },
  {
    name: 'process-local-run-retried',
    about:
      "process stage, both functions local: chargePayment's try in the local run fails, the workflow waits, then retries it as its own local activity, then the local publish",
    outcome: 'COMPLETED',
    attempts: { reserveStock: 1, chargePayment: 2 },
    run: (env) =>
      simple(env, 'process-local-run-retried', {
        stage: 'process',
        functions: [
          plannedFunction('reserveStock', { ...on(PIPELINE), local: true }),
          plannedFunction('chargePayment', { ...on(PIPELINE), local: true }),
        ],
        hosts: {
          [PIPELINE]: {
            reserveStock,
            chargePayment: chargePaymentFailingOnce,
          },
        },
        publishLocally: true,
      }),
  },
  {
    name: 'process-empty-plan',
    about: 'process stage with no functions: the plan, then the publish',
    outcome: 'COMPLETED',
    attempts: {},
    run: (env) => simple(env, 'process-empty-plan', { stage: 'process', functions: [], hosts: { [PIPELINE]: {} } }),
  },
  {
    name: 'dispatch-with-upstream',
    about: "dispatch stage handed the process stage's results, two functions completed, then the publish",
    outcome: 'COMPLETED',
    attempts: { assignCourier: 1, ship: 1 },
    run: (env) =>
      simple(env, 'dispatch-with-upstream', {
        stage: 'dispatch',
        functions: [plannedFunction('assignCourier', on(PIPELINE)), plannedFunction('ship', on(PIPELINE))],
        hosts: {
          [PIPELINE]: {
            assignCourier: () => ({ courier: 'courier-3' }),
            ship: (input) => ({ trackingId: `TRK-${input.order.orderId}` }),
          },
        },
        upstream: {
          process: {
            reserveStock: stepResult('process', 'reserveStock', 'rec-dispatch-with-upstream', { units: 1 }),
            chargePayment: stepResult('process', 'chargePayment', 'rec-dispatch-with-upstream', { amount: 20 }),
          },
        },
      }),
  },
];
