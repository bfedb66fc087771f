import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';

import type { ApplyContext } from '../../bridge/decision/apply-decision';
import { applyDecision, settle } from '../../bridge/decision/apply-decision';
import type { Outcome } from '../../bridge/decision/decision';
import { decide, decideFinal, nakDelay } from '../../bridge/decision/decision';
import { newCounters } from '../../bridge/counters';
import type { Logger } from '../../shared/log';
import { decodeStageMessage } from '../../shared/orders/decode';
import { Slots } from '../../bridge/consumer/slots';
import { IntakeGate } from '../../bridge/gates/intake-gate';

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
    expect(decide({ type: 'completed', workflowId: 'w', runId: 'r' }, policy)).toEqual({ verb: 'ack' });
  });

  it('terminates poison at once, with a poison dead letter', () => {
    expect(decide({ type: 'poison', reason: 'not-json: x' }, policy)).toEqual({
      verb: 'term',
      deadLetter: { kind: 'poison', reason: 'not-json: x' },
    });
  });

  it('dead-letters a run a function rejected at its first failure: no later run would change it', () => {
    const rejected = {
      type: 'failed',
      workflowId: 'w',
      runId: 'r',
      failures: 1,
      reason: 'declined',
      rejected: true,
    } as const;
    expect(decide(rejected, policy)).toEqual({
      verb: 'term',
      deadLetter: { kind: 'failed', reason: 'declined (rejected: not run again)' },
    });
  });

  it('naks a failed run with a doubling, capped delay until the bound of failed runs, then dead-letters it', () => {
    const failed = (failures: number) =>
      ({ type: 'failed', workflowId: 'w', runId: 'r', failures, reason: 'boom' }) as const;
    expect(decide(failed(1), policy)).toEqual({ verb: 'nak', delayMs: 1000 });
    expect(decide(failed(2), policy)).toEqual({ verb: 'nak', delayMs: 2000 });
    expect(decide(failed(3), policy)).toEqual({
      verb: 'term',
      deadLetter: { kind: 'failed', reason: 'boom (after 3 failed runs)' },
    });
    expect(nakDelay(10, policy)).toBe(3000);
  });

  it('parks a conflict, a stuck run and an operator decision with their kind and details', () => {
    for (const kind of ['conflict', 'stuck', 'terminated', 'cancelled', 'timed-out'] as const) {
      expect(decide({ type: 'parked', kind, workflowId: 'w', reason: 'r', details: { a: 'b' } }, policy)).toEqual({
        verb: 'term',
        deadLetter: { kind, reason: 'r', details: { a: 'b' } },
      });
    }
  });

  it("hands back what is nobody's fault after the first delay, uncharged, and an interrupted message at once", () => {
    expect(decide({ type: 'retry-later', reason: 'x' }, policy)).toEqual({ verb: 'nak', delayMs: 1000 });
    expect(decide({ type: 'interrupted' }, policy)).toEqual({ verb: 'nak', delayMs: 0 });
  });
});

describe('bridge decision - the verbs once chosen elsewhere are decided here too', () => {
  it('holds a system fault for the intake gate, uncharged (the handler carries it out, nothing is sent)', () => {
    expect(decide({ type: 'system-fault', workflowId: 'w' }, policy)).toEqual({ verb: 'hold' });
  });

  it('hands back at once what a warm standby received but never started', () => {
    expect(decide({ type: 'not-started' }, policy)).toEqual({ verb: 'nak', delayMs: 0 });
  });

  it('leaves a message an unexpected error interrupted to the ack wait: nothing more is sent', () => {
    expect(decide({ type: 'unexpected', error: 'bug' }, policy)).toEqual({ verb: 'leave' });
  });

  it('hands back, after the first delay and uncharged, a message whose dead letter could not be recorded', () => {
    const terms: Outcome[] = [
      { type: 'poison', reason: 'not-json: x' },
      { type: 'failed', workflowId: 'w', runId: 'r', failures: 3, reason: 'boom' },
      { type: 'parked', kind: 'stuck', workflowId: 'w', reason: 'r' },
    ];
    for (const of of terms) {
      expect(decide(of, policy).verb).toBe('term');
      expect(decide({ type: 'dead-letter-unrecorded', of, error: 'no stream' }, policy)).toEqual({
        verb: 'nak',
        delayMs: 1000,
      });
    }
  });

  it('refuses to hold an outcome outside its handler, and decides every other as decide does', () => {
    expect(() => decideFinal({ type: 'system-fault', workflowId: 'w' }, policy)).toThrow(/held only by/);
    expect(decideFinal({ type: 'interrupted' }, policy)).toEqual(decide({ type: 'interrupted' }, policy));
  });
});

type Line = [level: string, msg: string, fields?: Record<string, unknown>];

/** A logger that keeps its lines. */
function recording(lines: Line[]): Logger {
  const at =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void =>
      void lines.push(fields ? [level, msg, fields] : [level, msg]);
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => log };
  return log;
}

/** A message that records the verbs sent for it. */
function fakeMessage(
  sent: string[],
  nak: (delay?: number) => void = (delay) => sent.push(`nak ${delay ?? ''}`),
): JsMsg {
  return {
    seq: 7,
    subject: 'ORDERS.received',
    data: new Uint8Array(),
    info: { deliveryCount: 1, timestampNanos: 0 },
    nak,
    term: (reason?: string) => sent.push(`term ${reason ?? ''}`),
    ackAck: () => Promise.resolve(sent.push('ack') > 0),
    working: () => sent.push('working'),
  } as unknown as JsMsg;
}

function applyContext(js: Partial<JetStreamClient> = {}): ApplyContext {
  return {
    js: js as JetStreamClient,
    consumer: 'NEW',
    features: { nakWithDelay: true, termWithReason: true },
    policy,
    counters: newCounters(),
    endToEnd: { observe: () => undefined },
  };
}

describe('bridge apply - each decision carried out, counted and logged as before', () => {
  it('hands back a message whose dead letter could not be recorded, never terminating it', async () => {
    const sent: string[] = [];
    const lines: Line[] = [];
    const ctx = applyContext({ jetstreamManager: () => Promise.reject(new Error('no dead-letter stream')) });
    const poison: Outcome = { type: 'poison', reason: 'not-json: x' };
    await applyDecision(fakeMessage(sent), poison, decideFinal(poison, policy), ctx, recording(lines));
    expect(sent).toEqual(['nak 1000']);
    expect(ctx.counters).toEqual({ received: 0, acked: 0, naked: 1, terminated: 0 });
    expect(lines).toEqual([
      ['error', 'dead letter not recorded; message handed back', { outcome: 'poison', error: 'no dead-letter stream' }],
    ]);
  });

  it("hands back a standby's message not started at once, neither counted nor logged (the pull counts them)", async () => {
    const sent: string[] = [];
    const lines: Line[] = [];
    const ctx = applyContext();
    await settle(fakeMessage(sent), { type: 'not-started' }, ctx, recording(lines));
    expect(sent).toEqual(['nak ']);
    expect(ctx.counters).toEqual(newCounters());
    expect(lines).toEqual([]);
  });

  it('sends nothing after an unexpected error, and logs it with the stream sequence', async () => {
    const sent: string[] = [];
    const lines: Line[] = [];
    const ctx = applyContext();
    await settle(fakeMessage(sent), { type: 'unexpected', error: 'bug' }, ctx, recording(lines));
    expect(sent).toEqual([]);
    expect(ctx.counters).toEqual(newCounters());
    expect(lines).toEqual([
      ['error', 'message left for redelivery after an unexpected error', { streamSeq: 7, error: 'bug' }],
    ]);
  });

  it('throws at once when a nak cannot be sent (a standby stops handing back on a closed connection)', () => {
    const closed = fakeMessage([], () => {
      throw new Error('connection closed');
    });
    expect(() => void settle(closed, { type: 'not-started' }, applyContext(), recording([]))).toThrow(
      'connection closed',
    );
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

describe('bridge intake gate - closed while any system fault holds it', () => {
  it('opens only when every key is open, tells its reasons, and every wait ends on abort', async () => {
    const gate = new IntakeGate();
    const seen: string[][] = [];
    gate.onChange((reasons) => seen.push([...reasons]));
    gate.close('temporal', 'Temporal unreachable');
    gate.close('no-worker', 'no worker');
    expect(gate.reasons).toEqual(['Temporal unreachable', 'no worker']);
    let opened = false;
    const waiting = gate.whenOpen(new AbortController().signal).then(() => (opened = true));
    gate.open('temporal');
    await Promise.resolve();
    expect(opened).toBe(false);
    gate.open('no-worker');
    await waiting;
    expect(opened).toBe(true);
    expect(seen).toEqual([['Temporal unreachable'], ['Temporal unreachable', 'no worker'], ['no worker'], []]);
    gate.close('temporal', 'again');
    const stop = new AbortController();
    const abandoned = gate.whenOpen(stop.signal);
    stop.abort();
    await abandoned;
    expect(gate.isOpen).toBe(false);
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

  it('waits for several free slots at once (a pull sized for a batch), never more than the capacity', async () => {
    const slots = new Slots(4);
    for (let i = 0; i < 4; i += 1) slots.take();
    let freed = false;
    const waiting = slots.waitForFree(undefined, 2).then(() => (freed = true));
    slots.release();
    await Promise.resolve();
    expect(freed).toBe(false);
    slots.release();
    await waiting;
    expect(slots.free).toBe(2);
    // Asking for more than there are means all of them.
    const all = slots.waitForFree(undefined, 99);
    slots.release();
    slots.release();
    await all;
    expect(slots.free).toBe(4);
  });

  it('abandons a wait for a free slot when its signal aborts (shutdown)', async () => {
    const slots = new Slots(1);
    slots.take();
    const stop = new AbortController();
    const waiting = slots.waitForFree(stop.signal);
    stop.abort();
    await waiting;
    expect(slots.free).toBe(0);
  });
});
