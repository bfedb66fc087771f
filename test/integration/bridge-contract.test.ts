/**
 * The delivery contract against real servers: every order through NEW and DISPATCH, acked only
 * after its workflow completed, each side effect once (README, "Reliability: what is promised"), on
 * every supported nats-server version, since a verb an older server ignores breaks it silently.
 */
import { DLQ_HEADERS } from '../../shared/dead-letters/dead-letters';
import { DLQ_STREAM } from '../../workflows/names';
import type { Pipeline } from '../harness/pipeline';
import { expectCompletedOnce, expectDrained, idsWithPrefix } from '../harness/expect-pipeline';
import {
  deliveries,
  orderIdsOn,
  orders,
  publish,
  startBridge,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';
import { forEachNatsServer } from '../harness/tools';

async function deadLetters(p: Pipeline): Promise<Array<{ data: string; headers: Record<string, string> }>> {
  const out: Array<{ data: string; headers: Record<string, string> }> = [];
  const info = await p.jsm.streams.info(DLQ_STREAM);
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq += 1) {
    const msg = await p.jsm.streams.getMessage(DLQ_STREAM, { seq });
    if (!msg) continue;
    const headers: Record<string, string> = {};
    for (const key of msg.header.keys()) headers[key] = msg.header.get(key);
    out.push({ data: msg.string(), headers });
  }
  return out;
}

forEachNatsServer('bridge - the delivery contract', (server) => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ natsBinary: server.path, ackWaitMs: 2000 });
  }, 60_000);
  afterEach(stopComponents, 60_000);
  afterAll(() => p?.stop(), 60_000);

  it('N valid orders reach ORDERS.completed once each, every effect once, nothing left pending', async () => {
    await startWorker(p);
    await startBridge(p);
    const batch = orders(20, 'n-');
    await publish(p, batch);
    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      'n-',
    );
    await expectDrained(p);
  }, 90_000);

  it('the same order published twice without dedup runs once per stage', async () => {
    await startWorker(p);
    await startBridge(p);
    const [order] = orders(1, 'twice-');
    // No Nats-Msg-Id: JetStream stores both copies, as if the second came after the window.
    await p.js.publish('ORDERS.received', JSON.stringify(order));
    await p.js.publish('ORDERS.received', JSON.stringify(order));
    expect((await orderIdsOn(p, 'ORDERS.received')).filter((id) => id === order!.orderId)).toHaveLength(2);
    await expectCompletedOnce(p, [order!.orderId], 'twice-');
    await expectDrained(p);
  }, 90_000);

  it('an activity slower than the ack wait is kept alive: no redelivery', async () => {
    await startWorker(p, { orderPrefix: 'slow-', step: 'reserveStock', slowMs: 5000 });
    await startBridge(p);
    const before = await deliveries(p);
    const batch = orders(2, 'slow-');
    await publish(p, batch);
    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      'slow-',
    );
    // Ack wait is 2 s here; the activity took 5 s, and each order was delivered once.
    expect(await deliveries(p)).toBe(before + batch.length);
  }, 90_000);

  it('a transiently failing activity is retried by Temporal and the order completes', async () => {
    await startWorker(p, { orderPrefix: 'flaky-', step: 'chargePayment', failTimes: 2 });
    await startBridge(p);
    const batch = orders(3, 'flaky-');
    await publish(p, batch);
    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      'flaky-',
    );
    const result = await p.client.workflow.getHandle(`process-${batch[0]!.orderId}`).result();
    expect(result.steps.chargePayment.attempt).toBe(3);
  }, 90_000);

  it('a workflow that runs out of attempts is nak-ed with backoff, then dead-lettered; other orders flow', async () => {
    await startWorker(p, { orderPrefix: 'doomed-', step: 'reserveStock', failEveryAttempt: true });
    await startBridge(p, { maxDeliveries: '3' });
    const [doomed] = orders(1, 'doomed-');
    const fine = orders(5, 'fine-');
    await publish(p, [doomed!, ...fine]);
    await expectCompletedOnce(
      p,
      fine.map((o) => o.orderId),
      'fine-',
    );
    await waitFor('the doomed order dead-lettered', async () =>
      (await deadLetters(p)).some((d) => d.data.includes(doomed!.orderId)),
    );
    const letter = (await deadLetters(p)).find((d) => d.data.includes(doomed!.orderId))!;
    expect(letter.headers[DLQ_HEADERS.kind]).toBe('failed');
    expect(letter.headers[DLQ_HEADERS.deliveries]).toBe('3');
    expect(letter.headers[DLQ_HEADERS.consumer]).toBe('NEW');
    expect(letter.headers[DLQ_HEADERS.reason]).toContain('injected failure of every attempt');
    expect(JSON.parse(letter.data)).toEqual(doomed);
    // Each delivery ran the (failed) workflow anew, later each time: 200 ms, then 400 ms of backoff.
    const runs: Date[] = [];
    for await (const run of p.client.workflow.list({ query: `WorkflowId = 'process-${doomed!.orderId}'` }))
      runs.push(run.startTime);
    runs.sort((a, b) => a.getTime() - b.getTime());
    expect(runs).toHaveLength(3);
    expect(runs[1]!.getTime() - runs[0]!.getTime()).toBeGreaterThanOrEqual(200);
    expect(runs[2]!.getTime() - runs[1]!.getTime()).toBeGreaterThanOrEqual(400);
    expect(await idsWithPrefix(p, 'ORDERS.processed', 'doomed-')).toEqual([]);
    await expectDrained(p);
  }, 90_000);

  it('poison messages are terminated and dead-lettered with the reason; valid orders around them complete', async () => {
    await startWorker(p);
    await startBridge(p);
    const valid = orders(4, 'around-');
    const poison = {
      'not-json': 'this is not json',
      schema: JSON.stringify({ orderId: 'poison-schema', customerId: 'c', items: [], currency: 'EUR' }),
      'too-large': JSON.stringify({ orderId: 'poison-big', pad: 'x'.repeat(70_000) }),
      empty: '',
    };
    await publish(p, valid.slice(0, 2));
    for (const body of Object.values(poison)) await p.js.publish('ORDERS.received', body);
    await publish(p, valid.slice(2));
    await expectCompletedOnce(
      p,
      valid.map((o) => o.orderId),
      'around-',
    );
    await waitFor(
      '4 poison dead letters',
      async () => (await deadLetters(p)).filter((d) => d.headers[DLQ_HEADERS.kind] === 'poison').length >= 4,
    );
    const letters = (await deadLetters(p)).filter((d) => d.headers[DLQ_HEADERS.kind] === 'poison');
    for (const [kind, body] of Object.entries(poison)) {
      const letter = letters.find((d) => d.headers[DLQ_HEADERS.reason]!.startsWith(`${kind}:`));
      expect({ kind, data: letter?.data }).toEqual({ kind, data: body });
      expect(letter!.headers[DLQ_HEADERS.deliveries]).toBe('1');
      expect(Number(letter!.headers[DLQ_HEADERS.streamSeq])).toBeGreaterThan(0);
    }
    expect(
      letters.find((d) => d.headers[DLQ_HEADERS.reason]!.startsWith('schema:'))!.headers[DLQ_HEADERS.reason],
    ).toContain('items: must hold at least one item');
    await expectDrained(p);
  }, 90_000);

  it('two bridges and two workers share the consumers: every order exactly once', async () => {
    await startWorker(p);
    await startWorker(p);
    const a = await startBridge(p, { maxInFlight: '8' });
    const b = await startBridge(p, { maxInFlight: '8' });
    const batch = orders(40, 'shared-');
    await publish(p, batch);
    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      'shared-',
    );
    await expectDrained(p);
    expect(a.counters.acked).toBeGreaterThan(0);
    expect(b.counters.acked).toBeGreaterThan(0);
  }, 120_000);
});
