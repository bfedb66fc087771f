/**
 * Hole 10 of the delivery contract: while Temporal is unreachable, NEW and DISPATCH are paused at
 * the server (nats-server 2.11+), so every bridge stops pulling, under a lease the bridge renews
 * while the fault lasts and lets lapse when it dies; resumed on recovery. On 2.9, where the server
 * has no consumer pause, the bridge keeps its client-side pause and nothing fails.
 */
import { STREAM } from '../../workflows/names';
import { featuresOf, serverFeatures } from '../../shared/nats/server-features';
import { expectCompletedOnce, expectDrained } from '../harness/expect-pipeline';
import type { Pipeline } from '../harness/pipeline';
import {
  deliveries,
  killProcess,
  orders,
  publish,
  spawnBridge,
  startBridge,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';
import { forEachNatsServer } from '../harness/tools';

interface PauseState {
  readonly paused: boolean;
  readonly until?: number;
}

async function pauseOf(p: Pipeline, consumer: string): Promise<PauseState> {
  const info = (await p.jsm.consumers.info(STREAM, consumer)) as { paused?: boolean; config: { pause_until?: string } };
  const until = info.config.pause_until ? Date.parse(info.config.pause_until) : undefined;
  return { paused: info.paused === true, ...(until ? { until } : {}) };
}

forEachNatsServer('bridge - pause at the broker while Temporal is away', (server) => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ ackWaitMs: 2000, natsBinary: server.path });
  }, 60_000);
  afterAll(() => p.stop(), 60_000);
  afterEach(stopComponents, 60_000);

  it('NEW and DISPATCH are paused at the server with a renewed lease, resumed on recovery, nothing charged', async () => {
    const atBroker = featuresOf(p.nc).consumerPause;
    await startWorker(p);
    const bridge = await startBridge(p, { pauseLeaseMs: '3000' });
    const first = orders(3, 'bp-before-');
    await publish(p, first);
    await expectCompletedOnce(
      p,
      first.map((o) => o.orderId),
      'bp-before-',
    );

    await p.temporal.kill();
    await waitFor('intake paused', () => Promise.resolve(!bridge.ready));
    const before = await deliveries(p);
    const during = orders(3, 'bp-during-');
    if (atBroker) {
      await waitFor('both consumers paused at the server', async () =>
        (await Promise.all(['NEW', 'DISPATCH'].map((c) => pauseOf(p, c)))).every((s) => s.paused),
      );
      const { until: firstUntil } = await pauseOf(p, 'NEW');
      await publish(p, during);
      // Held past the first lease: the bridge keeps pushing the deadline while the fault lasts,
      // and the server delivers nothing meanwhile, to this bridge or any other.
      await new Promise((r) => setTimeout(r, 4000));
      const held = await pauseOf(p, 'NEW');
      expect(held.paused).toBe(true);
      expect(held.until!).toBeGreaterThan(firstUntil!);
      expect(await deliveries(p)).toBe(before);
    } else {
      // No consumer pause on this server: never paused there; the bridge alone stops pulling (a
      // pull already waiting may still hand it orders, which wait, kept alive, uncharged).
      await publish(p, during);
      await new Promise((r) => setTimeout(r, 2000));
      expect((await pauseOf(p, 'NEW')).paused).toBe(false);
    }

    await p.temporal.restart();
    await waitFor('resumed at the server', async () => !(await pauseOf(p, 'NEW')).paused);
    await expectCompletedOnce(
      p,
      [...first, ...during].map((o) => o.orderId),
      'bp-',
    );
    await expectDrained(p);
    // Each order delivered once: the outage charged nothing.
    expect(await deliveries(p)).toBe(before + during.length);
  }, 120_000);

  if (serverFeatures(server.version).consumerPause) {
    it('a bridge that dies holding the pause does not leave the pipeline paused: the lease lapses', async () => {
      await startWorker(p);
      const bridge = await spawnBridge(p, { ORDERFLOW_PAUSE_LEASE_MS: '3000' });
      await p.temporal.kill();
      await waitFor('paused at the server', async () => (await pauseOf(p, 'NEW')).paused);
      await killProcess(bridge);
      await p.temporal.restart();
      const { until } = await pauseOf(p, 'NEW');
      await waitFor('the pause lapsed by itself', async () => !(await pauseOf(p, 'NEW')).paused, 20_000);
      expect(Date.now()).toBeGreaterThanOrEqual(until! - 1000);
      // And the pipeline flows again for the next bridge.
      await startBridge(p);
      const after = orders(2, 'bp-after-');
      await publish(p, after);
      await expectCompletedOnce(
        p,
        after.map((o) => o.orderId),
        'bp-after-',
      );
    }, 120_000);
  }
});
