/**
 * Many runs held: beyond `--result-long-polls`, the bridge learns that its runs closed from the
 * stage's output (a hint) and one visibility query per sweep instead of a long poll each. Against
 * real servers: every order still completes once and is acked once, none redelivered while its
 * run is healthy; a run that publishes no output (it failed) is found by the sweep alone.
 */
import { expectCompletedOnce, expectDrained } from '../harness/expect-pipeline';
import type { Pipeline } from '../harness/pipeline';
import {
  deliveries,
  lettersOf,
  orders,
  publish,
  startBridge,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';

describe('bridge - runs held beyond the long polls', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
  }, 60_000);
  afterEach(stopComponents, 60_000);
  afterAll(() => p?.stop(), 60_000);

  it('with no long polls at all, every order is acked once after its run, none redelivered', async () => {
    // Slower than the ack wait (2 s): the sweep's runs are kept alive like the long-polled ones.
    await startWorker(p, { orderPrefix: 'swept-', step: 'reserveStock', slowMs: 3000 });
    // The runs' own checks 10 minutes apart: only the sweep can tell the bridge they closed.
    const bridge = await startBridge(p, { resultLongPolls: '0', maxInFlight: '40', stuckCheckMs: '600000' });
    const before = await deliveries(p);
    const batch = orders(30, 'swept-');
    await publish(p, batch);
    await waitFor(
      'runs waiting for the sweep',
      async () => /orderflow_runs_swept\{stage="process"\} ([1-9]\d*)/.test(await bridge.metrics()),
      30_000,
    );
    expect(await bridge.metrics()).toMatch(/orderflow_runs_long_polled\{stage="process"\} 0/);
    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      'swept-',
    );
    await expectDrained(p);
    // One delivery per order: nothing redelivered while its run was healthy.
    expect((await deliveries(p)) - before).toBe(batch.length);
  }, 120_000);

  it('long polls up to the bound and the sweep beyond it: all complete once', async () => {
    await startWorker(p, { orderPrefix: 'mixed-', step: 'reserveStock', slowMs: 1500 });
    const bridge = await startBridge(p, { resultLongPolls: '3', maxInFlight: '20', stuckCheckMs: '600000' });
    const batch = orders(20, 'mixed-');
    await publish(p, batch);
    await waitFor(
      '3 runs long-polled and others swept',
      async () => {
        const text = await bridge.metrics();
        return (
          /orderflow_runs_long_polled\{stage="process"\} 3/.test(text) &&
          /orderflow_runs_swept\{stage="process"\} [1-9]/.test(text)
        );
      },
      30_000,
    );
    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      'mixed-',
    );
    await expectDrained(p);
    expect(await bridge.metrics()).toMatch(/orderflow_runs_long_polled\{stage="process"\} 0/);
  }, 120_000);

  it('a run that fails for good publishes no output: the sweep alone finds it, and its order is dead-lettered', async () => {
    await startWorker(p, { orderPrefix: 'declined-', step: 'chargePayment', failForGood: true });
    await startBridge(p, { resultLongPolls: '0', stuckCheckMs: '600000' });
    const [order] = orders(1, 'declined-');
    await publish(p, [order!]);
    await waitFor(
      'the rejected order dead-lettered',
      async () => (await lettersOf(p, order!.orderId)).length === 1,
      30_000,
    );
    expect((await lettersOf(p, order!.orderId))[0]!.reason).toContain('rejected');
    await expectDrained(p);
  }, 60_000);
});
