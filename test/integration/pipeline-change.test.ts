/**
 * Issue #9: a stage's functions change while orders run (a worker with the new pipeline replaces
 * the old one), and every order completes with the plan its run started with. The old runs go on
 * on the new worker: it must still host what their plans name (a kept function, or a removed one
 * under `retired`); when it does not, the run waits, visibly, until a worker that does comes.
 * Every check reads the servers' state: the stage outputs on the stream, the runs' results and
 * status queries, the dead letters.
 */
import { defineFunction, definePipeline } from '../../activities';
import type { OrderflowFunction, Pipeline as FunctionsPipeline } from '../../activities';
import { stagePlans } from '../../activities/plan';
import type { StageName } from '../../workflows/names';
import { DEFAULT_TASK_QUEUE, DLQ_STREAM, workflowIdFor } from '../../workflows/names';
import type { StageOutput, StagePlan, StageResult, StageStatus } from '../../workflows/types';
import type { Pipeline } from '../harness/pipeline';
import {
  orders,
  orderIdsOn,
  outputsOn,
  publish,
  runsOf,
  startBridge,
  startPipeline,
  startWorker,
  stopComponents,
  stopWorker,
  waitFor,
} from '../harness/pipeline';

/** One call of a test function: which worker build ran it, for which order. */
interface Call {
  readonly fn: string;
  readonly build: string;
  readonly orderId: string;
}

/**
 * The functions of one test, in as many builds as it deploys. `a` blocks until the test opens
 * the gate, so the old runs are caught mid-stage when their worker is replaced; on the worker's
 * shutdown it fails (retryably) so that Temporal retries it on the next worker.
 */
class Functions {
  readonly calls: Call[] = [];
  private openGate!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.openGate = resolve));

  open(): void {
    this.openGate();
  }

  /** Distinct orders `fn` was called for on `build`. */
  ordersCalled(fn: string, build: string): Set<string> {
    return new Set(this.calls.filter((c) => c.fn === fn && c.build === build).map((c) => c.orderId));
  }

  define(name: string, build: string): OrderflowFunction {
    return defineFunction({
      name,
      // Quick retries: the retry after the old worker's shutdown is part of the scenario.
      retry: { initialInterval: '200ms', maximumInterval: '1s' },
      run: async (order, ctx) => {
        this.calls.push({ fn: name, build, orderId: order.orderId });
        if (name === 'a') await this.untilOpen(ctx.signal);
        return { fn: name, build };
      },
    });
  }

  private untilOpen(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      // As a function handing ctx.signal to fetch() would: at the worker's shutdown the attempt
      // ends with the abort reason, which the SDK reports as a failed attempt, retried elsewhere.
      const shutDown = (): void => reject(signal.reason as Error);
      if (signal.aborted) return shutDown();
      signal.addEventListener('abort', shutDown, { once: true });
      void this.gate.then(() => {
        signal.removeEventListener('abort', shutDown);
        resolve();
      });
    });
  }

  /** A pipeline of this test's functions, built as `build`. */
  pipeline(build: string, stages: Record<StageName | 'retired', readonly string[]>): FunctionsPipeline {
    const fns = (names: readonly string[]): OrderflowFunction[] => names.map((n) => this.define(n, build));
    return definePipeline({
      process: fns(stages.process),
      dispatch: fns(stages.dispatch),
      retired: fns(stages.retired),
    });
  }
}

/** The plans a pipeline-queue worker of `pipeline` built as `build` hands out. */
function plansOf(pipeline: FunctionsPipeline, build: string): Record<StageName, StagePlan> {
  return stagePlans(pipeline, DEFAULT_TASK_QUEUE, build);
}

/** The stage outputs stored on `subject` for the orders in `ids`, repeats kept. */
async function outputsFor(p: Pipeline, subject: string, ids: ReadonlySet<string>): Promise<StageOutput[]> {
  return (await outputsOn(p, subject)).filter((o) => ids.has(o.order.orderId));
}

async function idsOn(p: Pipeline, subject: string, ids: ReadonlySet<string>): Promise<string[]> {
  return (await orderIdsOn(p, subject)).filter((id) => ids.has(id)).sort();
}

async function deadLetters(p: Pipeline): Promise<number> {
  return (await p.jsm.streams.info(DLQ_STREAM)).state.messages;
}

/**
 * Waits until each of `ids` is on ORDERS.completed, then checks that each went through each stage
 * once: one message on ORDERS.processed and ORDERS.completed, one run of each stage's workflow,
 * that run completed. Returns the ORDERS.completed messages by order ID. (The harness's
 * expectCompletedOnce is for the demo pipeline: it also counts the demo functions' effects.)
 */
async function expectEachStageRanOnce(p: Pipeline, ids: readonly string[]): Promise<Map<string, StageOutput>> {
  const wanted = new Set(ids);
  await waitFor(
    `${ids.length} orders on ORDERS.completed`,
    async () => (await idsOn(p, 'ORDERS.completed', wanted)).length >= ids.length,
    90_000,
  );
  const sorted = [...ids].sort();
  expect(await idsOn(p, 'ORDERS.processed', wanted)).toEqual(sorted);
  expect(await idsOn(p, 'ORDERS.completed', wanted)).toEqual(sorted);
  for (const id of ids) {
    for (const stage of ['process', 'dispatch'] as const) {
      const workflowId = workflowIdFor(stage, id);
      const description = await p.client.workflow.getHandle(workflowId).describe();
      expect([workflowId, await runsOf(p, workflowId), description.status.name]).toEqual([workflowId, 1, 'COMPLETED']);
    }
  }
  return new Map((await outputsFor(p, 'ORDERS.completed', wanted)).map((o) => [o.order.orderId, o]));
}

const result = (p: Pipeline, stage: StageName, id: string): Promise<StageResult> =>
  p.client.workflow.getHandle(workflowIdFor(stage, id)).result() as Promise<StageResult>;

/** Function name and worker build of each step of a stage, in the order the run ran them. */
function stepsOf(output: StageOutput, stage: StageName): Array<[string, string]> {
  return Object.entries(output.stages[stage] ?? {}).map(([name, step]) => [name, step.build]);
}

describe('pipeline change - a worker with a new pipeline replaces the old one while orders run', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  }, 60_000);
  afterEach(stopComponents, 60_000);
  afterAll(() => p?.stop(), 60_000);

  it('pipeline change - every order completes once, each run with the plan it started with, old runs finishing on the new worker', async () => {
    const fns = new Functions();
    const v1 = fns.pipeline('v1', { process: ['a', 'b'], dispatch: ['ship'], retired: [] });
    // Reordered (a second), a new function (c), one removed from the stage but still hosted for
    // the runs whose plans name it (b), and a new function in the other stage (notify).
    const v2 = fns.pipeline('v2', { process: ['c', 'a'], dispatch: ['ship', 'notify'], retired: ['b'] });
    const dlqBefore = await deadLetters(p);

    const oldWorker = await startWorker(p, undefined, { pipeline: v1, build: 'v1' });
    await startBridge(p);
    const before = orders(20, 'pc-before-').map((o) => o.orderId);
    await publish(p, orders(20, 'pc-before-'));
    await waitFor('every early order running a on v1', () => Promise.resolve(fns.ordersCalled('a', 'v1').size === 20));

    // A rolling replacement: the new worker is up before the old one stops. The old one's `a`
    // calls end with its shutdown and are retried on the new worker, still held by the gate.
    await startWorker(p, undefined, { pipeline: v2, build: 'v2' });
    await stopWorker(oldWorker);
    expect(await idsOn(p, 'ORDERS.processed', new Set(before))).toEqual([]);
    fns.open();
    const after = orders(10, 'pc-after-').map((o) => o.orderId);
    await publish(p, orders(10, 'pc-after-'));

    const completed = await expectEachStageRanOnce(p, [...before, ...after]);
    const plans = { v1: plansOf(v1, 'v1'), v2: plansOf(v2, 'v2') };
    for (const id of before) {
      // The process run kept v1's plan ([a, b]) although every one of its functions ran on v2.
      const process = await result(p, 'process', id);
      expect([id, process.plan]).toEqual([id, plans.v1.process]);
      expect([id, stepsOf(completed.get(id)!, 'process')]).toEqual([
        id,
        [
          ['a', 'v2'],
          ['b', 'v2'],
        ],
      ]);
      expect(process.steps.a?.attempt).toBeGreaterThan(1);
      // Its dispatch run started after the change, so it has v2's dispatch plan.
      expect([id, (await result(p, 'dispatch', id)).plan]).toEqual([id, plans.v2.dispatch]);
      expect([id, stepsOf(completed.get(id)!, 'dispatch')]).toEqual([
        id,
        [
          ['ship', 'v2'],
          ['notify', 'v2'],
        ],
      ]);
    }
    for (const id of after) {
      expect([id, (await result(p, 'process', id)).plan]).toEqual([id, plans.v2.process]);
      expect([id, (await result(p, 'dispatch', id)).plan]).toEqual([id, plans.v2.dispatch]);
      expect([id, stepsOf(completed.get(id)!, 'process'), stepsOf(completed.get(id)!, 'dispatch')]).toEqual([
        id,
        [
          ['c', 'v2'],
          ['a', 'v2'],
        ],
        [
          ['ship', 'v2'],
          ['notify', 'v2'],
        ],
      ]);
    }
    // A function ran only for the runs whose plans name it: c never for an early order, b never for a late one.
    const early = new Set(before);
    expect(
      fns.calls.filter((c) => (c.fn === 'c' && early.has(c.orderId)) || (c.fn === 'b' && !early.has(c.orderId))),
    ).toEqual([]);
    expect(await deadLetters(p)).toBe(dlqBefore);
  }, 180_000);

  it('pipeline change - a run whose function no worker hosts waits, naming it, and completes with its plan once a worker hosts it', async () => {
    const fns = new Functions();
    const v1 = fns.pipeline('v1', { process: ['a', 'b'], dispatch: ['ship'], retired: [] });
    // b dropped without `retired`: the early runs' plans still name it.
    const withoutB = fns.pipeline('v2-without-b', { process: ['c', 'a'], dispatch: ['ship', 'notify'], retired: [] });
    const v3 = fns.pipeline('v3', { process: ['c', 'a'], dispatch: ['ship', 'notify'], retired: ['b'] });
    const dlqBefore = await deadLetters(p);

    const oldWorker = await startWorker(p, undefined, { pipeline: v1, build: 'v1' });
    await startBridge(p);
    const ids = orders(3, 'pc-gone-').map((o) => o.orderId);
    await publish(p, orders(3, 'pc-gone-'));
    await waitFor('every order running a on v1', () =>
      Promise.resolve(fns.ordersCalled('a', 'v1').size === ids.length),
    );

    const unhosting = await startWorker(p, undefined, { pipeline: withoutB, build: 'v2-without-b' });
    await stopWorker(oldWorker);
    fns.open();
    const status = (id: string): Promise<StageStatus> =>
      p.client.workflow.getHandle(workflowIdFor('process', id)).query<StageStatus>('status');
    await waitFor('every run waiting for a worker that hosts b', async () => {
      for (const id of ids) if (!(await status(id)).waiting?.includes('function b')) return false;
      return true;
    });
    for (const id of ids) {
      const waiting = await status(id);
      expect([id, waiting.state, waiting.currentStep, waiting.completedSteps, waiting.plan?.build]).toEqual([
        id,
        'running',
        'b',
        ['a'],
        'v1',
      ]);
    }
    // Waiting is not failing: nothing failed, nothing was dead-lettered, nothing went on.
    expect(await idsOn(p, 'ORDERS.processed', new Set(ids))).toEqual([]);
    for (const id of ids) expect(await runsOf(p, workflowIdFor('process', id))).toBe(1);
    expect(await deadLetters(p)).toBe(dlqBefore);

    // The worker without b stops before the one with it starts, so the run's next call of b can
    // only reach the new one (reaching the old one again would double the run's wait).
    await stopWorker(unhosting);
    await startWorker(p, undefined, { pipeline: v3, build: 'v3' });

    const completed = await expectEachStageRanOnce(p, ids);
    const v1Plans = plansOf(v1, 'v1');
    for (const id of ids) {
      expect([id, (await result(p, 'process', id)).plan]).toEqual([id, v1Plans.process]);
      expect([id, stepsOf(completed.get(id)!, 'process')]).toEqual([
        id,
        [
          ['a', 'v2-without-b'],
          ['b', 'v3'],
        ],
      ]);
      expect([id, (await result(p, 'dispatch', id)).plan]).toEqual([id, plansOf(v3, 'v3').dispatch]);
    }
    // b never ran on a worker that does not host it: the run asked, was told, and waited.
    expect(fns.calls.filter((c) => c.fn === 'b').map((c) => c.build)).toEqual(ids.map(() => 'v3'));
    expect(await deadLetters(p)).toBe(dlqBefore);
  }, 180_000);
});
