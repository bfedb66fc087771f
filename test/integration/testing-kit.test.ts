/**
 * testing kit - startPipelineTest runs a whole pipeline in-process, on a nats-server and a
 * Temporal server of its own whose runs skip time: an order whose function is retried after an
 * hour's backoff completes within the test's few seconds, which real time could not do. What the
 * functions did is counted from the outside (calls made), not only read from the outcome.
 */
import { NonRetryableError } from '../../activities/errors';
import { defineFunction, definePipeline } from '../../activities/define';
import { KitError } from '../../local/testing/kit-error';
import type { PipelineTest } from '../../local/testing/pipeline-test';
import { startPipelineTest } from '../../local/testing/pipeline-test';

const calls: Array<{ fn: string; orderId: string; attempt: number }> = [];

const charge = defineFunction({
  name: 'charge',
  // An hour before the retry: only time skipping lets the order finish within the test.
  retry: { maximumAttempts: 3, initialInterval: '1h', maximumInterval: '2h' },
  run: (order, ctx) => {
    calls.push({ fn: 'charge', orderId: order.orderId, attempt: ctx.attempt });
    if (order.metadata?.decline === 'yes') throw new NonRetryableError('card declined', { type: 'CardDeclined' });
    if (ctx.attempt === 1) throw new Error('payments API timed out');
    return { chargeId: `ch-${order.orderId}` };
  },
});

const ship = defineFunction({
  name: 'ship',
  needs: { process: [charge] },
  run: (order, ctx) => {
    calls.push({ fn: 'ship', orderId: order.orderId, attempt: ctx.attempt });
    return { label: `label-for-${ctx.results.process.charge.chargeId}` };
  },
});

const pipeline = definePipeline({ process: [charge], dispatch: [ship] });

const order = (orderId: string, metadata?: Record<string, string>) => ({
  orderId,
  customerId: 'c-1',
  currency: 'EUR',
  items: [{ sku: 'sku-1', quantity: 1, unitPrice: 12 }],
  ...(metadata ? { metadata } : {}),
});

describe('testing kit - startPipelineTest', () => {
  let env: PipelineTest<typeof pipeline>;

  beforeAll(async () => {
    env = await startPipelineTest(pipeline, { orderTimeout: '45s', maxDeliveries: 2 });
  }, 120_000);

  afterAll(async () => {
    await env?.stop();
  });

  it('testing kit - a retry after an hour completes at once, each function called as often as its attempts, results typed', async () => {
    const outcome = await env.runOrder(order('kit-1'));
    expect(outcome.status).toBe('completed');
    if (outcome.status !== 'completed') return;
    const label: string = outcome.results.dispatch.ship.label;
    expect(label).toBe('label-for-ch-kit-1');
    expect(outcome.attempts).toEqual({ process: { charge: 2 }, dispatch: { ship: 1 } });
    expect(calls.filter((c) => c.orderId === 'kit-1')).toEqual([
      { fn: 'charge', orderId: 'kit-1', attempt: 1 },
      { fn: 'charge', orderId: 'kit-1', attempt: 2 },
      { fn: 'ship', orderId: 'kit-1', attempt: 1 },
    ]);
  });

  it('testing kit - an order whose function rejects it is dead-lettered at once with the reason: the function called once, the next stage never', async () => {
    const outcome = await env.runOrder(order('kit-2', { decline: 'yes' }));
    expect(outcome).toMatchObject({ status: 'dead-lettered', orderId: 'kit-2', stage: 'process', kind: 'failed' });
    if (outcome.status === 'dead-lettered')
      expect(outcome.reason).toMatch(/card declined.*\(rejected: not run again\)$/);
    // maxDeliveries is 2: a rejection is not run again by the bridge (no second charge under the key).
    expect(calls.filter((c) => c.orderId === 'kit-2')).toEqual([{ fn: 'charge', orderId: 'kit-2', attempt: 1 }]);
  });

  it('testing kit - an order the bridge would refuse, and an option the kit does not know, are one clear KitError', async () => {
    await expect(env.runOrder({ ...order('kit-3'), items: [] })).rejects.toThrow(
      /runOrder: the order is not valid: items/,
    );
    await expect(startPipelineTest(pipeline, { orderTimout: '1s' } as never)).rejects.toThrow(KitError);
    await expect(startPipelineTest(pipeline, { orderTimout: '1s' } as never)).rejects.toThrow(
      /unknown option orderTimout \(did you mean orderTimeout\?\)/,
    );
    await expect(startPipelineTest(pipeline, { onProgress: 'stderr' } as never)).rejects.toThrow(
      'startPipelineTest onProgress: give a function of one line, (line) => ...',
    );
  });
});
