/**
 * Hole 8 of issue #8: Temporal's own faults (a missing namespace, the server away) are the
 * system's, not the order's. Intake pauses, readiness says why, the cause is logged once per change
 * of state, and no delivery is charged or dead-lettered for it; only the order's own failed runs
 * count toward --max-deliveries. Throttling: temporal-throttling.test.ts. Bridges run as processes
 * so their log and /readyz are real.
 */
import { msToTs } from '@temporalio/common';

import { listDeadLetters } from '../../operate/dlq/dead-letter-store';
import { connectTemporal } from '../../shared/temporal/connect';
import { sleep } from '../../shared/waits';
import {
  deadLetteredWithPrefix,
  expectEachOnceUncharged,
  expectLoggedOncePerChange,
  temporalStates,
  watchedBridge,
} from '../harness/bridge-watch';
import { expectDrained, idsWithPrefix } from '../harness/expect-pipeline';
import type { Pipeline } from '../harness/pipeline';
import {
  deliveries,
  killProcess,
  orders,
  publish,
  runsOf,
  spawnBridge,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';

describe('temporal faults - hole 8: Temporal errors are classified, not guessed by message text', () => {
  // A pipeline per test: orders a failed test leaves unfinished must not reach the next one.
  let p: Pipeline;
  beforeEach(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
  }, 60_000);
  afterEach(() => p?.stop(), 60_000);

  it('temporal faults - a namespace that does not exist pauses intake, readiness says why, no order is charged or dead-lettered', async () => {
    const namespace = 'missing-ns';
    const settings = { ...p.temporalSettings, namespace };
    const client = await connectTemporal(settings);
    // The same pipeline, seen from the namespace the bridge is told to use.
    const inNamespace: Pipeline = { ...p, client, temporalSettings: settings };
    try {
      const batch = orders(5, 'ns-');
      const before = await deliveries(p);
      await publish(p, batch);
      const bridge = await watchedBridge(p, { TEMPORAL_NAMESPACE: namespace });
      await waitFor('readiness names the missing namespace', async () =>
        (await bridge.readyz()).body.includes('namespace-not-found'),
      );
      // Past a few fetch cycles (1 s each) and probes (2 s): a paused bridge still has pulled nothing.
      await sleep(3000);
      expect(await deliveries(p)).toBe(before);
      const readiness = await bridge.readyz();
      expect(readiness.status).toBe(503);
      expect(readiness.body).toMatch(/namespace-not-found/);

      await p.client.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      await waitFor('the namespace is served', async () => {
        await client.workflowService.describeNamespace({ namespace });
        return true;
      });
      await startWorker(inNamespace);
      await expectEachOnceUncharged(inNamespace, batch, 'ns-', before, 120_000);
      const states = temporalStates(bridge.records());
      expect(states[0]).toBe('paused:namespace-not-found');
      expect(states.at(-1)).toBe('resumed');
      expectLoggedOncePerChange(states);
    } finally {
      await stopComponents();
      await client.connection.close();
    }
  }, 180_000);

  it('temporal faults - Temporal unreachable pauses intake without charging deliveries', async () => {
    await startWorker(p, { orderPrefix: 'un-', step: 'reserveStock', slowMs: 300 });
    const bridge = await watchedBridge(p, { ORDERFLOW_MAX_IN_FLIGHT: '4' });
    const batch = orders(12, 'un-');
    const before = await deliveries(p);
    await publish(p, batch);
    await waitFor('a few orders done', async () => (await idsWithPrefix(p, 'ORDERS.completed', 'un-')).length >= 2);
    await p.temporal.kill();
    await waitFor('readiness says Temporal is unreachable', async () =>
      (await bridge.readyz()).body.includes('Temporal unreachable'),
    );
    // Held for longer than the 2 s ack wait while Temporal is away: kept alive, not redelivered.
    await sleep(4000);
    expect((await bridge.readyz()).status).toBe(503);
    await p.temporal.restart();

    await expectEachOnceUncharged(p, batch, 'un-', before, 120_000);
    await waitFor('ready again', async () => (await bridge.readyz()).status === 200);
    const states = temporalStates(bridge.records());
    expect(states[0]).toBe('paused:unreachable');
    expect(states.at(-1)).toBe('resumed');
    expectLoggedOncePerChange(states);
  }, 180_000);

  it("temporal faults - only the order's own failed runs count toward --max-deliveries", async () => {
    // Run 1 of `mdc-` orders exhausts the activity's 5 attempts; the worker's count per key then
    // lets run 2 succeed. `mdf-` orders exhaust every run's attempts (a rejection, failForGood,
    // would be dead-lettered at its first run: it is no failure another run could mend).
    await startWorker(p, [
      { orderPrefix: 'mdc-', step: 'reserveStock', slowMs: 500, failTimes: 5 },
      { orderPrefix: 'mdf-', step: 'reserveStock', failEveryAttempt: true },
    ]);
    const env = { ORDERFLOW_MAX_DELIVERIES: '2' };
    const crashed = await spawnBridge(p, env);
    const [survivor] = orders(1, 'mdc-');
    const before = await deliveries(p);
    await publish(p, [survivor!]);
    const workflowId = `process-${survivor!.orderId}`;
    await waitFor('the first run started', async () => (await runsOf(p, workflowId)) === 1);
    // The bridge dies while run 1 goes: JetStream redelivers (delivery 2), not the order's fault.
    await killProcess(crashed);
    await spawnBridge(p, env);
    await waitFor('the order completed or dead-lettered', async () => {
      const completed = await idsWithPrefix(p, 'ORDERS.completed', 'mdc-');
      return completed.length > 0 || (await deadLetteredWithPrefix(p, 'mdc-')).length > 0;
    });
    expect(await deadLetteredWithPrefix(p, 'mdc-')).toEqual([]);
    expect(await idsWithPrefix(p, 'ORDERS.processed', 'mdc-')).toEqual([survivor!.orderId]);
    expect(await idsWithPrefix(p, 'ORDERS.completed', 'mdc-')).toEqual([survivor!.orderId]);
    // Delivery 1 (crashed), 2 (attached to run 1, which failed: one failed run), 3 (run 2).
    expect(await deliveries(p)).toBe(before + 3);
    expect(await runsOf(p, workflowId)).toBe(2);

    const [doomed] = orders(1, 'mdf-');
    await publish(p, [doomed!]);
    await waitFor('the failing order dead-lettered', async () => (await deadLetteredWithPrefix(p, 'mdf-')).length > 0);
    const letters = (await listDeadLetters(p.jsm)).filter((d) => d.orderId === doomed!.orderId);
    expect(letters.map((d) => [d.kind, d.deliveries])).toEqual([['failed', 2]]);
    expect(letters[0]!.reason).toMatch(/after 2 failed runs/);
    expect(await runsOf(p, `process-${doomed!.orderId}`)).toBe(2);
    await expectDrained(p);
  }, 180_000);
});
