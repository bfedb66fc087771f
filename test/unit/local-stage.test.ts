/**
 * The stage's local run (activities/local-stage.ts) with fake functions and publish: what it runs,
 * where it stops and how it tells the workflow why. The workflow's side, with a real Temporal
 * server, is in test/workflow/workflows.test.ts.
 */
import { runStageLocally, runsLocally } from '../../activities/local-stage';
import type { LocalStageDeps } from '../../activities/local-stage';
import type { FunctionInput, LocalRunInput, PlannedFunction, PublishInput, StagePlan } from '../../workflows/types';
import { planOf, plannedFunction, stepResult } from '../workflow/stage-mocks';

const QUEUE = 'orderflow';

function local(
  name: string,
  options: Partial<Omit<PlannedFunction, 'retry'>> & { retry?: Partial<PlannedFunction['retry']> } = {},
): PlannedFunction {
  return plannedFunction(name, { taskQueue: QUEUE, local: true, ...options });
}

const INPUT: LocalRunInput = {
  stage: 'process',
  order: { orderId: 'o-1', customerId: 'c-1', currency: 'EUR', items: [{ sku: 'KB-101', quantity: 1, unitPrice: 10 }] },
  revision: 'r1',
  upstream: {},
  headers: { traceparent: '00-abc-def-01' },
};

class Declined extends Error {
  override readonly name = 'Declined';
}

/** Fake deps: each function by name, the calls made, and the publishes. */
function fakes(
  functions: Record<string, (input: FunctionInput, signal: AbortSignal) => Promise<unknown>>,
  options: { publish?: () => Promise<never>; signal?: AbortSignal } = {},
): { deps: LocalStageDeps; calls: string[]; published: PublishInput[] } {
  const calls: string[] = [];
  const published: PublishInput[] = [];
  const deps: LocalStageDeps = {
    runFunction: async (fn, input, signal) => {
      calls.push(fn.name);
      const result = (await functions[fn.name]!(input, signal)) as number;
      return stepResult(input.stage, fn.name, input.order.orderId, result);
    },
    publish: (input) => {
      published.push(input);
      return options.publish
        ? options.publish()
        : Promise.resolve({ subject: 'ORDERS.processed', streamSeq: 9, duplicate: false });
    },
    isNonRetryable: (err) => err instanceof Error && (err as { nonRetryable?: boolean }).nonRetryable === true,
    signal: options.signal ?? new AbortController().signal,
  };
  return { deps, calls, published };
}

function publishing(functions: PlannedFunction[]): StagePlan {
  return planOf('process', functions, undefined, { publishLocally: true });
}

describe('local stage - one local activity for the leading local functions', () => {
  it('local stage - runs the local functions in order, each with the results before it, then publishes them all', async () => {
    const { deps, calls, published } = fakes({
      reserveStock: () => Promise.resolve(1),
      chargePayment: (input) => Promise.resolve((input.previous.process?.reserveStock?.result as number) + 1),
    });
    const run = await runStageLocally(publishing([local('reserveStock'), local('chargePayment')]), INPUT, deps);

    expect(calls).toEqual(['reserveStock', 'chargePayment']);
    expect(run.steps.chargePayment).toMatchObject({ result: 2 });
    expect(run.published).toEqual({ subject: 'ORDERS.processed', streamSeq: 9, duplicate: false });
    expect(run.stopped).toBeUndefined();
    expect(published).toEqual([
      {
        stage: 'process',
        revision: 'r1',
        output: { order: INPUT.order, stages: { process: run.steps } },
        headers: INPUT.headers,
      },
    ]);
  });

  it('local stage - leaves a function with a task queue, and everything after it, to the workflow', async () => {
    const { deps, calls, published } = fakes({
      reserveStock: () => Promise.resolve(1),
      ship: () => Promise.resolve(2),
    });
    const plan = publishing([
      local('reserveStock'),
      plannedFunction('chargePayment', { taskQueue: 'payments' }),
      local('ship'),
    ]);
    const run = await runStageLocally(plan, INPUT, deps);

    expect(calls).toEqual(['reserveStock']);
    expect(Object.keys(run.steps)).toEqual(['reserveStock']);
    expect(run.published).toBeUndefined();
    expect(published).toEqual([]);
    expect(run.plan).toBe(plan);
  });

  it('local stage - never tries a function allowed a single attempt', async () => {
    const { deps, calls } = fakes({ reserveStock: () => Promise.resolve(1) });
    const once = local('reserveStock', { retry: { maximumAttempts: 1 } });
    expect(runsLocally(once)).toBe(false);
    expect(runsLocally(local('any', { retry: { maximumAttempts: 0 } }))).toBe(true);

    const run = await runStageLocally(publishing([once]), INPUT, deps);

    expect(calls).toEqual([]);
    expect(run.steps).toEqual({});
    expect(run.published).toBeUndefined();
  });

  it('local stage - publishes only when the plan publishes locally', async () => {
    const { deps, published } = fakes({ reserveStock: () => Promise.resolve(1) });
    const run = await runStageLocally(planOf('process', [local('reserveStock')]), INPUT, deps);

    expect(Object.keys(run.steps)).toEqual(['reserveStock']);
    expect(run.published).toBeUndefined();
    expect(published).toEqual([]);
  });

  it('local stage - stops at a failing function with its message, for the workflow to retry; runs nothing after it', async () => {
    const { deps, calls, published } = fakes({
      reserveStock: () => Promise.resolve(1),
      chargePayment: () => Promise.reject(new Error('provider unavailable')),
      ship: () => Promise.resolve(3),
    });
    const run = await runStageLocally(
      publishing([local('reserveStock'), local('chargePayment'), local('ship')]),
      INPUT,
      deps,
    );

    expect(calls).toEqual(['reserveStock', 'chargePayment']);
    expect(Object.keys(run.steps)).toEqual(['reserveStock']);
    expect(run.stopped).toEqual({
      function: 'chargePayment',
      kind: 'failed',
      message: 'provider unavailable',
      type: 'Error',
    });
    expect(published).toEqual([]);
  });

  it.each([
    ['a non-retryable failure', () => Object.assign(new Error('card declined'), { nonRetryable: true }), []],
    ['an error of a type the plan lists as non-retryable', () => new Declined('card declined'), ['Declined']],
  ])('local stage - reports %s as a rejection', async (_what, error, nonRetryableErrorTypes) => {
    const { deps } = fakes({ chargePayment: () => Promise.reject(error()) });
    const run = await runStageLocally(
      publishing([local('chargePayment', { retry: { nonRetryableErrorTypes } })]),
      INPUT,
      deps,
    );

    expect(run.stopped).toMatchObject({ function: 'chargePayment', kind: 'rejected', message: 'card declined' });
  });

  it('local stage - holds each function to its timeout: its signal is aborted and the run stops there', async () => {
    let seen: AbortSignal | undefined;
    const { deps, calls } = fakes({
      chargePayment: (_input, signal) => {
        seen = signal;
        return new Promise(() => undefined);
      },
      ship: () => Promise.resolve(2),
    });
    const run = await runStageLocally(
      publishing([local('chargePayment', { startToCloseTimeoutMs: 50 }), local('ship')]),
      INPUT,
      deps,
    );

    expect(run.stopped).toEqual({
      function: 'chargePayment',
      kind: 'failed',
      message: 'timed out after 50 ms',
      type: 'TimedOut',
    });
    expect(seen?.aborted).toBe(true);
    expect(calls).toEqual(['chargePayment']);
  });

  it('local stage - a failed publish is left to the workflow, with every function done', async () => {
    const { deps, published } = fakes(
      { reserveStock: () => Promise.resolve(1) },
      { publish: () => Promise.reject(new Error('no responders')) },
    );
    const run = await runStageLocally(publishing([local('reserveStock')]), INPUT, deps);

    expect(published).toHaveLength(1);
    expect(Object.keys(run.steps)).toEqual(['reserveStock']);
    expect(run.published).toBeUndefined();
    expect(run.stopped).toBeUndefined();
  });

  it('local stage - a cancelled run ends with the cancellation instead of reporting a failure', async () => {
    const cancel = new AbortController();
    const { deps } = fakes(
      {
        chargePayment: (_input, signal) =>
          new Promise((_, reject) => {
            signal.addEventListener('abort', () => reject(new Error('cancelled by the function')));
            cancel.abort(new Error('worker shutting down'));
          }),
      },
      { signal: cancel.signal },
    );

    await expect(runStageLocally(publishing([local('chargePayment')]), INPUT, deps)).rejects.toThrow(
      'cancelled by the function',
    );
  });
});
