/**
 * The servers themselves die mid-run and come back on their data: every order still completes
 * exactly once, and the bridge does not burn deliveries while Temporal is away.
 */
import { expectCompletedOnce, expectDrained, idsWithPrefix } from '../harness/expect-pipeline';
import type { Pipeline } from '../harness/pipeline';
import {
  deliveries,
  orders,
  publish,
  startBridge,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';

describe('bridge - server faults', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
  }, 60_000);
  afterEach(stopComponents, 60_000);

  it('Temporal SIGKILLed mid-run and restarted: the bridge pauses without burning deliveries; all complete once', async () => {
    await startWorker(p, { orderPrefix: 't-', step: 'reserveStock', slowMs: 300 });
    const bridge = await startBridge(p, { maxInFlight: '4' });
    const batch = orders(16, 't-');
    const before = await deliveries(p);
    await publish(p, batch);
    await waitFor('a few orders done', async () => (await idsWithPrefix(p, 'ORDERS.completed', 't-')).length >= 2);
    await p.temporal.kill();
    await waitFor('the bridge noticed', () => Promise.resolve(!bridge.temporalReachable), 30_000);
    // Held for longer than the 2 s ack wait while Temporal is down: kept alive, not redelivered.
    await new Promise((r) => setTimeout(r, 4000));
    await p.temporal.restart();

    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      't-',
      120_000,
    );
    await expectDrained(p);
    // Not one redelivery: every order was delivered exactly once, outage or not.
    expect(await deliveries(p)).toBe(before + batch.length);
  }, 180_000);

  it('nats-server SIGKILLed mid-run and restarted on the same store: every order completes once', async () => {
    await startWorker(p, { orderPrefix: 'ns-', step: 'reserveStock', slowMs: 300 });
    await startBridge(p, { maxInFlight: '4' });
    const batch = orders(16, 'ns-');
    await publish(p, batch);
    await waitFor('a few orders done', async () => (await idsWithPrefix(p, 'ORDERS.completed', 'ns-')).length >= 2);
    await p.nats.kill();
    await new Promise((r) => setTimeout(r, 1500));
    await p.nats.restart();

    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      'ns-',
      120_000,
    );
    await expectDrained(p);
  }, 180_000);
});
