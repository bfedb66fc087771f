/**
 * The chaos checker's verdicts on hand-made server states: each kind of violation it exists to
 * find is found, and a clean state is judged clean. (The run itself is in
 * test/integration/chaos.test.ts.)
 */
import { effectKey, outputKey, parseEffectKey } from '../../workflows/names';
import { orderRevision } from '../../shared/orders/revision';
import type { Order } from '../../shared/orders/schema';
import type { CheckResult } from '../chaos/checker';
import { check } from '../chaos/checker';
import { indexEvidence } from '../chaos/evidence';
import type { Observation, SeenDeadLetter, SeenEffect, SeenRun, StoredOrderMessage } from '../chaos/observe';
import type { CaseKind, Expectation, OrderCase, Publication } from '../chaos/plan';
import type { PublishRecord } from '../chaos/publisher';

const STEPS = [
  ['process', 'reserveStock'],
  ['process', 'chargePayment'],
  ['dispatch', 'assignCourier'],
  ['dispatch', 'ship'],
] as const;

function order(id: string, quantity = 1): Order {
  return { orderId: id, customerId: 'c-1', items: [{ sku: 'KB-101', quantity, unitPrice: 49.9 }], currency: 'EUR' };
}

/** A little world: publish into it, then let the "pipeline" leave what it would leave. */
class World {
  readonly cases: OrderCase[] = [];
  readonly publications: Publication[] = [];
  readonly records: PublishRecord[] = [];
  readonly stream: StoredOrderMessage[] = [];
  readonly deadLetters: SeenDeadLetter[] = [];
  readonly effects: SeenEffect[] = [];
  readonly runs: SeenRun[] = [];
  readonly applied: Array<{ key: string; worker: string; kvRevision: number }> = [];
  consumers = { NEW: { pending: 0, ackPending: 0, ackFloor: 1000, redelivered: 0 } };

  addCase(id: string, kind: CaseKind, expect: Expectation, bodies: readonly Order[]): number[] {
    const seqs = bodies.map((o) => {
      const index = this.publications.length;
      const seq = this.stream.length + 1;
      this.publications.push({
        index,
        caseId: id,
        orderId: id,
        revision: orderRevision(o),
        msgId: id,
        body: '',
        atMs: 0,
      });
      this.records.push({ index, seq, attempts: 1, publishedAtMs: 0 });
      this.stream.push({ seq, subject: 'ORDERS.received', orderId: id, revision: orderRevision(o) });
      return index;
    });
    this.cases.push({ id, kind, expect, publications: seqs });
    return seqs.map((i) => this.records[i]!.seq!);
  }

  message(subject: string, o: Order): number {
    const seq = this.stream.length + 1;
    this.stream.push({ seq, subject, orderId: o.orderId, revision: orderRevision(o) });
    return seq;
  }

  /** What a correct pipeline leaves for a completed order. */
  complete(o: Order): void {
    const revision = orderRevision(o);
    this.message('ORDERS.processed', o);
    this.message('ORDERS.completed', o);
    for (const key of [
      ...STEPS.map(([stage, s]) => effectKey(stage, s, o.orderId, revision)),
      outputKey('process', o.orderId, revision),
    ]) {
      this.effects.push({ key, ...parseEffectKey(key) });
      this.applied.push({ key, worker: 'w', kvRevision: 1 });
    }
    for (const stage of ['process', 'dispatch'])
      this.runs.push({ workflowId: `${stage}-${o.orderId}`, runId: 'r', status: 'COMPLETED', type: 'x' });
  }

  letter(streamSeq: number, kind: string, orderId?: string): void {
    const id = this.deadLetters.length + 1;
    this.deadLetters.push({
      id,
      kind,
      consumer: 'NEW',
      streamSeq,
      subject: 'ORDERS.received',
      deliveries: 1,
      reason: 'r',
      ...(orderId ? { orderId } : {}),
    });
  }

  judge(): CheckResult {
    const o: Observation = {
      stream: this.stream,
      deadLetters: this.deadLetters,
      effects: this.effects,
      runs: this.runs,
      consumers: this.consumers,
    };
    return check(
      { cases: this.cases, publications: this.publications, records: this.records },
      indexEvidence(o, this.applied),
      o.consumers,
    );
  }
}

const verdictOf = (r: CheckResult, id: string): string => r.cases.find((c) => c.id === id)!.verdict;

describe('chaos checker', () => {
  test('a clean history: completed orders ok, poison and conflicts dead-lettered with their kind', () => {
    const w = new World();
    w.addCase('a', 'valid', 'complete', [order('a')]);
    w.complete(order('a'));
    const [, second] = w.addCase('b', 'conflict', 'conflict', [order('b'), order('b', 2)]);
    w.complete(order('b'));
    w.letter(second!, 'conflict', 'b');
    const [poison] = w.addCase('poison-1', 'poison-json', 'dead-letter-poison', [order('poison-1')]);
    w.letter(poison!, 'poison');
    const r = w.judge();
    expect(r.cases.map((c) => [c.id, c.verdict, c.findings])).toEqual([
      ['a', 'ok', []],
      ['b', 'ok', []],
      ['poison-1', 'dead-lettered', []],
    ]);
    expect(r.unexpected).toEqual([]);
  });

  test('an order acked without completing is lost; one still unacknowledged is pending', () => {
    const w = new World();
    w.addCase('lost', 'valid', 'complete', [order('lost')]);
    const [seq] = w.addCase('queued', 'valid', 'complete', [order('queued')]);
    w.consumers = { NEW: { pending: 1, ackPending: 0, ackFloor: seq! - 1, redelivered: 0 } };
    const r = w.judge();
    expect([verdictOf(r, 'lost'), verdictOf(r, 'queued')]).toEqual(['lost', 'pending']);
  });

  test('an effect applied twice, a stage message twice, both conflicting versions run: duplicated', () => {
    const w = new World();
    w.addCase('twice', 'valid', 'complete', [order('twice')]);
    w.complete(order('twice'));
    w.applied.push({
      key: effectKey('dispatch', 'ship', 'twice', orderRevision(order('twice'))),
      worker: 'w2',
      kvRevision: 9,
    });
    w.addCase('stage', 'valid', 'complete', [order('stage')]);
    w.complete(order('stage'));
    w.message('ORDERS.completed', order('stage'));
    w.addCase('both', 'conflict', 'conflict', [order('both'), order('both', 2)]);
    w.complete(order('both'));
    w.complete(order('both', 2));
    const r = w.judge();
    expect(['twice', 'stage', 'both'].map((id) => verdictOf(r, id))).toEqual([
      'duplicated',
      'duplicated',
      'duplicated',
    ]);
  });

  test('one application reported twice (a worker paused mid-report retried it) is not a duplicate', () => {
    const w = new World();
    w.addCase('retold', 'valid', 'complete', [order('retold')]);
    w.complete(order('retold'));
    const again = w.applied.find(
      (a) => a.key === effectKey('dispatch', 'ship', 'retold', orderRevision(order('retold'))),
    )!;
    w.applied.push({ ...again });
    expect(verdictOf(w.judge(), 'retold')).toBe('ok');
  });

  test('a conflicting version swallowed is lost; a dead letter of the wrong kind is misfiled', () => {
    const w = new World();
    w.addCase('swallowed', 'conflict', 'conflict', [order('swallowed'), order('swallowed', 2)]);
    w.complete(order('swallowed'));
    const [seq] = w.addCase('p', 'poison-schema', 'dead-letter-poison', [order('p')]);
    w.letter(seq!, 'failed', 'p');
    const r = w.judge();
    expect([verdictOf(r, 'swallowed'), verdictOf(r, 'p')]).toEqual(['lost', 'misfiled']);
  });

  test('what was never published is unexpected', () => {
    const w = new World();
    w.complete(order('ghost'));
    const r = w.judge();
    expect(r.unexpected.map((u) => u.what)).toEqual(['an order never published']);
  });
});
