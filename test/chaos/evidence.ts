/**
 * The servers' state, indexed by order for the checker: each order's stage messages, dead
 * letters, effects-bucket records and Temporal runs, plus what belongs to no order at all.
 */
import { SUBJECTS, parseEffectKey, workflowIdFor } from '../../workflows/names';
import type { AppliedEffect } from './effect-counter';
import type { Observation, SeenDeadLetter, SeenEffect, SeenRun, StoredOrderMessage } from './observe';

export interface OrderEvidence {
  readonly received: StoredOrderMessage[];
  readonly processed: StoredOrderMessage[];
  readonly completed: StoredOrderMessage[];
  readonly deadLetters: SeenDeadLetter[];
  readonly records: SeenEffect[];
  readonly runs: { readonly process: SeenRun[]; readonly dispatch: SeenRun[] };
  /**
   * The bucket revisions at which each of its keys was reported applied. One application can be
   * reported more than once (a worker paused mid-report retries it), always with its one revision;
   * an effect applied twice has two.
   */
  readonly applied: Map<string, Set<number>>;
  /** Keys a worker reported applied that the bucket no longer holds. */
  readonly vanished: string[];
}

export interface Evidence {
  /** By order ID; poison without an order ID is found by stream sequence instead. */
  readonly orders: Map<string, OrderEvidence>;
  /** Dead letters by the ORDERS sequence of the message they hold. */
  readonly deadLettersBySeq: Map<number, SeenDeadLetter[]>;
  readonly messagesBySeq: Map<number, StoredOrderMessage>;
  /** Things that name no order, or a bucket key keys.ts cannot read. */
  readonly orphans: Array<{ readonly what: string; readonly detail: string }>;
}

function blank(): OrderEvidence {
  return {
    received: [],
    processed: [],
    completed: [],
    deadLetters: [],
    records: [],
    runs: { process: [], dispatch: [] },
    applied: new Map(),
    vanished: [],
  };
}

export function indexEvidence(o: Observation, applied: readonly AppliedEffect[]): Evidence {
  const orders = new Map<string, OrderEvidence>();
  const of = (id: string): OrderEvidence => {
    let e = orders.get(id);
    if (!e) orders.set(id, (e = blank()));
    return e;
  };
  const orphans: Array<{ what: string; detail: string }> = [];
  const messagesBySeq = new Map(o.stream.map((m) => [m.seq, m]));
  for (const m of o.stream) {
    if (!m.orderId) continue;
    const e = of(m.orderId);
    if (m.subject === SUBJECTS.received) e.received.push(m);
    else if (m.subject === SUBJECTS.processed) e.processed.push(m);
    else if (m.subject === SUBJECTS.completed) e.completed.push(m);
    else orphans.push({ what: 'message on an unknown subject', detail: `${m.subject} seq ${m.seq}` });
  }
  for (const m of o.stream) {
    if (!m.orderId && m.subject !== SUBJECTS.received)
      orphans.push({ what: 'stage message without a valid order', detail: `${m.subject} seq ${m.seq}` });
  }
  const deadLettersBySeq = new Map<number, SeenDeadLetter[]>();
  for (const d of o.deadLetters) {
    deadLettersBySeq.set(d.streamSeq, [...(deadLettersBySeq.get(d.streamSeq) ?? []), d]);
    if (d.orderId) of(d.orderId).deadLetters.push(d);
  }
  for (const r of o.effects) {
    if (r.orderId) of(r.orderId).records.push(r);
    else orphans.push({ what: 'effects-bucket key keys.ts cannot read', detail: r.key });
  }
  for (const run of o.runs) {
    const [stage, ...rest] = run.workflowId.split('-');
    const orderId = rest.join('-');
    if ((stage === 'process' || stage === 'dispatch') && workflowIdFor(stage, orderId) === run.workflowId)
      of(orderId).runs[stage].push(run);
    else orphans.push({ what: 'workflow run of no stage', detail: `${run.workflowId} ${run.status}` });
  }
  const inBucket = new Set(o.effects.map((r) => r.key));
  for (const a of applied) {
    const parsed = parseEffectKey(a.key);
    if (!parsed) {
      orphans.push({ what: 'applied effect with a key keys.ts cannot read', detail: a.key });
      continue;
    }
    const e = of(parsed.orderId);
    e.applied.set(a.key, (e.applied.get(a.key) ?? new Set<number>()).add(a.kvRevision));
    if (!inBucket.has(a.key) && !e.vanished.includes(a.key)) e.vanished.push(a.key);
  }
  return { orders, deadLettersBySeq, messagesBySeq, orphans };
}
