/**
 * The stage workflows with mocked activities (the middle of the three test tiers), on a local
 * Temporal server: the plan read once and kept by its run, the functions run in order on their
 * queues with the earlier results, the wait for a function no worker hosts, a rejection failing
 * the run at once, and what is handed to the publish. Every case counts calls from the mocks' log
 * and reads the run's result and status query.
 */
import { randomUUID } from 'node:crypto';

import { WorkflowFailedError } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';

import { FAILURE_TYPES, STAGES } from '../../workflows/names';
import type { StageName } from '../../workflows/names';
import type { StageInput, StagePlan, StageResult, StageStatus } from '../../workflows/types';
import { toolPath } from '../harness/tools';
import {
  CallLog,
  MOCK_BUILD,
  deferred,
  eventually,
  mockWorker,
  planOf,
  plannedFunction,
  stageInput,
  stepResult,
  whileRunning,
} from './stage-mocks';

describe('workflows - stage workflows with mocked activities', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    // The dev server of the built temporal CLI; its time is real (the time-skipping test server
    // is another binary), so the wait for an unhosted function takes its real first 5 s.
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: toolPath('temporal') } },
    });
  }, 60_000);
  afterAll(() => env?.teardown());

  /** A task queue and order ID of this test only. */
  function unique(prefix: string): { queue: string; orderId: string } {
    const id = randomUUID().slice(0, 8);
    return { queue: `${prefix}-${id}`, orderId: `${prefix}-${id}` };
  }

  function start(stage: StageName, queue: string, input: StageInput): Promise<WorkflowHandle> {
    return env.client.workflow.start(STAGES[stage].workflowType, {
      taskQueue: queue,
      workflowId: `${stage}-${input.order.orderId}`,
      args: [input],
    });
  }

  const status = (handle: WorkflowHandle) => handle.query<StageStatus>('status');

  it('workflows - runs the plan in order with the earlier results, then publishes them with the headers', async () => {
    const { queue, orderId } = unique('wf-order');
    const upstream = { process: { reserveStock: stepResult('process', 'reserveStock', orderId, { units: 2 }) } };
    const plan = planOf('dispatch', [
      plannedFunction('assignCourier', { taskQueue: queue }),
      plannedFunction('ship', { taskQueue: queue }),
    ]);
    const log = new CallLog();
    const worker = await mockWorker(env, queue, log, {
      plan: () => plan,
      functions: {
        assignCourier: () => ({ courier: 'courier-3' }),
        ship: (_input, attempt) => {
          // A passing fault: the attempt count reaches the status and the result.
          if (attempt === 1) throw new Error('carrier API timed out');
          return { trackingId: `TRK-${orderId}` };
        },
      },
    });
    const input = stageInput(orderId, upstream);
    const { result, finalStatus } = await whileRunning([worker], async () => {
      const handle = await start('dispatch', queue, input);
      return { result: (await handle.result()) as StageResult, finalStatus: await status(handle) };
    });

    const assigned = stepResult('dispatch', 'assignCourier', orderId, { courier: 'courier-3' });
    const shipped = stepResult('dispatch', 'ship', orderId, { trackingId: `TRK-${orderId}` }, 2);
    expect(log.functionCalls()).toEqual(['assignCourier@1', 'ship@1', 'ship@2']);
    const previous = log.calls.flatMap((c) => (c.kind === 'function' ? [c.input.previous] : []));
    expect(previous).toEqual([
      { ...upstream, dispatch: {} },
      { ...upstream, dispatch: { assignCourier: assigned } },
      { ...upstream, dispatch: { assignCourier: assigned } },
    ]);
    expect(log.published()).toEqual([
      {
        stage: 'dispatch',
        revision: 'r1',
        output: { order: input.order, stages: { ...upstream, dispatch: { assignCourier: assigned, ship: shipped } } },
        headers: { traceparent: '00-abc-def-01' },
      },
    ]);
    expect(result).toEqual({
      stage: 'dispatch',
      orderId,
      plan,
      steps: { assignCourier: assigned, ship: shipped },
      published: { subject: 'ORDERS.completed', streamSeq: 1, duplicate: false },
    });
    expect(finalStatus).toEqual({
      stage: 'dispatch',
      orderId,
      state: 'completed',
      plan: { stage: 'dispatch', functions: plan.functions, digest: plan.digest, build: MOCK_BUILD },
      completedSteps: ['assignCourier', 'ship'],
      attempts: { assignCourier: 1, ship: 2 },
      published: result.published,
      source: input.source,
    });
    expect(plan.digest).toMatch(/^[0-9a-f]{12}$/);
  });

  it('workflows - a run keeps the plan it started with when the pipeline changes under it', async () => {
    const { queue } = unique('wf-plan');
    const first = unique('wf-plan-a').orderId;
    const second = unique('wf-plan-b').orderId;
    const planA = planOf('process', [
      plannedFunction('reserveStock', { taskQueue: queue }),
      plannedFunction('chargePayment', { taskQueue: queue }),
    ]);
    const planB = planOf('process', [
      plannedFunction('reserveStock', { taskQueue: queue }),
      plannedFunction('checkFraud', { taskQueue: queue }),
      plannedFunction('chargePayment', { taskQueue: queue }),
    ]);
    let deployed = planA;
    const firstStarted = deferred();
    const release = deferred();
    const log = new CallLog();
    // No workflow cache: every workflow task replays the run from its history, so run 1 could only
    // finish with plan A if the plan really is read from its history and not asked for again.
    const worker = await mockWorker(env, queue, log, {
      plan: () => deployed,
      functions: {
        reserveStock: async (input) => {
          if (input.order.orderId === first) {
            firstStarted.resolve();
            await release.promise;
          }
          return { held: true };
        },
        checkFraud: () => ({ score: 0 }),
        chargePayment: () => ({ charged: 20 }),
      },
      maxCachedWorkflows: 0,
    });

    const { one, two, whileHeld } = await whileRunning([worker], async () => {
      const h1 = await start('process', queue, stageInput(first));
      await firstStarted.promise;
      const held = await status(h1);
      deployed = planB;
      const h2 = await start('process', queue, stageInput(second));
      const r2 = (await h2.result()) as StageResult;
      release.resolve();
      return { one: (await h1.result()) as StageResult, two: r2, whileHeld: held };
    });

    expect(whileHeld).toMatchObject({ state: 'running', currentStep: 'reserveStock', plan: planA, completedSteps: [] });
    expect(one.plan).toEqual(planA);
    expect(Object.keys(one.steps)).toEqual(['reserveStock', 'chargePayment']);
    expect(two.plan).toEqual(planB);
    expect(Object.keys(two.steps)).toEqual(['reserveStock', 'checkFraud', 'chargePayment']);
    // Each run asked for its plan once (in its local run), though run 1 was replayed at every task.
    expect(log.calls.filter((c) => c.kind === 'local-run')).toHaveLength(2);
    expect(log.calls.filter((c) => c.kind === 'plan')).toHaveLength(0);
    expect(log.functionCalls(first)).toEqual(['reserveStock@1', 'chargePayment@1']);
    expect(log.functionCalls(second)).toEqual(['reserveStock@1', 'checkFraud@1', 'chargePayment@1']);
    expect(log.published().map((p) => Object.keys(p.output.stages.process ?? {}))).toEqual([
      ['reserveStock', 'checkFraud', 'chargePayment'],
      ['reserveStock', 'chargePayment'],
    ]);
  });

  it('workflows - a function on its own task queue runs on a worker of that queue', async () => {
    const { queue, orderId } = unique('wf-queues');
    const payments = unique('payments').queue;
    const plan = planOf('process', [
      plannedFunction('reserveStock', { taskQueue: queue }),
      plannedFunction('chargePayment', { taskQueue: payments }),
    ]);
    const log = new CallLog();
    // Each worker hosts only its queue's function: a call on the wrong queue would hit `default`.
    const pipeline = await mockWorker(env, queue, log, { plan: () => plan, functions: { reserveStock: () => 1 } });
    const paying = await mockWorker(env, payments, log, { pipeline: false, functions: { chargePayment: () => 2 } });
    const result = await whileRunning([pipeline, paying], async () => {
      const handle = await start('process', queue, stageInput(orderId));
      return (await handle.result()) as StageResult;
    });

    const where = log.calls.flatMap((c) => (c.kind === 'function' ? [`${c.name}@${c.taskQueue}`] : []));
    expect(where).toEqual([`reserveStock@${queue}`, `chargePayment@${payments}`]);
    expect(log.notHosted()).toEqual([]);
    expect(result.steps).toEqual({
      reserveStock: stepResult('process', 'reserveStock', orderId, 1),
      chargePayment: stepResult('process', 'chargePayment', orderId, 2),
    });
    expect(log.published()).toHaveLength(1);
  });

  it('workflows - a function no worker hosts makes the run wait, visibly, until a worker hosts it', async () => {
    const { queue, orderId } = unique('wf-wait');
    const couriers = unique('couriers').queue;
    const plan = planOf('dispatch', [
      plannedFunction('assignCourier', { taskQueue: couriers }),
      plannedFunction('ship', { taskQueue: queue }),
    ]);
    const log = new CallLog();
    const pipeline = await mockWorker(env, queue, log, { plan: () => plan, functions: { ship: () => 'shipped' } });
    // The couriers' queue is served, but by a build without assignCourier (removed from it).
    const oldCouriers = await mockWorker(env, couriers, log, { pipeline: false });

    const { waiting, result, finalStatus } = await whileRunning([pipeline], async () => {
      const handle = await start('dispatch', queue, stageInput(orderId));
      const seen = await oldCouriers.runUntil(
        eventually('the run to wait for assignCourier', async () => {
          const s = await status(handle);
          return s.waiting === undefined ? undefined : s;
        }),
      );
      // Nothing ran or was published while it waited.
      expect(log.functionCalls()).toEqual([]);
      expect(log.published()).toEqual([]);
      const newCouriers = await mockWorker(env, couriers, log, {
        pipeline: false,
        functions: { assignCourier: () => 'courier-1' },
      });
      const done = await newCouriers.runUntil(handle.result() as Promise<StageResult>);
      return { waiting: seen, result: done, finalStatus: await status(handle) };
    });

    expect(waiting).toMatchObject({ state: 'running', currentStep: 'assignCourier', completedSteps: [] });
    expect(waiting.waiting).toBe(
      `no worker on task queue ${couriers} hosts function assignCourier; deploy one that does`,
    );
    expect(log.notHosted()).toEqual([{ name: 'assignCourier', taskQueue: couriers }]);
    expect(log.functionCalls()).toEqual(['assignCourier@1', 'ship@1']);
    expect(result.steps.assignCourier?.result).toBe('courier-1');
    expect(log.published()).toHaveLength(1);
    expect(finalStatus.waiting).toBeUndefined();
    expect(finalStatus.state).toBe('completed');
  }, 60_000);

  class OutOfStock extends Error {
    override readonly name = 'OutOfStock';
  }

  it.each([
    [
      'ApplicationFailure.nonRetryable',
      () => ApplicationFailure.nonRetryable('card declined', 'CardDeclined'),
      'CardDeclined',
    ],
    [
      'a retryable failure of a type the plan lists as non-retryable',
      () => ApplicationFailure.retryable('card declined', 'CardDeclined'),
      'CardDeclined',
    ],
    ['an Error whose name the plan lists as non-retryable', () => new OutOfStock('card declined'), 'OutOfStock'],
  ])('workflows - a rejection (%s) fails the run at once and publishes nothing', async (_what, failure, type) => {
    const { queue, orderId } = unique('wf-reject');
    const plan = planOf('process', [
      plannedFunction('reserveStock', { taskQueue: queue }),
      plannedFunction('chargePayment', {
        taskQueue: queue,
        retry: { maximumAttempts: 5, nonRetryableErrorTypes: ['CardDeclined', 'OutOfStock'] },
      }),
    ]);
    const log = new CallLog();
    const worker = await mockWorker(env, queue, log, {
      plan: () => plan,
      functions: {
        reserveStock: () => true,
        chargePayment: () => {
          throw failure();
        },
      },
    });
    const { error, finalStatus } = await whileRunning([worker], async () => {
      const handle = await start('process', queue, stageInput(orderId));
      const err = await handle.result().then(
        () => undefined,
        (e: unknown) => e,
      );
      return { error: err, finalStatus: await status(handle) };
    });

    expect(error).toBeInstanceOf(WorkflowFailedError);
    const cause = (error as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({
      type: FAILURE_TYPES.functionRejected,
      nonRetryable: true,
      message: `function chargePayment rejected order ${orderId}: card declined`,
      details: [{ function: 'chargePayment', type }],
    });
    expect(cause?.cause).toBeInstanceOf(ActivityFailure);
    expect(log.functionCalls()).toEqual(['reserveStock@1', 'chargePayment@1']);
    expect(log.published()).toEqual([]);
    expect(finalStatus).toMatchObject({
      state: 'running',
      currentStep: 'chargePayment',
      completedSteps: ['reserveStock'],
    });
  });

  it('workflows - maximumAttempts 0 retries without a bound; local functions and a local publish run in the workflow task', async () => {
    const { queue, orderId } = unique('wf-local');
    const plan = planOf(
      'process',
      [
        plannedFunction('reserveStock', { taskQueue: queue, local: true }),
        plannedFunction('chargePayment', { taskQueue: queue, retry: { maximumAttempts: 0, initialIntervalMs: 10 } }),
      ],
      undefined,
      { publishLocally: true },
    );
    const log = new CallLog();
    const worker = await mockWorker(env, queue, log, {
      plan: () => plan,
      functions: {
        reserveStock: () => 1,
        // More failures than the default policy's five attempts would allow.
        chargePayment: (_input, attempt) => {
          if (attempt < 7) throw new Error(`provider unavailable (attempt ${attempt})`);
          return 2;
        },
      },
    });
    const result = await whileRunning([worker], async () => {
      const handle = await start('process', queue, stageInput(orderId));
      const done = (await handle.result()) as StageResult;
      const history = await handle.fetchHistory();
      return { done, events: history.events ?? [] };
    });

    expect(result.done.steps.chargePayment).toMatchObject({ attempt: 7 });
    expect(log.published()).toHaveLength(1);
    // Local activities leave markers, not scheduled activity tasks: only chargePayment was scheduled.
    const scheduled = result.events.filter((e) => e.activityTaskScheduledEventAttributes);
    expect(scheduled.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name)).toEqual(['chargePayment']);
    expect(result.events.filter((e) => e.markerRecordedEventAttributes).length).toBe(3);
  });

  it('workflows - a stage of local functions and a local publish runs in one local activity', async () => {
    const { queue, orderId } = unique('wf-local-run');
    const plan = planOf(
      'process',
      [
        plannedFunction('reserveStock', { taskQueue: queue, local: true }),
        plannedFunction('chargePayment', { taskQueue: queue, local: true }),
      ],
      undefined,
      { publishLocally: true },
    );
    const log = new CallLog();
    const worker = await mockWorker(env, queue, log, {
      plan: () => plan,
      functions: {
        reserveStock: () => 1,
        chargePayment: (input) => (input.previous.process?.reserveStock?.result as number) + 1,
      },
    });
    const { result, events, finalStatus } = await whileRunning([worker], async () => {
      const handle = await start('process', queue, stageInput(orderId));
      const done = (await handle.result()) as StageResult;
      return { result: done, events: (await handle.fetchHistory()).events ?? [], finalStatus: await status(handle) };
    });

    expect(log.calls.map((c) => c.kind)).toEqual(['local-run', 'function', 'function', 'publish']);
    expect(result.steps.chargePayment).toMatchObject({ result: 2, attempt: 1 });
    expect(result.published).toMatchObject({ subject: 'ORDERS.processed' });
    expect(finalStatus).toMatchObject({ state: 'completed', completedSteps: ['reserveStock', 'chargePayment'] });
    expect(finalStatus.attempts).toEqual({ reserveStock: 1, chargePayment: 1 });
    // The patch marker and the local run's: nothing scheduled, one workflow task.
    expect(events.filter((e) => e.markerRecordedEventAttributes).length).toBe(2);
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    expect(events.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
  });

  it('workflows - a local function that fails in the local run is retried under its own policy from there', async () => {
    const { queue, orderId } = unique('wf-local-retry');
    const plan = planOf(
      'process',
      [
        plannedFunction('reserveStock', { taskQueue: queue, local: true }),
        plannedFunction('chargePayment', { taskQueue: queue, local: true, retry: { maximumAttempts: 3 } }),
      ],
      undefined,
      { publishLocally: true },
    );
    const log = new CallLog();
    const worker = await mockWorker(env, queue, log, {
      plan: () => plan,
      functions: {
        reserveStock: () => 1,
        chargePayment: (_input, attempt) => {
          if (attempt < 3) throw new Error(`provider unavailable (attempt ${attempt})`);
          return 2;
        },
      },
    });
    const { result, events } = await whileRunning([worker], async () => {
      const handle = await start('process', queue, stageInput(orderId));
      const done = (await handle.result()) as StageResult;
      return { result: done, events: (await handle.fetchHistory()).events ?? [] };
    });

    // Three attempts in all, as the policy allows: the local run's try counts as the first.
    expect(log.functionCalls()).toEqual(['reserveStock@1', 'chargePayment@1', 'chargePayment@2', 'chargePayment@3']);
    expect(result.steps.chargePayment).toMatchObject({ result: 2, attempt: 3 });
    expect(result.steps.reserveStock).toMatchObject({ attempt: 1 });
    expect(log.published()).toHaveLength(1);
    // The first retry waited the policy's initial interval, as after the function's own activity.
    expect(events.filter((e) => e.timerStartedEventAttributes)).toHaveLength(1);
  });

  it('workflows - a local function that gives up in the local run fails the stage after its remaining attempts', async () => {
    const { queue, orderId } = unique('wf-local-exhausted');
    const plan = planOf(
      'process',
      [plannedFunction('chargePayment', { taskQueue: queue, local: true, retry: { maximumAttempts: 2 } })],
      undefined,
      { publishLocally: true },
    );
    const log = new CallLog();
    const worker = await mockWorker(env, queue, log, {
      plan: () => plan,
      functions: {
        chargePayment: (_input, attempt) => {
          throw new Error(`provider unavailable (attempt ${attempt})`);
        },
      },
    });
    const failure = await whileRunning([worker], async () => {
      const handle = await start('process', queue, stageInput(orderId));
      return handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
    });

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(log.functionCalls()).toEqual(['chargePayment@1', 'chargePayment@2']);
    expect(log.published()).toEqual([]);
  });

  it('workflows - a local function rejected in the local run fails the stage at once, as a rejection', async () => {
    const { queue, orderId } = unique('wf-local-reject');
    const plan = planOf('process', [plannedFunction('chargePayment', { taskQueue: queue, local: true })], undefined, {
      publishLocally: true,
    });
    const log = new CallLog();
    const worker = await mockWorker(env, queue, log, {
      plan: () => plan,
      functions: {
        chargePayment: () => {
          throw ApplicationFailure.create({ type: 'CardDeclined', message: 'card declined', nonRetryable: true });
        },
      },
    });
    const failure = await whileRunning([worker], async () => {
      const handle = await start('process', queue, stageInput(orderId));
      return handle.result().then(
        () => undefined,
        (err: unknown) => err,
      );
    });

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause).toMatchObject({
      type: FAILURE_TYPES.functionRejected,
      nonRetryable: true,
      message: `function chargePayment rejected order ${orderId}: card declined`,
      details: [{ function: 'chargePayment', type: 'CardDeclined' }],
    });
    expect(log.functionCalls()).toEqual(['chargePayment@1']);
    expect(log.published()).toEqual([]);
  });

  it('workflows - a local function allowed one attempt is left to its own local activity', async () => {
    const { queue, orderId } = unique('wf-local-once');
    const plan = planOf(
      'process',
      [
        plannedFunction('reserveStock', { taskQueue: queue, local: true, retry: { maximumAttempts: 1 } }),
        plannedFunction('chargePayment', { taskQueue: queue, local: true }),
      ],
      undefined,
      { publishLocally: true },
    );
    const log = new CallLog();
    const worker = await mockWorker(env, queue, log, {
      plan: () => plan,
      functions: { reserveStock: () => 1, chargePayment: () => 2 },
    });
    const events = await whileRunning([worker], async () => {
      const handle = await start('process', queue, stageInput(orderId));
      await handle.result();
      return (await handle.fetchHistory()).events ?? [];
    });

    // The local run only read the plan; each function and the publish then ran on their own.
    expect(log.calls.map((c) => c.kind)).toEqual(['local-run', 'function', 'function', 'publish']);
    expect(events.filter((e) => e.markerRecordedEventAttributes).length).toBe(5);
  });

  it('workflows - an empty plan publishes the order directly', async () => {
    const { queue, orderId } = unique('wf-empty');
    const plan: StagePlan = planOf('process', []);
    const log = new CallLog();
    const worker = await mockWorker(env, queue, log, { plan: () => plan });
    const input = stageInput(orderId);
    const { result, finalStatus } = await whileRunning([worker], async () => {
      const handle = await start('process', queue, input);
      return { result: (await handle.result()) as StageResult, finalStatus: await status(handle) };
    });

    expect(log.calls.map((c) => c.kind)).toEqual(['local-run', 'publish']);
    expect(log.published()).toEqual([
      {
        stage: 'process',
        revision: 'r1',
        output: { order: input.order, stages: { process: {} } },
        headers: input.source.headers,
      },
    ]);
    expect(result).toMatchObject({ plan, steps: {}, published: { subject: 'ORDERS.processed', streamSeq: 1 } });
    expect(finalStatus).toMatchObject({ state: 'completed', completedSteps: [], attempts: {} });
  });
});
