/**
 * Hole 6 of the delivery contract: a second message for the same order and stage with different
 * content is neither run nor swallowed but dead-lettered as a `conflict`, with both versions
 * findable; an identical repeat stays harmless; a corrected redrive of a failed order never mixes
 * its effects with the old content's.
 */
import { STREAM, parseEffectKey } from '../../workflows/names';
import { redriveDeadLetter } from '../../operate/dlq/dead-letter-store';
import { orderRevision } from '../../shared/orders/revision';
import type { Order } from '../../shared/orders/schema';
import { expectCompletedOnce, expectDrained } from '../harness/expect-pipeline';
import type { Pipeline } from '../harness/pipeline';
import {
  effectKeys,
  lettersOf,
  orders,
  runsOf,
  startBridge,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';

/** Publishes without a Nats-Msg-Id, so JetStream stores every copy (as after the duplicate window). */
async function publishRaw(p: Pipeline, order: Order): Promise<number> {
  return (await p.js.publish('ORDERS.received', JSON.stringify(order))).seq;
}

function secondVersion(order: Order): Order {
  return { ...order, items: order.items.map((item) => ({ ...item, quantity: item.quantity + 1 })) };
}

describe('bridge - conflicting second messages', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
  }, 60_000);
  afterEach(stopComponents, 60_000);

  it('a second version of a completed order is dead-lettered as conflict with both versions findable; an identical repeat is harmless', async () => {
    await startWorker(p);
    await startBridge(p);
    const [first] = orders(1, 'conf-');
    const firstSeq = await publishRaw(p, first!);
    await expectCompletedOnce(p, [first!.orderId], 'conf-');

    const second = secondVersion(first!);
    const secondSeq = await publishRaw(p, second);
    await waitFor('the second version dead-lettered', async () => (await lettersOf(p, first!.orderId)).length > 0);
    const [letter] = await lettersOf(p, first!.orderId);
    expect(letter!.kind).toBe('conflict');
    expect(letter!.streamSeq).toBe(secondSeq);
    expect(JSON.parse(new TextDecoder().decode(letter!.payload))).toEqual(second);
    // The other version is named, and is where the dead letter says.
    expect(letter!.details).toMatchObject({
      conflictsWithSeq: String(firstSeq),
      conflictsWithRevision: orderRevision(first!),
      revision: orderRevision(second),
    });
    expect((await p.jsm.streams.getMessage(STREAM, { seq: firstSeq }))!.json()).toEqual(first);

    // The same bytes again: acknowledged against the completed run, nothing new.
    await publishRaw(p, first!);
    await expectDrained(p);
    expect(await lettersOf(p, first!.orderId)).toHaveLength(1);
    await expectCompletedOnce(p, [first!.orderId], 'conf-');
  }, 90_000);

  it('a second version arriving while the first one runs is dead-lettered; the first completes once', async () => {
    await startWorker(p, { orderPrefix: 'confslow-', step: 'reserveStock', slowMs: 3000 });
    await startBridge(p);
    const [first] = orders(1, 'confslow-');
    await publishRaw(p, first!);
    await waitFor('the first version running', async () => (await runsOf(p, `process-${first!.orderId}`)) === 1);
    await publishRaw(p, secondVersion(first!));
    await waitFor('the second version dead-lettered', async () => (await lettersOf(p, first!.orderId)).length > 0);
    expect((await lettersOf(p, first!.orderId))[0]!.kind).toBe('conflict');
    await expectCompletedOnce(p, [first!.orderId], 'confslow-');
    await expectDrained(p);
  }, 90_000);

  it('a corrected redrive of a failed order runs with its own effects, never the old content’s', async () => {
    // The first version's charge fails for good after its stock was reserved.
    await startWorker(p, { orderPrefix: 'mix-', step: 'chargePayment', failForGood: true });
    await startBridge(p, { maxDeliveries: '1' });
    const [first] = orders(1, 'mix-');
    await publishRaw(p, first!);
    await waitFor('the failed order dead-lettered', async () => (await lettersOf(p, first!.orderId)).length > 0);
    const [letter] = await lettersOf(p, first!.orderId);
    expect(letter!.kind).toBe('failed');
    await stopComponents();

    await startWorker(p);
    await startBridge(p);
    const corrected = secondVersion(first!);
    await redriveDeadLetter(p.js, p.jsm, letter!, new TextEncoder().encode(JSON.stringify(corrected)));
    await waitFor(
      'the corrected order processed',
      async () =>
        (await p.client.workflow.getHandle(`process-${first!.orderId}`).describe()).status.name === 'COMPLETED',
    );
    const result = (await p.client.workflow.getHandle(`process-${first!.orderId}`).result()) as {
      steps: Record<string, { result: Record<string, unknown> }>;
    };
    const units = (o: Order): number => o.items.reduce((sum, item) => sum + item.quantity, 0);
    // The reservation the run reports is the corrected order's, not the one the failed run made.
    expect(result.steps.reserveStock!.result.units).toBe(units(corrected));
    const reservations = (await effectKeys(p))
      .map((key) => parseEffectKey(key))
      .filter((k) => k?.orderId === first!.orderId && k.name === 'reserveStock')
      .map((k) => k!.revision)
      .sort();
    expect(reservations).toEqual([orderRevision(first!), orderRevision(corrected)].sort());
    await expectDrained(p);
  }, 120_000);
});
