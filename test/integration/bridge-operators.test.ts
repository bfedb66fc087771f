/**
 * Hole 7 of the delivery contract: operators win. A stage run an operator terminated or cancelled
 * is not silently run again by the message's next delivery (after a crash included): the message
 * is dead-lettered with that kind, and only the operator's redrive runs the order again.
 */
import { redriveDeadLetter } from '../../operate/dlq/dead-letter-store';
import { expectDrained } from '../harness/expect-pipeline';
import type { Pipeline } from '../harness/pipeline';
import {
  killProcess,
  lettersOf,
  orders,
  publish,
  runsOf,
  spawnBridge,
  startBridge,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';

async function whenRunning(p: Pipeline, workflowId: string): Promise<void> {
  await waitFor(`${workflowId} running`, async () => {
    const run = await p.client.workflow.getHandle(workflowId).describe();
    return run.status.name === 'RUNNING' && (run.raw.pendingActivities?.length ?? 0) > 0;
  });
}

describe('bridge - operators win', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
  }, 60_000);
  afterEach(stopComponents, 60_000);

  it.each([
    ['terminated', (id: string) => p.client.workflow.getHandle(id).terminate('operator: wrong order')],
    ['cancelled', (id: string) => p.client.workflow.getHandle(id).cancel()],
  ] as const)(
    'a run %s by an operator is dead-lettered with that kind, not run again',
    async (kind, act) => {
      await startWorker(p, { orderPrefix: `op${kind}-`, step: 'reserveStock', slowMs: 30_000 });
      await startBridge(p);
      const [order] = orders(1, `op${kind}-`);
      const workflowId = `process-${order!.orderId}`;
      await publish(p, [order!]);
      await whenRunning(p, workflowId);
      await act(workflowId);
      await waitFor('dead-lettered', async () => (await lettersOf(p, order!.orderId)).length > 0);
      const [letter] = await lettersOf(p, order!.orderId);
      expect(letter!.kind).toBe(kind);
      expect(letter!.workflowId).toBe(workflowId);
      await expectDrained(p);
      expect(await runsOf(p, workflowId)).toBe(1);
    },
    90_000,
  );

  it('a redelivery after a crash does not undo a termination; the redrive runs the order again', async () => {
    await startWorker(p, { orderPrefix: 'opcrash-', step: 'reserveStock', slowMs: 4000 });
    const bridge = await spawnBridge(p);
    const [order] = orders(1, 'opcrash-');
    const workflowId = `process-${order!.orderId}`;
    await publish(p, [order!]);
    await whenRunning(p, workflowId);
    // The bridge dies holding the message; the operator terminates the run meanwhile.
    await killProcess(bridge);
    await p.client.workflow.getHandle(workflowId).terminate('operator: hold this one');
    await startBridge(p);
    await waitFor('dead-lettered', async () => (await lettersOf(p, order!.orderId)).length > 0);
    const [letter] = await lettersOf(p, order!.orderId);
    expect(letter!.kind).toBe('terminated');
    expect(letter!.deliveries).toBeGreaterThanOrEqual(2);
    expect(await runsOf(p, workflowId)).toBe(1);

    // The operator decides: the redrive starts a new run, which completes.
    await redriveDeadLetter(p.js, p.jsm, letter!);
    await waitFor(
      'the redriven order processed',
      async () => (await p.client.workflow.getHandle(workflowId).describe()).status.name === 'COMPLETED',
    );
    expect(await runsOf(p, workflowId)).toBe(2);
    await expectDrained(p);
    expect(await lettersOf(p, order!.orderId)).toHaveLength(0);
  }, 120_000);
});
