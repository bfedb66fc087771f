import type { OrderTimeline } from '../../bridge/status/order-timeline';
import type { PipelineSummary } from '../../bridge/status/pipeline-summary';
import { expectNoStackTrace, runCli } from '../harness/cli';
import type { Pipeline } from '../harness/pipeline';
import { orders, publish, startBridge, startPipeline, startWorker, stopComponents, waitFor } from '../harness/pipeline';

describe('status - one timeline per order, and the pipeline at a glance', () => {
  let p: Pipeline;
  const status = async (...args: string[]) => runCli(['status', ...args], { env: p.env });
  const timeline = async (id: string): Promise<OrderTimeline> =>
    JSON.parse((await status(id, '--json')).stdout) as OrderTimeline;

  beforeAll(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
  }, 60_000);
  afterAll(stopComponents, 60_000);

  it('reports completed, running, failed, dead-lettered and unknown orders as they are', async () => {
    // One worker for all: slow for "stuck-", failing for good for "doomed-".
    await startWorker(p, [
      { orderPrefix: 'stuck-', step: 'reserveStock', slowMs: 120_000 },
      { orderPrefix: 'doomed-', step: 'chargePayment', failForGood: true },
    ]);
    await startBridge(p, { maxDeliveries: '2' });
    const [ok1, ok2] = orders(2, 'ok-');
    const [stuck] = orders(1, 'stuck-');
    const [doomed] = orders(1, 'doomed-');
    await publish(p, [ok1!, ok2!, stuck!, doomed!]);
    await p.js.publish(
      'ORDERS.received',
      JSON.stringify({ orderId: 'poison-1', customerId: 'c', items: [], currency: 'EUR' }),
    );

    await waitFor('ok orders done', async () => (await timeline(ok2!.orderId)).stages[1]!.status === 'COMPLETED');
    await waitFor('doomed dead-lettered', async () => (await timeline(doomed!.orderId)).deadLetters.length === 1);
    await waitFor(
      'stuck running its function',
      async () => (await timeline(stuck!.orderId)).stages[0]!.currentActivity !== undefined,
    );

    const ok = await timeline(ok1!.orderId);
    expect(ok.stages.map((s) => [s.stage, s.status, s.runs.length])).toEqual([
      ['process', 'COMPLETED', 1],
      ['dispatch', 'COMPLETED', 1],
    ]);
    expect(ok.stages[0]!.input).toMatchObject({ subject: 'ORDERS.received', acked: true });
    expect(ok.stages[0]!.output!.subject).toBe('ORDERS.processed');
    expect(ok.stages[1]!.input!.streamSeq).toBe(ok.stages[0]!.output!.streamSeq);
    expect(ok.stages[1]!.output).toMatchObject({ subject: 'ORDERS.completed' });
    const stored = await p.jsm.streams.getMessage('ORDERS', { seq: ok.stages[0]!.input!.streamSeq });
    expect(stored!.json<{ orderId: string }>().orderId).toBe(ok1!.orderId);

    const running = await timeline(stuck!.orderId);
    expect(running.stages[0]).toMatchObject({
      status: 'RUNNING',
      currentActivity: { name: 'reserveStock', attempt: 1 },
    });
    expect(running.stages[0]!.input).toMatchObject({ acked: false, deliveryCount: 1 });
    expect(running.stages[1]!.status).toBeUndefined();

    const failed = await timeline(doomed!.orderId);
    expect(failed.stages[0]!.status).toBe('FAILED');
    expect(failed.stages[0]!.runs.map((r) => r.status)).toEqual(['FAILED', 'FAILED']);
    expect(failed.stages[0]!.failure).toContain('injected permanent failure');
    expect(failed.deadLetters[0]).toMatchObject({ kind: 'failed', consumer: 'NEW', deliveries: 2 });

    const poison = await timeline('poison-1');
    expect(poison.known).toBe(true);
    expect(poison.deadLetters[0]).toMatchObject({ kind: 'poison' });

    const table = await status(ok1!.orderId);
    expect(table.stdout).toMatch(new RegExp(`process\\s+process-${ok1!.orderId}\\s+COMPLETED\\s+1`));
    const unknown = await status('nobody-ever');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('order nobody-ever is unknown');
    expectNoStackTrace(unknown);

    const summary = JSON.parse((await status('--json')).stdout) as PipelineSummary;
    expect(summary.workflows.process.Completed).toBe(2);
    expect(summary.workflows.process.Running).toBe(1);
    expect(summary.workflows.process.Failed).toBe(2);
    expect(summary.workflows.dispatch.Completed).toBe(2);
    expect(summary.deadLetters).toEqual({ total: 2, byConsumer: { NEW: 2, DISPATCH: 0 } });
    expect(summary.consumers.find((c) => c.name === 'NEW')).toMatchObject({ pending: 0, ackPending: 1 });
    expect((await status()).stdout).toMatch(/NEW\s+0\s+1/);

    // Recent ack delays come from JetStream's sampled ack metrics, listened to while summarising.
    const sampling = status('--json', '--sample-seconds', '5');
    await new Promise((r) => setTimeout(r, 1500));
    await publish(p, orders(2, 'late-'));
    const withAcks = JSON.parse((await sampling).stdout) as PipelineSummary;
    const newAcks = withAcks.recentAcks.find((a) => a.consumer === 'NEW');
    expect(newAcks?.samples).toBeGreaterThanOrEqual(2);
    expect(newAcks?.p99Ms).toBeGreaterThan(0);
  }, 150_000);
});
