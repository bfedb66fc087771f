/**
 * Crashes of bridges and workers (real processes, real signals): after any of them, every order
 * still completes once, checked from the servers' state.
 */
import { expectCompletedOnce, expectDrained } from '../harness/expect-pipeline';
import type { Pipeline } from '../harness/pipeline';
import {
  deliveries,
  killProcess,
  orders,
  publish,
  spawnBridge,
  spawnWorker,
  startBridge,
  startPipeline,
  statusOf,
  stopComponents,
  waitFor,
} from '../harness/pipeline';
import { forEachNatsServer } from '../harness/tools';

async function allStatus(p: Pipeline, ids: readonly string[], status: string): Promise<boolean> {
  for (const id of ids) if ((await statusOf(p, `process-${id}`)) !== status) return false;
  return true;
}

forEachNatsServer('bridge - crashes', (server) => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ natsBinary: server.path, ackWaitMs: 2000 });
  }, 60_000);
  afterEach(stopComponents, 60_000);
  afterAll(() => p?.stop(), 60_000);

  // Shutdown is part of the delivery contract: on every server version.
  it('SIGTERM under load: in-flight orders finish and are acked, the rest stay for the next bridge', async () => {
    await spawnWorker(p, { FAULT_ORDER_PREFIX: 'term-', FAULT_STEP: 'reserveStock', FAULT_SLOW_MS: '1500' });
    const bridge = await spawnBridge(p, { ORDERFLOW_MAX_IN_FLIGHT: '4', ORDERFLOW_SHUTDOWN_GRACE_MS: '15000' });
    const batch = orders(12, 'term-');
    const before = await deliveries(p);
    await publish(p, batch);
    await waitFor(
      'the bridge holds orders',
      async () => (await p.jsm.consumers.info('ORDERS', 'NEW')).num_ack_pending > 0,
    );
    expect(await killProcess(bridge, 'SIGTERM')).toBe(0);
    // Whatever it held was finished and acked before it exited: nothing waits for a redelivery.
    expect((await p.jsm.consumers.info('ORDERS', 'NEW')).num_ack_pending).toBe(0);

    await startBridge(p);
    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      'term-',
    );
    expect(await deliveries(p)).toBe(before + batch.length); // not one redelivery
    await expectDrained(p);
  }, 120_000);

  // The crashes below depend on the ack wait and on Temporal, which behave the same on every
  // nats-server version the bridge supports: once, on the pinned one, is enough.
  if (!server.pinned) return;

  it('a bridge SIGKILLed while workflows run: the redelivery attaches to the same run', async () => {
    await spawnWorker(p, { FAULT_ORDER_PREFIX: 'k3-', FAULT_STEP: 'reserveStock', FAULT_SLOW_MS: '4000' });
    const bridge = await spawnBridge(p);
    const batch = orders(3, 'k3-');
    const ids = batch.map((o) => o.orderId);
    const before = await deliveries(p);
    await publish(p, batch);
    await waitFor('workflows running', () => allStatus(p, ids, 'RUNNING'));
    await killProcess(bridge, 'SIGKILL');

    await spawnBridge(p);
    await expectCompletedOnce(p, ids, 'k3-');
    // Each order was delivered to the killed bridge and again to the new one, which attached.
    expect(await deliveries(p)).toBeGreaterThanOrEqual(before + 2 * ids.length);
    await expectDrained(p);
  }, 120_000);

  it('a bridge killed after the workflow completed but before the ack: the redelivery is acked, nothing runs again', async () => {
    await spawnWorker(p, { FAULT_ORDER_PREFIX: 'k4-', FAULT_STEP: 'reserveStock', FAULT_SLOW_MS: '1500' });
    // Only the NEW stage: the frozen bridge must not be the one that would ack DISPATCH either.
    const frozen = await spawnBridge(p, { ORDERFLOW_STAGES: 'process' });
    const [order] = orders(1, 'k4-');
    await publish(p, [order!]);
    await waitFor('workflow running', () => allStatus(p, [order!.orderId], 'RUNNING'));
    frozen.kill('SIGSTOP'); // the bridge can no longer ack
    await waitFor('workflow completed', () => allStatus(p, [order!.orderId], 'COMPLETED'));
    await killProcess(frozen, 'SIGKILL');
    expect((await p.jsm.consumers.info('ORDERS', 'NEW')).num_ack_pending).toBe(1);

    await startBridge(p);
    await expectCompletedOnce(p, [order!.orderId], 'k4-');
    await expectDrained(p);
  }, 120_000);

  it('a worker SIGKILLed mid-activity: the activity is retried on another worker, one effect', async () => {
    const doomed = await spawnWorker(p, {
      FAULT_ORDER_PREFIX: 'wk-',
      FAULT_STEP: 'reserveStock',
      FAULT_SLOW_MS: '3000',
    });
    await startBridge(p);
    const batch = orders(3, 'wk-');
    await publish(p, batch);
    // Each order's reserveStock has started on the only worker (a fixed sleep raced a busy machine).
    await waitFor('the activities started on the first worker', async () => {
      for (const order of batch) {
        const run = await p.client.workflow.getHandle(`process-${order.orderId}`).describe();
        const pending = run.raw.pendingActivities?.[0];
        if (pending?.activityType?.name !== 'reserveStock' || !pending.lastStartedTime) return false;
      }
      return true;
    });
    // Killed before the next worker exists, so no attempt can finish anywhere but on a retry.
    await killProcess(doomed, 'SIGKILL');
    await spawnWorker(p);

    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      'wk-',
    );
    for (const order of batch) {
      const result = await p.client.workflow.getHandle(`process-${order.orderId}`).result();
      expect(result.steps.reserveStock.attempt).toBeGreaterThanOrEqual(2);
    }
    await expectDrained(p);
  }, 120_000);
});
