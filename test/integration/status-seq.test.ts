/**
 * The ledger both ways, on real servers: `orderflow provision` registers the runs' search
 * attributes on the namespace, the bridge then gives every run it starts the message that started
 * it, and `orderflow status --seq <n>` lists the runs of stream message n in one visibility query,
 * after a redelivery too; the order's timeline tells each run's message. Visibility is eventually
 * consistent, so every read of it is polled within a bound.
 */
import { defineFunction, definePipeline } from '../../activities';
import type { MessageRuns } from '../../operate/status/message-runs';
import type { OrderTimeline } from '../../operate/status/order-timeline';
import { expectNoStackTrace, runCli } from '../harness/cli';
import { VISIBILITY_MS, expectAttributesRegistered, runsOfSeq as seqRuns } from '../harness/ledger';
import type { Pipeline } from '../harness/pipeline';
import {
  deliveries,
  killProcess,
  orders,
  spawnBridge,
  spawnWorker,
  startBridge,
  startPipeline,
  startWorker,
  statusOf,
  stopComponents,
  waitFor,
} from '../harness/pipeline';

/** Publishes one order to ORDERS.received; returns its stream sequence. */
async function publishOne(p: Pipeline, prefix: string): Promise<{ orderId: string; seq: number }> {
  const [order] = orders(1, prefix);
  const ack = await p.js.publish('ORDERS.received', JSON.stringify(order), { msgID: order!.orderId });
  return { orderId: order!.orderId, seq: ack.seq };
}

describe('status --seq - the runs of a stream message, found by their search attributes', () => {
  let p: Pipeline;
  const cli = (...args: string[]) => runCli(args, { env: p.env, timeoutMs: 60_000 });

  const runsOfSeq = (seq: number, done: (m: MessageRuns) => boolean) => seqRuns(p.env, seq, done);

  beforeAll(async () => {
    // A short ack wait: a message a killed bridge held comes back within seconds.
    p = await startPipeline({ ackWaitMs: 2000 });
  }, 60_000);
  afterEach(stopComponents, 60_000);
  afterAll(() => p?.stop(), 60_000);

  it('provision registers the search attributes on the namespace; a second provision finds them present', async () => {
    const first = await cli('provision', '--json');
    expectNoStackTrace(first);
    // The harness shortened the consumers' ack wait: that drift is reported (exit 1), and the
    // attributes are registered all the same.
    expect(first.code).toBe(1);
    await expectAttributesRegistered(first.stdout, p.client, 'default');

    const again = await cli('provision');
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('temporal  search attributes present');
  }, 90_000);

  // The tests below run after the provision above: a bridge gives runs the attributes only when registered.
  it('a bridge SIGKILLed mid-run: the redelivery attaches to the running run, which --seq finds with delivery 1', async () => {
    await spawnWorker(p, { FAULT_ORDER_PREFIX: 'sq1-', FAULT_STEP: 'reserveStock', FAULT_SLOW_MS: '4000' });
    const bridge = await spawnBridge(p);
    const before = await deliveries(p);
    const { orderId, seq } = await publishOne(p, 'sq1-');
    const workflowId = `process-${orderId}`;
    await waitFor('the run to be running', async () => (await statusOf(p, workflowId)) === 'RUNNING');
    await killProcess(bridge, 'SIGKILL');

    await spawnBridge(p);
    await waitFor('the run to complete', async () => (await statusOf(p, workflowId)) === 'COMPLETED', 60_000);
    // Delivered to the killed bridge and again to the new one.
    expect(await deliveries(p)).toBeGreaterThanOrEqual(before + 2);

    const found = await runsOfSeq(seq, (m) => m.runs.length > 0 && m.runs.every((r) => r.status === 'COMPLETED'));
    expect(found.via).toBe('search-attributes');
    expect(found.runs).toEqual([
      expect.objectContaining({
        stage: 'process',
        workflowId,
        status: 'COMPLETED',
        subject: 'ORDERS.received',
        // The redelivery joined the run the first delivery started: the run keeps that delivery.
        deliveryCount: 1,
      }),
    ]);
  }, 120_000);

  it('a run that failed for good once: the redelivery starts a second run with delivery 2, and --seq finds both', async () => {
    // Fails each order's first call with its only attempt (a failed run, which the bridge runs
    // again; a NonRetryableError would be a rejection, dead-lettered at once), succeeds from then on.
    const called = new Set<string>();
    const pipeline = definePipeline({
      process: [
        defineFunction({
          name: 'validateOnce',
          retry: { maximumAttempts: 1 },
          run: (order) => {
            if (called.has(order.orderId)) return { ok: true };
            called.add(order.orderId);
            throw new Error(`first call for ${order.orderId} failed`);
          },
        }),
      ],
      dispatch: [defineFunction({ name: 'ship', run: () => ({ shipped: true }) })],
    });
    await startWorker(p, undefined, { pipeline, build: 'sq@1' });
    await startBridge(p);
    const { orderId, seq } = await publishOne(p, 'sq2-');
    const workflowId = `process-${orderId}`;
    await waitFor('the second run to complete', async () => (await statusOf(p, workflowId)) === 'COMPLETED', 60_000);

    const found = await runsOfSeq(
      seq,
      (m) => m.runs.length === 2 && m.runs.every((r) => r.status === 'FAILED' || r.status === 'COMPLETED'),
    );
    expect(found.via).toBe('search-attributes');
    expect(found.runs.map((r) => [r.stage, r.workflowId, r.status, r.deliveryCount])).toEqual([
      ['process', workflowId, 'FAILED', 1],
      ['process', workflowId, 'COMPLETED', 2],
    ]);
    expect(new Set(found.runs.map((r) => r.runId)).size).toBe(2);

    // The other way: the order's timeline tells which message, which delivery, started each run.
    await waitFor(
      'the dispatch run to complete',
      async () => (await statusOf(p, `dispatch-${orderId}`)) === 'COMPLETED',
    );
    let timeline: OrderTimeline | undefined;
    const runsIn = (t: OrderTimeline | undefined, stage: string) =>
      t?.stages.find((s) => s.stage === stage)?.runs ?? [];
    await waitFor(
      'the timeline to list the runs',
      async () => {
        const result = await cli('status', orderId, '--json');
        expectNoStackTrace(result);
        timeline = JSON.parse(result.stdout) as OrderTimeline;
        return runsIn(timeline, 'process').length === 2 && runsIn(timeline, 'dispatch').length === 1;
      },
      VISIBILITY_MS,
    );
    expect(runsIn(timeline, 'process').map((r) => [r.runId, r.status, r.source])).toEqual(
      found.runs.map((r) => [
        r.runId,
        r.status,
        { stream: 'ORDERS', subject: 'ORDERS.received', streamSeq: seq, deliveryCount: r.deliveryCount },
      ]),
    );
    const text = await cli('status', orderId);
    expect(text.stdout).toContain(`from ORDERS.received #${seq} (delivery 2)`);

    // The message the process stage published started the dispatch run: its own sequence finds it.
    const outSeq = runsIn(timeline, 'dispatch')[0]?.source?.streamSeq;
    expect(outSeq).toBeGreaterThan(seq);
    const out = await runsOfSeq(outSeq!, (m) => m.runs.length === 1);
    expect(out.runs[0]).toMatchObject({ stage: 'dispatch', workflowId: `dispatch-${orderId}`, deliveryCount: 1 });
  }, 120_000);

  it('a sequence no run came from: exit 1 and an empty list; a bad --seq is a one-line error, exit 2', async () => {
    const none = await cli('status', '--seq', '999999', '--json');
    expectNoStackTrace(none);
    expect(none.code).toBe(1);
    expect((JSON.parse(none.stdout) as MessageRuns).runs).toEqual([]);

    const bad = await cli('status', '--seq', 'x');
    expectNoStackTrace(bad);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--seq');
  }, 60_000);
});
