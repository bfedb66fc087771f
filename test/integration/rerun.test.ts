/**
 * Issue #11's rerun after a bug fix, on real servers: 50 orders through a pipeline whose second
 * function has a bug for 10 of them (they fail for good and are dead-lettered at once), the
 * function fixed by a new worker, then `orderflow rerun --only failed --tag INC-1 --yes` as a user
 * runs it. Every check counts from the servers' state: the rerun runs Temporal holds, the stage
 * outputs on the stream, the effects each function recorded and the keys it was handed.
 */
import { NonRetryableError, defineFunction, definePipeline } from '../../activities';
import type { Pipeline as FunctionsPipeline } from '../../activities';
import type { OrderTimeline } from '../../operate/status/order-timeline';
import { orderRevision } from '../../shared/orders/revision';
import { DLQ_STREAM, effectKey, idempotencyKeyFor, rerunWorkflowIdFor, workflowIdFor } from '../../workflows/names';
import type { StageResult } from '../../workflows/types';
import { expectNoStackTrace, runCli } from '../harness/cli';
import type { Pipeline } from '../harness/pipeline';
import {
  orderIdsOn,
  orders,
  publish,
  runsOf,
  startBridge,
  startPipeline,
  startWorker,
  stopComponents,
  stopWorker,
  waitFor,
} from '../harness/pipeline';

/** One call of a test function: for which order, with which key. */
interface Call {
  readonly fn: string;
  readonly orderId: string;
  readonly key: string;
}

const ALL = orders(50, 'rr-');
const BROKEN = new Set(ALL.filter((_, i) => i % 5 === 2).map((o) => o.orderId));
const HEALTHY = ALL.map((o) => o.orderId).filter((id) => !BROKEN.has(id));

/**
 * process: `reserve` (records its result: an effect applied once) then `validate`, which the
 * unfixed build rejects for the BROKEN orders; dispatch: `ship`.
 */
function pipelineOf(calls: Call[], fixed: boolean): FunctionsPipeline {
  const fn = (name: string, recordResult: boolean, run?: (orderId: string) => void) =>
    defineFunction({
      name,
      recordResult,
      run: (order, ctx) => {
        calls.push({ fn: name, orderId: order.orderId, key: ctx.idempotencyKey });
        run?.(order.orderId);
        return { fn: name, key: ctx.idempotencyKey };
      },
    });
  return definePipeline({
    process: [
      fn('reserve', true),
      fn('validate', false, (orderId) => {
        if (!fixed && BROKEN.has(orderId)) throw new NonRetryableError(`bug: ${orderId} refused`);
      }),
    ],
    dispatch: [fn('ship', false)],
  });
}

async function runStatus(p: Pipeline, id: string): Promise<string> {
  const described = await p.client.workflow
    .getHandle(id)
    .describe()
    .catch(() => undefined);
  return described?.status.name ?? 'none';
}

/** Every rerun run Temporal holds, by workflow ID. */
async function rerunIds(p: Pipeline): Promise<string[]> {
  const ids: string[] = [];
  for await (const run of p.client.workflow.list({ query: `WorkflowType = 'processOrder'` }))
    if (run.workflowId.includes('@rerun-')) ids.push(run.workflowId);
  return ids.sort();
}

const count = (ids: readonly string[], id: string): number => ids.filter((x) => x === id).length;

describe('rerun - orders that failed run again after a fix, as new runs tagged with an incident', () => {
  let p: Pipeline;
  const calls: Call[] = [];
  const rerun = (...args: string[]) => runCli(['rerun', ...args], { env: p.env, timeoutMs: 60_000 });

  beforeAll(async () => {
    p = await startPipeline();
  }, 60_000);
  afterEach(stopComponents, 60_000);
  afterAll(() => p?.stop(), 60_000);

  it('rerun - 10 of 50 fail for a bug; after the fix, --only failed --tag INC-1 completes exactly those 10, once; the same rerun again starts 0', async () => {
    const broken = await startWorker(p, undefined, { pipeline: pipelineOf(calls, false), build: 'rr@1' });
    await startBridge(p, { maxDeliveries: '1' });
    await publish(p, ALL);
    await waitFor(
      '40 orders completed and 10 dead letters',
      async () =>
        (await orderIdsOn(p, 'ORDERS.completed')).length === 40 &&
        (await p.jsm.streams.info(DLQ_STREAM)).state.messages === 10,
      90_000,
    );
    for (const id of BROKEN) expect([id, await runStatus(p, workflowIdFor('process', id))]).toEqual([id, 'FAILED']);

    await startWorker(p, undefined, { pipeline: pipelineOf(calls, true), build: 'rr@2' });
    await stopWorker(broken);
    const callsBefore = calls.length;

    const first = await rerun('--only', 'failed', '--tag', 'INC-1', '--yes');
    expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 0 });
    expect(first.stdout).toContain(
      'read 50 messages: 10 to run, 0 already rerun as INC-1, 40 skipped (40 latest run COMPLETED)',
    );
    expect(first.stdout).toContain('started 10, already rerun 0, failed to start 0');

    // Exactly the 10 reruns exist, and each completes (describe is read-your-writes; the list,
    // from visibility, may lag, so it is read once it caught up).
    const expected = [...BROKEN].map((id) => rerunWorkflowIdFor('process', id, 'INC-1')).sort();
    for (const id of expected) {
      const result = (await p.client.workflow.getHandle(id).result()) as StageResult;
      expect([id, result.published.duplicate]).toEqual([id, false]);
    }
    for (const id of HEALTHY)
      expect([id, await runStatus(p, rerunWorkflowIdFor('process', id, 'INC-1'))]).toEqual([id, 'none']);
    await waitFor('the reruns listed', async () => (await rerunIds(p)).length >= expected.length);
    expect(await rerunIds(p)).toEqual(expected);

    // Their output went on through the bridge: each of the 10 reaches ORDERS.completed once,
    // dispatched by its own (first and only) dispatch run; the 40 others are untouched.
    await waitFor('50 orders completed', async () => (await orderIdsOn(p, 'ORDERS.completed')).length >= 50, 60_000);
    const completed = await orderIdsOn(p, 'ORDERS.completed');
    const processed = await orderIdsOn(p, 'ORDERS.processed');
    for (const o of ALL) {
      expect([o.orderId, count(completed, o.orderId), count(processed, o.orderId)]).toEqual([o.orderId, 1, 1]);
      expect([o.orderId, await runsOf(p, workflowIdFor('dispatch', o.orderId))]).toEqual([o.orderId, 1]);
      expect([o.orderId, await runsOf(p, workflowIdFor('process', o.orderId))]).toEqual([o.orderId, 1]);
    }
    const rerunCalls = calls.slice(callsBefore);
    expect(new Set(rerunCalls.map((c) => c.orderId))).toEqual(BROKEN);
    expect(rerunCalls.filter((c) => HEALTHY.includes(c.orderId))).toEqual([]);

    // Not applied again: `reserve` succeeded in the first run and was not called by the rerun; its
    // recorded result came back under the first run's keys. `validate` ran under the same key.
    for (const id of BROKEN) {
      const revision = orderRevision(ALL.find((o) => o.orderId === id)!);
      const result = (await p.client.workflow
        .getHandle(rerunWorkflowIdFor('process', id, 'INC-1'))
        .result()) as StageResult;
      expect([id, result.steps.reserve]).toMatchObject([
        id,
        {
          idempotencyKey: idempotencyKeyFor('process', 'reserve', id, revision),
          effectKey: effectKey('process', 'reserve', id, revision),
          applied: false,
        },
      ]);
      expect([id, result.steps.validate!.idempotencyKey]).toEqual([
        id,
        idempotencyKeyFor('process', 'validate', id, revision),
      ]);
      expect([id, rerunCalls.filter((c) => c.orderId === id && c.fn === 'reserve')]).toEqual([id, []]);
    }

    // The same rerun again starts nothing.
    const again = await rerun('--only', 'failed', '--tag', 'INC-1', '--yes');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 to run, 10 already rerun as INC-1');
    expect(again.stdout).toContain('started 0, already rerun 10, failed to start 0');
    for (const id of HEALTHY)
      expect([id, await runStatus(p, rerunWorkflowIdFor('process', id, 'INC-1'))]).toEqual([id, 'none']);
    expect(await rerunIds(p)).toEqual(expected);

    // status shows an order's rerun with its tag.
    const [one] = [...BROKEN];
    const line = `process rerun INC-1 (${rerunWorkflowIdFor('process', one!, 'INC-1')}): COMPLETED, started `;
    await waitFor('status showing the rerun', async () =>
      (await runCli(['status', one!], { env: p.env })).stdout.includes(line),
    );
    const json = JSON.parse((await runCli(['status', one!, '--json'], { env: p.env })).stdout) as OrderTimeline;
    expect(json.stages[0]!.status).toBe('FAILED');
    expect(json.stages[0]!.reruns).toEqual([
      expect.objectContaining({ tag: 'INC-1', status: 'COMPLETED', reapply: false }),
    ]);
    expect(json.stages[1]!.reruns).toBeUndefined();
  }, 240_000);

  it('rerun - --reapply hands the functions new keys carrying the tag, so their effects apply again; nothing starts without --yes off a terminal', async () => {
    await startWorker(p, undefined, { pipeline: pipelineOf(calls, true), build: 'rr@2' });
    await startBridge(p, { maxDeliveries: '1' });
    const id = [...BROKEN][0]!;
    const revision = orderRevision(ALL.find((o) => o.orderId === id)!);

    const unconfirmed = await rerun('--only', 'all', '--order', id, '--tag', 'INC-2', '--reapply');
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stdout).toContain('1 to run');
    expect(unconfirmed.stderr).toContain('1 run not started: add --yes to start them');
    expectNoStackTrace(unconfirmed);
    expect(await runStatus(p, rerunWorkflowIdFor('process', id, 'INC-2'))).toBe('none');

    const callsBefore = calls.length;
    const reapplied = await rerun('--only', 'all', '--order', id, '--tag', 'INC-2', '--reapply', '--yes');
    expect([reapplied.code, reapplied.stdout]).toEqual([0, expect.stringContaining('started 1, already rerun 0')]);
    const result = (await p.client.workflow
      .getHandle(rerunWorkflowIdFor('process', id, 'INC-2'))
      .result()) as StageResult;
    expect(result.steps.reserve).toMatchObject({
      idempotencyKey: `orderflow:process:reserve:${revision}=INC-2:${id}`,
      effectKey: effectKey('process', 'reserve', id, revision, 'INC-2'),
      applied: true,
    });
    expect(result.steps.validate!.idempotencyKey).toBe(idempotencyKeyFor('process', 'validate', id, revision, 'INC-2'));
    expect(calls.slice(callsBefore).map((c) => [c.fn, c.key])).toEqual([
      ['reserve', idempotencyKeyFor('process', 'reserve', id, revision, 'INC-2')],
      ['validate', idempotencyKeyFor('process', 'validate', id, revision, 'INC-2')],
    ]);
    // The first run's effect is still there, untouched; the stage's output was not published again.
    expect((await p.kv.get(effectKey('process', 'reserve', id, revision)))?.operation).toBe('PUT');
    expect(result.published.duplicate).toBe(true);
    expect(count(await orderIdsOn(p, 'ORDERS.processed'), id)).toBe(1);

    const reruns = async (): Promise<unknown> => {
      const json = JSON.parse((await runCli(['status', id, '--json'], { env: p.env })).stdout) as OrderTimeline;
      return json.stages[0]!.reruns?.map((r) => [r.tag, r.status, r.reapply]);
    };
    const shown = [
      ['INC-1', 'COMPLETED', false],
      ['INC-2', 'COMPLETED', true],
    ];
    await waitFor('status showing both reruns', async () => JSON.stringify(await reruns()) === JSON.stringify(shown));
  }, 120_000);
});
