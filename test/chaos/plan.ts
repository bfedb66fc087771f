/**
 * What the chaos generator publishes, decided from the seed alone before anything runs: each
 * order case (valid, identical repeat, conflicting versions, poison, slow, failing then healing,
 * failing for good), its bytes, its message IDs and when it is published, and what is expected
 * of it. The worker fixture reads an order's behaviour back from its ID (see behaviourOf).
 */
import { demoOrders } from '../../shared/orders/demo';
import { orderRevision } from '../../shared/orders/revision';
import type { Order } from '../../shared/orders/schema';
import { validateOrder } from '../../shared/orders/schema';
import demo from '../../activities/demo';
import { STAGE_NAMES } from '../../workflows/names';
import type { Random } from './random';

export type CaseKind = 'valid' | 'repeat' | 'conflict' | 'slow' | 'flaky' | 'doomed' | 'poison-json' | 'poison-schema';

/** complete: runs once; conflict: one version completes, the other is dead-lettered `conflict`. */
export type Expectation = 'complete' | 'conflict' | 'dead-letter-poison' | 'dead-letter-failed';

export interface OrderCase {
  /** The order ID, or `poison-<n>` for bytes that name none. */
  readonly id: string;
  readonly kind: CaseKind;
  readonly expect: Expectation;
  /** Indexes into the publication list. */
  readonly publications: readonly number[];
  /** For doomed orders: the stage whose consumer dead-letters it. */
  readonly failingStage?: string;
}

export interface Publication {
  readonly index: number;
  readonly caseId: string;
  readonly orderId?: string;
  /** Content revision (shared/orders/revision.ts) of a valid order. */
  readonly revision?: string;
  readonly msgId: string;
  readonly body: string;
  /** When to publish, in ms from the start of the fault period. */
  readonly atMs: number;
}

const WEIGHTS: ReadonlyArray<readonly [CaseKind, number]> = [
  ['valid', 56],
  ['repeat', 9],
  ['conflict', 7],
  ['slow', 8],
  ['flaky', 8],
  ['doomed', 4],
  ['poison-json', 4],
  ['poison-schema', 4],
];

const EXPECT: Record<CaseKind, Expectation> = {
  valid: 'complete',
  repeat: 'complete',
  conflict: 'conflict',
  slow: 'complete',
  flaky: 'complete',
  doomed: 'dead-letter-failed',
  'poison-json': 'dead-letter-poison',
  'poison-schema': 'dead-letter-poison',
};

const ALL_STEPS = demo.functions.map((fn) => fn.name);

/** What the chaos worker does to an order, read from its ID. */
export type Behaviour =
  | { readonly type: 'none' }
  | { readonly type: 'slow'; readonly step: string; readonly ms: number }
  | { readonly type: 'flaky'; readonly step: string; readonly failures: number }
  | { readonly type: 'doomed'; readonly step: string };

export function behaviourOf(orderId: string): Behaviour {
  const m = /-(slow|flaky|doomed)-(\d+)-([A-Za-z]+)$/.exec(orderId);
  const [type, n, step] = [m?.[1], Number(m?.[2]), m?.[3] ?? ''];
  if (type === 'slow') return { type, step, ms: n };
  if (type === 'flaky') return { type, step, failures: n };
  if (type === 'doomed') return { type, step };
  return { type: 'none' };
}

function pickKind(random: Random): CaseKind {
  const total = WEIGHTS.reduce((sum, [, w]) => sum + w, 0);
  let roll = random.next() * total;
  for (const [kind, weight] of WEIGHTS) {
    if ((roll -= weight) < 0) return kind;
  }
  return 'valid';
}

function stageOf(step: string): string {
  return STAGE_NAMES.find((stage) => demo.stages[stage].some((fn) => fn.name === step))!;
}

function revisionOf(body: string): string | undefined {
  const result = validateOrder(JSON.parse(body));
  return result.ok ? orderRevision(result.order) : undefined;
}

export interface ChaosPlan {
  readonly cases: readonly OrderCase[];
  /** Sorted by atMs. */
  readonly publications: readonly Publication[];
}

/** The whole generator output for a seed: `count` order cases spread over `durationMs`. */
export function planOrders(random: Random, count: number, durationMs: number, prefix: string): ChaosPlan {
  const base = demoOrders(count, { prefix, seed: random.int(1, 2 ** 31) });
  const cases: OrderCase[] = [];
  const drafts: Array<Omit<Publication, 'index'>> = [];
  const spacing = durationMs / Math.max(1, count);
  base.forEach((demo, i) => {
    const kind = pickKind(random);
    const atMs = Math.floor(i * spacing + random.next() * spacing);
    const later = Math.min(durationMs, atMs + random.int(0, 12_000));
    const step = random.pick(ALL_STEPS);
    const suffix =
      kind === 'slow'
        ? `-slow-${random.int(2, 8) * 1000}-${step}`
        : kind === 'flaky'
          ? `-flaky-${random.int(1, 3)}-${step}`
          : kind === 'doomed'
            ? `-doomed-0-${step}`
            : '';
    // A fixed creation time: the demo generator stamps the current time, which a seed must not see.
    const order: Order = { ...demo, orderId: `${demo.orderId}${suffix}`, createdAt: '2026-01-01T00:00:00.000Z' };
    const first = JSON.stringify(order);
    const add = (p: Omit<Publication, 'index' | 'caseId'>, caseId: string): void => void drafts.push({ ...p, caseId });
    let id = order.orderId;
    if (kind === 'poison-json') {
      id = `poison-${i + 1}`;
      add({ msgId: `chaos/${id}`, body: first.slice(0, random.int(1, first.length - 1)), atMs }, id);
    } else if (kind === 'poison-schema') {
      const bad = { ...order, items: order.items.map((item) => ({ ...item, quantity: 0 })) };
      add({ orderId: id, msgId: id, body: JSON.stringify(bad), atMs }, id);
    } else {
      add({ orderId: id, revision: revisionOf(first), msgId: id, body: first, atMs }, id);
      // The second copy carries a message ID of its own, so JetStream stores it as a new message.
      if (kind === 'repeat')
        add({ orderId: id, revision: revisionOf(first), msgId: `chaos/${id}/2`, body: first, atMs: later }, id);
      if (kind === 'conflict') {
        const items = order.items.map((item, j) => (j === 0 ? { ...item, quantity: item.quantity + 1 } : item));
        const second = JSON.stringify({ ...order, items });
        add({ orderId: id, revision: revisionOf(second), msgId: `chaos/${id}/2`, body: second, atMs: later }, id);
      }
    }
    cases.push({
      id,
      kind,
      expect: EXPECT[kind],
      publications: [],
      ...(kind === 'doomed' ? { failingStage: stageOf(step) } : {}),
    });
  });
  const publications = drafts
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.atMs - b.d.atMs || a.i - b.i)
    .map(({ d }, index) => ({ ...d, index }));
  const byCase = new Map<string, number[]>();
  for (const p of publications) byCase.set(p.caseId, [...(byCase.get(p.caseId) ?? []), p.index]);
  return { cases: cases.map((c) => ({ ...c, publications: byCase.get(c.id) ?? [] })), publications };
}
