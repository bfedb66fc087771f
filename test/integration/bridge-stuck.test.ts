/**
 * Hole 4 of the delivery contract: nothing holds a slot forever. A run whose workflow task keeps
 * failing is surfaced and then parked as a `stuck` dead letter while other orders flow; a stage
 * with no worker at all is the system's fault: intake pauses, nothing is charged or parked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { bundleWorkflowCode } from '@temporalio/worker';

import { workerOptions } from '../../shared/config/run-options';
import { DLQ_STREAM } from '../../workflows/names';
import { listDeadLetters } from '../../operate/dlq/dead-letter-store';
import { connectNats } from '../../shared/nats/connect';
import { orderTimeline } from '../../operate/status/order-timeline';
import { createOrderflowWorker, installRuntimeWithoutSignalHandlers } from '../../worker/worker';
import { expectCompletedOnce, expectDrained } from '../harness/expect-pipeline';
import type { Pipeline } from '../harness/pipeline';
import { WORKFLOW_BUNDLE } from '../harness/paths';
import { deliveries, orders, publish, startBridge, startPipeline, stopComponents, waitFor } from '../harness/pipeline';

const silent = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };

describe('bridge - nothing holds a slot forever', () => {
  let p: Pipeline;
  let buggyBundle: string;
  beforeAll(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../fixtures/buggy-workflows'),
      logger: silent,
    });
    buggyBundle = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-buggy-')), 'bundle.js');
    fs.writeFileSync(buggyBundle, code);
  }, 120_000);
  afterAll(() => fs.rmSync(path.dirname(buggyBundle), { recursive: true, force: true }));
  afterEach(stopComponents, 60_000);

  /** A worker on `taskQueue` running `bundle`, stopped after the test. */
  async function worker(bundle: string, taskQueue = 'orderflow'): Promise<void> {
    installRuntimeWithoutSignalHandlers();
    const nc = await connectNats({ servers: [p.nats.url] }, { reconnectForever: true });
    const w = await createOrderflowWorker({
      nc,
      temporal: p.temporalSettings,
      options: workerOptions({ shutdownGraceMs: '2000', taskQueue }, {}),
      workflowBundlePath: bundle,
    });
    const running = w.run();
    stops.push(async () => {
      w.shutdown();
      await running;
      await nc.close();
    });
  }
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('a run whose workflow task keeps failing is surfaced, then parked as stuck; other orders flow', async () => {
    await worker(buggyBundle);
    {
      const bridge = await startBridge(p, { stuckAfterMs: '4000', stuckCheckMs: '300', maxDeliveries: '1' });
      const [bug] = orders(1, 'bug-');
      const fine = orders(4, 'fine-');
      await publish(p, [bug!, ...fine]);
      await expectCompletedOnce(
        p,
        fine.map((o) => o.orderId),
        'fine-',
      );

      // Surfaced while it lasts: the metric, and the order's status.
      await waitFor('the stuck run counted', async () =>
        /orderflow_stuck_runs\{stage="process"\} 1/.test(await bridge.metrics()),
      );
      const timeline = await orderTimeline(p.client, p.jsm, bug!.orderId);
      expect(timeline.stages[0]!.failingWorkflowTask?.attempt).toBeGreaterThanOrEqual(2);

      // Then parked, after the bound, as a dead letter of its own kind; the slot is free again.
      await waitFor('the stuck order dead-lettered', async () =>
        (await listDeadLetters(p.jsm)).some((d) => d.orderId === bug!.orderId),
      );
      const [letter] = (await listDeadLetters(p.jsm)).filter((d) => d.orderId === bug!.orderId);
      expect(letter!.kind).toBe('stuck');
      expect(letter!.reason).toContain('workflow task failed');
      expect(letter!.workflowId).toBe(`process-${bug!.orderId}`);
      await expectDrained(p);
      expect(await bridge.metrics()).toMatch(/orderflow_stuck_runs\{stage="process"\} 0/);
    }
  }, 120_000);

  it('with no worker on the task queue, intake pauses, readiness says why, and nothing is charged or parked', async () => {
    const dlqBefore = (await p.jsm.streams.info(DLQ_STREAM)).state.messages;
    const before = await deliveries(p);
    // A queue of its own: Temporal remembers the earlier tests' workers as pollers for minutes.
    const bridge = await startBridge(p, { workerCheckMs: '200', taskQueue: 'lonely' });
    const batch = orders(5, 'noworker-');
    await publish(p, batch);
    await waitFor('intake paused for want of a worker', () =>
      Promise.resolve(bridge.notReadyReasons.some((r) => r.includes('no worker polls Temporal task queue "lonely"'))),
    );
    // Long enough for several pulls had intake been open (fetches expire every second here).
    await new Promise((r) => setTimeout(r, 3000));
    expect(bridge.ready).toBe(false);
    expect(await bridge.metrics()).toMatch(/orderflow_intake_paused\{stage="process"\} 1/);
    expect(await deliveries(p)).toBe(before);
    expect((await p.jsm.streams.info(DLQ_STREAM)).state.messages).toBe(dlqBefore);

    await worker(WORKFLOW_BUNDLE, 'lonely');
    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      'noworker-',
    );
    await waitFor('ready again', () => Promise.resolve(bridge.ready));
    // Each order was delivered once: the pause charged nothing.
    expect(await deliveries(p)).toBe(before + batch.length);
    expect((await p.jsm.streams.info(DLQ_STREAM)).state.messages).toBe(dlqBefore);
  }, 120_000);
});
