/**
 * The verdict, Jepsen's way, from the history (what was published and what is expected of it)
 * and the servers' state alone: per order ok, dead-lettered (with the expected kind), lost,
 * duplicated, misfiled (dead-lettered with the wrong kind, or when it should have completed) or
 * still pending; plus everything unexpected (found, but never published).
 */
import demo from '../../activities/demo';
import type { Evidence, OrderEvidence } from './evidence';
import type { SeenConsumer, StoredOrderMessage } from './observe';
import type { OrderCase, Publication } from './plan';
import type { PublishRecord } from './publisher';

export type Verdict = 'ok' | 'dead-lettered' | 'lost' | 'duplicated' | 'misfiled' | 'pending';

export interface CaseVerdict {
  readonly id: string;
  readonly kind: OrderCase['kind'];
  readonly verdict: Verdict;
  /** Why, one line per finding, each starting with the verdict it supports. */
  readonly findings: readonly string[];
}

export interface Unexpected {
  readonly what: string;
  readonly detail: string;
}

export interface History {
  readonly cases: readonly OrderCase[];
  readonly publications: readonly Publication[];
  readonly records: readonly PublishRecord[];
}

const STEPS = demo.functions.map((fn) => fn.name);
const PRIORITY: readonly Verdict[] = ['duplicated', 'misfiled', 'lost', 'pending'];

class Findings {
  readonly lines: string[] = [];
  add(verdict: Verdict, line: string): void {
    this.lines.push(`${verdict}: ${line}`);
  }
  verdict(fallback: Verdict): Verdict {
    return PRIORITY.find((v) => this.lines.some((l) => l.startsWith(`${v}:`))) ?? fallback;
  }
}

const seqs = (ms: readonly StoredOrderMessage[]): string => ms.map((m) => m.seq).join(', ');

/** Not done and not lost: its message is still unacknowledged, or one of its runs still runs. */
function stillPending(seq: number, consumer: SeenConsumer | undefined, e: OrderEvidence | undefined): boolean {
  const running = [...(e?.runs.process ?? []), ...(e?.runs.dispatch ?? [])].some((r) => r.status === 'RUNNING');
  const queued = consumer !== undefined && consumer.pending + consumer.ackPending > 0 && seq > consumer.ackFloor;
  return running || queued;
}

function checkDuplicates(e: OrderEvidence, f: Findings): void {
  for (const [key, revisions] of e.applied) {
    if (revisions.size > 1)
      f.add('duplicated', `effect ${key} applied ${revisions.size} times (revisions ${[...revisions].join(', ')})`);
  }
  for (const [subject, list] of [
    ['ORDERS.processed', e.processed],
    ['ORDERS.completed', e.completed],
  ] as const) {
    const byRevision = new Map<string, StoredOrderMessage[]>();
    for (const m of list) byRevision.set(m.revision ?? '?', [...(byRevision.get(m.revision ?? '?') ?? []), m]);
    for (const [revision, ms] of byRevision)
      if (ms.length > 1)
        f.add('duplicated', `${subject} ${ms.length} times for revision ${revision} (seqs ${seqs(ms)})`);
  }
  for (const stage of ['process', 'dispatch'] as const) {
    const done = e.runs[stage].filter((r) => r.status === 'COMPLETED');
    if (done.length > 1) f.add('duplicated', `${stage} workflow completed ${done.length} times`);
  }
  const byMessage = new Map<number, number>();
  for (const d of e.deadLetters) byMessage.set(d.streamSeq, (byMessage.get(d.streamSeq) ?? 0) + 1);
  for (const [seq, n] of byMessage) if (n > 1) f.add('duplicated', `${n} dead letters for ORDERS seq ${seq}`);
  for (const key of e.vanished) f.add('lost', `effect ${key} was applied but the bucket no longer holds it`);
}

/** Revision `revision` went all the way: both stage messages, every function's effect. */
function checkCompleted(e: OrderEvidence, revision: string, f: Findings): boolean {
  const completed = e.completed.some((m) => m.revision === revision);
  if (!completed) return false;
  if (!e.processed.some((m) => m.revision === revision)) f.add('lost', `completed without ORDERS.processed`);
  for (const step of STEPS) {
    const found = e.records.some((r) => r.kind === 'effect' && r.name === step && r.revision === revision);
    if (!found) f.add('lost', `completed without the ${step} effect`);
  }
  return true;
}

interface Context {
  readonly evidence: Evidence;
  readonly consumers: Readonly<Record<string, SeenConsumer>>;
  readonly unexpected: Unexpected[];
}

function judgeCase(c: OrderCase, history: History, ctx: Context): CaseVerdict {
  const f = new Findings();
  const pubs = c.publications.map((i) => ({ p: history.publications[i]!, r: history.records[i]! }));
  const e = ctx.evidence.orders.get(c.id);
  if (e) checkDuplicates(e, f);
  const revisions = new Set(pubs.map(({ p }) => p.revision).filter((r): r is string => r !== undefined));
  for (const m of [...(e?.processed ?? []), ...(e?.completed ?? [])])
    if (!m.revision || !revisions.has(m.revision))
      ctx.unexpected.push({ what: `${m.subject} of a revision never published`, detail: `${c.id} seq ${m.seq}` });
  for (const r of e?.records ?? [])
    if (!r.revision || !revisions.has(r.revision))
      ctx.unexpected.push({ what: 'effect of a revision never published', detail: r.key });
  const lettersOf = (seq: number | undefined) =>
    seq === undefined ? [] : (ctx.evidence.deadLettersBySeq.get(seq) ?? []);
  /** The message at `seq` ended as a dead letter of `kind` (or is on its way, or was lost). */
  const expectLetter = (seq: number | undefined, kind: string, consumer: string, what: string): void => {
    const letters = lettersOf(seq);
    if (seq === undefined) f.add('pending', `${what} was never published (the generator gave up)`);
    else if (letters.some((d) => d.kind === kind)) return;
    else if (letters.length > 0) f.add('misfiled', `${what} dead-lettered as ${letters[0]!.kind}, not ${kind}`);
    else if (stillPending(seq, ctx.consumers[consumer], e)) f.add('pending', `${what} (seq ${seq}) not done yet`);
    else
      f.add(
        'lost',
        `${what} (seq ${seq}) neither ${kind === 'failed' ? 'completed' : 'run'} nor dead-lettered as ${kind}`,
      );
  };
  const noLetters = (seq: number | undefined, what: string): void => {
    for (const d of lettersOf(seq)) f.add('misfiled', `${what} (seq ${seq}) dead-lettered as ${d.kind}: ${d.reason}`);
  };
  const expectComplete = (revision: string | undefined, seq: number | undefined): void => {
    if (!e || !revision || !checkCompleted(e, revision, f)) {
      if (seq === undefined) f.add('pending', 'never published (the generator gave up)');
      else if (lettersOf(seq).length === 0 && !e?.processed.some((m) => lettersOf(m.seq).length > 0)) {
        const processedSeq = e?.processed.find((m) => m.revision === revision)?.seq;
        const pending =
          stillPending(seq, ctx.consumers.NEW, e) ||
          (processedSeq !== undefined && stillPending(processedSeq, ctx.consumers.DISPATCH, e));
        f.add(pending ? 'pending' : 'lost', `revision ${revision} not completed${pending ? ' yet' : ''}`);
      }
    }
    for (const m of e?.processed ?? []) noLetters(m.seq, 'its ORDERS.processed');
  };
  const [first] = pubs;
  switch (c.expect) {
    case 'complete':
      expectComplete(first?.p.revision, first?.r.seq);
      for (const { r } of pubs) noLetters(r.seq, 'its message');
      break;
    case 'conflict': {
      const winners = pubs.filter(({ p }) => e?.completed.some((m) => m.revision === p.revision));
      if (winners.length > 1) f.add('duplicated', 'both conflicting versions completed');
      const ran = new Set((e?.records ?? []).filter((r) => r.kind === 'effect').map((r) => r.revision));
      if (ran.size > 1) f.add('duplicated', 'effects of both conflicting versions were applied');
      const winner = winners[0] ?? first;
      const loser = pubs.find((x) => x !== winner);
      expectComplete(winner?.p.revision, winner?.r.seq);
      noLetters(winner?.r.seq, 'the winning version');
      expectLetter(loser?.r.seq, 'conflict', 'NEW', `the conflicting version ${loser?.p.revision ?? '?'}`);
      break;
    }
    case 'dead-letter-poison':
      expectLetter(first?.r.seq, 'poison', 'NEW', 'the poison message');
      if (e && (e.processed.length || e.runs.process.length))
        f.add('misfiled', 'a poison message reached a workflow or ORDERS.processed');
      break;
    case 'dead-letter-failed': {
      if (e?.completed.length) f.add('misfiled', 'completed though a function fails for good');
      if (c.failingStage === 'dispatch') {
        const processed = e?.processed[0];
        if (processed) expectLetter(processed.seq, 'failed', 'DISPATCH', 'its ORDERS.processed');
        else if (first?.r.seq === undefined) f.add('pending', 'never published (the generator gave up)');
        else if (lettersOf(first.r.seq).length) noLetters(first.r.seq, 'its message');
        else if (stillPending(first.r.seq, ctx.consumers.NEW, e)) f.add('pending', 'not processed yet');
        else f.add('lost', `its message (seq ${first.r.seq}) never reached ORDERS.processed`);
      } else {
        expectLetter(first?.r.seq, 'failed', 'NEW', 'its message');
      }
      break;
    }
  }
  const fallback: Verdict = c.expect === 'complete' || c.expect === 'conflict' ? 'ok' : 'dead-lettered';
  return { id: c.id, kind: c.kind, verdict: f.verdict(fallback), findings: f.lines };
}

export interface CheckResult {
  readonly cases: readonly CaseVerdict[];
  readonly unexpected: readonly Unexpected[];
}

export function check(
  history: History,
  evidence: Evidence,
  consumers: Readonly<Record<string, SeenConsumer>>,
): CheckResult {
  const unexpected: Unexpected[] = [...evidence.orphans];
  const ctx: Context = { evidence, consumers, unexpected };
  const cases = history.cases.map((c) => judgeCase(c, history, ctx));
  const known = new Set(history.cases.map((c) => c.id));
  for (const [id, e] of evidence.orders) {
    if (known.has(id)) continue;
    const what = [
      e.received.length && 'received',
      e.processed.length && 'processed',
      e.completed.length && 'completed',
      e.records.length && 'effects',
      e.runs.process.length + e.runs.dispatch.length && 'runs',
      e.deadLetters.length && 'dead letters',
    ].filter(Boolean);
    unexpected.push({ what: 'an order never published', detail: `${id}: ${what.join(', ')}` });
  }
  const publishedSeqs = new Set(history.records.map((r) => r.seq));
  for (const [seq, m] of evidence.messagesBySeq)
    if (m.subject === 'ORDERS.received' && !publishedSeqs.has(seq))
      unexpected.push({ what: 'ORDERS.received message never published', detail: `seq ${seq}` });
  for (const [seq, letters] of evidence.deadLettersBySeq)
    if (!evidence.messagesBySeq.has(seq))
      unexpected.push({ what: 'dead letter of no stored message', detail: `seq ${seq} (${letters.length})` });
  return { cases, unexpected };
}
