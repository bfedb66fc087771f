import demoPipeline from '../../activities/demo';
import { stagePlans } from '../../activities/plan';
import type { OrderTimeline } from '../../operate/status/order-timeline';
import type { PipelineSummary } from '../../operate/status/pipeline-summary';
import { buildIdFor } from '../../worker/build-id';
import { DEFAULT_TASK_QUEUE } from '../../workflows/names';
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
  // Each test its own worker (with its own faults) and bridge.
  afterEach(stopComponents, 60_000);

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
    // A rejection (failing for good) is dead-lettered at its first run, whatever --max-deliveries.
    expect(failed.stages[0]!.runs.map((r) => r.status)).toEqual(['FAILED']);
    expect(failed.stages[0]!.failure).toContain('injected permanent failure');
    expect(failed.deadLetters[0]).toMatchObject({ kind: 'failed', consumer: 'NEW', deliveries: 1 });

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
    expect(summary.workflows.process.Failed).toBe(1); // the rejected order's one run
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

  it('shows the plan each stage keeps, the build that ran each function, and the function running now', async () => {
    // startWorker runs the demo pipeline with the build derived from it, as `orderflow worker` would.
    const build = buildIdFor(demoPipeline, undefined);
    expect(build).toMatch(/^orderflow@\d+\.\d+\.\d+\S*\+[0-9a-f]{8}$/);
    const plans = stagePlans(demoPipeline, DEFAULT_TASK_QUEUE, build);
    const worker = await startWorker(p, [
      { orderPrefix: 'plan-slow-', step: 'chargePayment', slowMs: 120_000 },
      { orderPrefix: 'plan-doomed-', step: 'chargePayment', failForGood: true },
    ]);
    await startBridge(p, { maxDeliveries: '2' });
    const [done] = orders(1, 'plan-done-');
    const [slow] = orders(1, 'plan-slow-');
    const [doomed] = orders(1, 'plan-doomed-');
    await publish(p, [done!, slow!, doomed!]);

    await waitFor(
      'done order completed',
      async () => (await timeline(done!.orderId)).stages[1]!.status === 'COMPLETED',
    );
    await waitFor('doomed order dead-lettered', async () => (await timeline(doomed!.orderId)).deadLetters.length === 1);
    await waitFor(
      'slow order running chargePayment',
      async () => (await timeline(slow!.orderId)).stages[0]!.currentStep === 'chargePayment',
    );

    // Completed: the plan and every function's build and attempt, from the run's result.
    const completed = await timeline(done!.orderId);
    expect(completed.stages[0]).toMatchObject({
      taskQueue: DEFAULT_TASK_QUEUE,
      plan: {
        digest: plans.process.digest,
        build,
        functions: [
          { name: 'reserveStock', taskQueue: DEFAULT_TASK_QUEUE },
          { name: 'chargePayment', taskQueue: DEFAULT_TASK_QUEUE },
        ],
      },
      steps: [
        { name: 'reserveStock', build, attempt: 1 },
        { name: 'chargePayment', build, attempt: 1 },
      ],
    });
    expect(completed.stages[0]!.plan!.digest).toMatch(/^[0-9a-f]{12}$/);
    expect(completed.stages[1]!.plan).toMatchObject({ digest: plans.dispatch.digest, build });
    expect(completed.stages[1]!.plan!.functions.map((f) => f.name)).toEqual(['assignCourier', 'ship']);
    expect(completed.stages[1]!.steps!.map((st) => [st.name, st.build, st.attempt])).toEqual([
      ['assignCourier', build, 1],
      ['ship', build, 1],
    ]);
    expect(completed.stages[0]!.currentStep).toBeUndefined();
    const completedText = (await status(done!.orderId)).stdout;
    expect(completedText).toContain(`process plan ${plans.process.digest} (reserveStock → chargePayment) by ${build}`);
    expect(completedText).toContain(
      `process ran reserveStock attempt 1 by ${build}, chargePayment attempt 1 by ${build}`,
    );
    expect(completedText).toContain(`dispatch plan ${plans.dispatch.digest} (assignCourier → ship) by ${build}`);

    // Running: the plan, what completed so far and the function now, from the `status` query.
    const running = await timeline(slow!.orderId);
    expect(running.stages[0]).toMatchObject({
      status: 'RUNNING',
      plan: { digest: plans.process.digest, build },
      steps: [{ name: 'reserveStock', attempt: 1 }],
      currentStep: 'chargePayment',
    });
    expect(running.stages[0]!.waiting).toBeUndefined();
    expect(running.stages[1]!.plan).toBeUndefined();
    const runningText = (await status(slow!.orderId)).stdout;
    expect(runningText).toContain(`process plan ${plans.process.digest} (reserveStock → chargePayment) by ${build}`);
    expect(runningText).toMatch(/process now chargePayment$/m);

    // Failed: no worker answers for a closed run's state, so the plan comes from its history.
    const failed = await timeline(doomed!.orderId);
    expect(failed.stages[0]!.status).toBe('FAILED');
    expect(failed.stages[0]!.plan).toMatchObject({ digest: plans.process.digest, build });
    expect(failed.stages[0]!.plan!.functions.map((f) => f.name)).toEqual(['reserveStock', 'chargePayment']);

    // With no worker to answer the query, a running stage still shows its plan (from history),
    // and `status` answers within the query's bound rather than hanging.
    worker.shutdown();
    await waitFor('worker stopped', () => Promise.resolve(worker.worker.getState() === 'STOPPED'));
    const startedAt = Date.now();
    const orphan = await status(slow!.orderId, '--json');
    expect(orphan.code).toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(20_000);
    const orphaned = JSON.parse(orphan.stdout) as OrderTimeline;
    expect(orphaned.stages[0]).toMatchObject({ status: 'RUNNING', plan: { digest: plans.process.digest, build } });
  }, 150_000);

  it('status - an order acked while earlier ones are still held says acked; the held ones say not acked', async () => {
    // Each held order's first function waits, so its NEW message stays un-acked below the others.
    // The earlier tests' held orders are still pending below these too: several are pending at
    // once, and which ones JetStream does not say.
    await startWorker(p, [{ orderPrefix: 'held-', step: 'reserveStock', slowMs: 120_000 }]);
    await startBridge(p);
    const [held1, held2] = orders(2, 'held-');
    const [done1, done2] = orders(2, 'acked-');
    await publish(p, [held1!, done1!, held2!, done2!]);

    for (const done of [done1!, done2!]) {
      await waitFor(
        `${done.orderId} completed`,
        async () => (await timeline(done.orderId)).stages[1]!.status === 'COMPLETED',
      );
    }
    for (const held of [held1!, held2!]) {
      await waitFor(
        `${held.orderId} running its function`,
        async () => (await timeline(held.orderId)).stages[0]!.currentActivity !== undefined,
      );
    }
    const info = await p.jsm.consumers.info('ORDERS', 'NEW');
    expect(info.num_ack_pending).toBeGreaterThanOrEqual(2);

    for (const done of [done1!, done2!]) {
      const shown = await timeline(done.orderId);
      expect(shown.stages[0]!.input!.streamSeq).toBeGreaterThan(info.ack_floor.stream_seq);
      expect(shown.stages[0]!.input).toMatchObject({ subject: 'ORDERS.received', acked: true });
      expect(shown.stages[1]!.input).toMatchObject({ subject: 'ORDERS.processed', acked: true });
      const text = (await status(done.orderId)).stdout;
      expect(text).toMatch(new RegExp(`ORDERS\\.received #${shown.stages[0]!.input!.streamSeq} acked`));
    }
    for (const held of [held1!, held2!]) {
      expect((await timeline(held.orderId)).stages[0]!.input).toMatchObject({ acked: false, deliveryCount: 1 });
    }
  }, 150_000);
});
