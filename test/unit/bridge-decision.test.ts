import { decide, nakDelay } from '../../bridge/consumer/decision';
import { decodeStageMessage } from '../../bridge/consumer/decode';
import { Slots } from '../../bridge/consumer/slots';
import { isTemporalUnavailable } from '../../bridge/consumer/temporal-gate';

const policy = { maxDeliveries: 3, nakDelayMs: 1000, nakDelayMaxMs: 3000 };
const encode = (value: unknown): Uint8Array =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));
const order = {
  orderId: 'A-1',
  customerId: 'c-1',
  currency: 'EUR',
  items: [{ sku: 'KB-101', quantity: 1, unitPrice: 9.5 }],
};

describe('bridge decision - one outcome, one verb', () => {
  it('acks a completed workflow', () => {
    expect(decide({ type: 'completed', workflowId: 'w', runId: 'r' }, 1, policy)).toEqual({ verb: 'ack' });
  });

  it('terminates poison at once, with a poison dead letter', () => {
    expect(decide({ type: 'poison', reason: 'not-json: x' }, 1, policy)).toEqual({
      verb: 'term',
      deadLetter: { kind: 'poison', reason: 'not-json: x' },
    });
  });

  it('naks a failed workflow with a doubling, capped delay until the bound, then dead-letters it', () => {
    const failed = { type: 'failed', workflowId: 'w', reason: 'boom' } as const;
    expect(decide(failed, 1, policy)).toEqual({ verb: 'nak', delayMs: 1000 });
    expect(decide(failed, 2, policy)).toEqual({ verb: 'nak', delayMs: 2000 });
    expect(decide(failed, 3, policy)).toEqual({
      verb: 'term',
      deadLetter: { kind: 'failed', reason: 'boom (after 3 deliveries)' },
    });
    expect(nakDelay(10, policy)).toBe(3000);
  });

  it('hands an interrupted message back at once', () => {
    expect(decide({ type: 'interrupted' }, 4, policy)).toEqual({ verb: 'nak', delayMs: 0 });
  });
});

describe('bridge decode - what can never succeed is named', () => {
  it('decodes an order for the process stage and an upstream record for dispatch', () => {
    expect(decodeStageMessage('process', encode(order))).toEqual({ ok: true, payload: { order, upstream: {} } });
    const upstream = { process: { reserveStock: { step: 'reserveStock' } } };
    expect(decodeStageMessage('dispatch', encode({ order, stages: upstream }))).toEqual({
      ok: true,
      payload: { order, upstream },
    });
  });

  it.each([
    ['process', '', /^empty:/],
    ['process', 'nope', /^not-json:/],
    ['process', { ...order, items: [] }, /^schema: items: must hold at least one item/],
    ['dispatch', order, /^schema: expected \{"order"/],
    ['dispatch', { order: { ...order, currency: 'eur' }, stages: {} }, /^schema: currency:/],
  ] as const)('%s stage rejects %j', (stage, body, reason) => {
    const result = decodeStageMessage(stage, encode(body));
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });
});

describe('bridge temporal gate - what counts as Temporal being away', () => {
  it('recognises gRPC UNAVAILABLE and connection failures, also as causes', () => {
    expect(isTemporalUnavailable(Object.assign(new Error('x'), { code: 14 }))).toBe(true);
    expect(isTemporalUnavailable(new Error('outer', { cause: new Error('connect ECONNREFUSED 127.0.0.1:7233') }))).toBe(
      true,
    );
    expect(isTemporalUnavailable(new Error('Workflow execution failed'))).toBe(false);
    expect(isTemporalUnavailable(Object.assign(new Error('denied'), { code: 7 }))).toBe(false);
  });
});

describe('bridge slots - bounded in-flight', () => {
  it('waits for a free slot and for all to be free', async () => {
    const slots = new Slots(2);
    slots.take();
    slots.take();
    expect(slots.free).toBe(0);
    let freed = false;
    const waiting = slots.waitForFree().then(() => (freed = true));
    await Promise.resolve();
    expect(freed).toBe(false);
    slots.release();
    await waiting;
    expect(freed).toBe(true);
    const empty = slots.waitForEmpty();
    slots.release();
    await empty;
    expect(slots.inUse).toBe(0);
  });
});
