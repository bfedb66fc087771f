/**
 * Local functions through the whole pipeline on real servers: a worker hosting a pipeline whose
 * functions and publish are all local, the bridge on both stages. Each stage runs in one local
 * activity (activities/local-stage.ts) with the worker's real function host, effects bucket and
 * publish; a function whose first try fails is retried by the workflow under its own policy.
 */
import { defineFunction, definePipeline } from '../../activities';
import { workflowIdFor } from '../../workflows/names';
import type { StageResult } from '../../workflows/types';
import type { Pipeline } from '../harness/pipeline';
import {
  orders,
  outputsOn,
  publish,
  startBridge,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';

describe('local functions - a pipeline of local functions on real servers', () => {
  let p: Pipeline;
  /** `function@attempt` of every call, by order. */
  const calls = new Map<string, string[]>();
  const note = (orderId: string, call: string): void => void calls.set(orderId, [...(calls.get(orderId) ?? []), call]);

  beforeAll(async () => {
    p = await startPipeline();
  });
  afterAll(async () => {
    await stopComponents();
    await p.stop();
  });

  it('local functions - every order completes once, each stage in one local activity; a failed first try is retried by the workflow', async () => {
    const pipeline = definePipeline({
      process: [
        defineFunction({
          name: 'reserve',
          local: true,
          recordResult: true,
          run: (order, ctx) => {
            note(order.orderId, `reserve@${ctx.attempt}`);
            return { reserved: order.items.length };
          },
        }),
        defineFunction({
          name: 'charge',
          local: true,
          retry: { initialInterval: '100ms' },
          run: (order, ctx) => {
            note(order.orderId, `charge@${ctx.attempt}`);
            // The first order's first try fails: the workflow retries it, the others pass at once.
            if (order.orderId.endsWith('-1') && ctx.attempt === 1) throw new Error('provider unavailable');
            return { charged: true };
          },
        }),
      ],
      dispatch: [
        defineFunction({
          name: 'ship',
          local: true,
          run: (order, ctx) => {
            note(order.orderId, `ship@${ctx.attempt}`);
            return { parcel: `p-${order.orderId}` };
          },
        }),
      ],
      publishLocally: true,
    });
    await startWorker(p, undefined, { pipeline, build: 'local-test@1' });
    await startBridge(p);
    const list = orders(5, 'loc-');
    await publish(p, list);
    await waitFor('5 orders on ORDERS.completed', async () => (await outputsOn(p, 'ORDERS.completed')).length >= 5);

    const ids = list.map((o) => o.orderId).sort();
    const completed = await outputsOn(p, 'ORDERS.completed');
    expect(completed.map((o) => o.order.orderId).sort()).toEqual(ids);
    expect((await outputsOn(p, 'ORDERS.processed')).map((o) => o.order.orderId).sort()).toEqual(ids);

    const retried = list[0]!.orderId;
    expect(retried.endsWith('-1')).toBe(true);
    expect(calls.get(retried)).toEqual(['reserve@1', 'charge@1', 'charge@2', 'ship@1']);
    for (const order of list.slice(1)) expect(calls.get(order.orderId)).toEqual(['reserve@1', 'charge@1', 'ship@1']);

    const output = completed.find((o) => o.order.orderId === retried)!;
    expect(output.stages.process?.charge).toMatchObject({ attempt: 2, result: { charged: true } });
    expect(output.stages.dispatch?.ship).toMatchObject({ attempt: 1, result: { parcel: `p-${retried}` } });
    // The recorded result is in the effects bucket, under the key the step reports.
    const reserve = output.stages.process!.reserve!;
    expect(reserve.effectKey).toBeDefined();
    expect((await p.kv.get(reserve.effectKey!))?.json()).toMatchObject({ orderId: retried, step: 'reserve' });

    // A stage that went through at once: its plan, functions and publish in one local activity.
    const smooth = list[1]!.orderId;
    const handle = p.client.workflow.getHandle(workflowIdFor('dispatch', smooth));
    expect(((await handle.result()) as StageResult).steps.ship).toMatchObject({ attempt: 1 });
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.markerRecordedEventAttributes)).toHaveLength(2);
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toEqual([]);
    expect(events.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(1);
  });
});
