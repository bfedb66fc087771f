/** Invariants of a finished pipeline, checked against the servers' state only. */
import type { Order } from '../../shared/orders/schema';
import { parseEffectKey, STREAM } from '../../workflows/names';
import type { Pipeline } from './pipeline';
import { backlog, deliveries, effectKeys, orderIdsOn, orders, publish, runsOf, waitFor } from './pipeline';

/** What the checks read: the stream, the effects bucket and Temporal, on any deployment. */
type Observed = Pick<Pipeline, 'jsm' | 'kv' | 'client'>;

const STEPS = ['assignCourier', 'chargePayment', 'reserveStock', 'ship'];
const STAGE_NAMES = ['dispatch', 'process'];

export async function idsWithPrefix(p: Observed, subject: string, prefix: string): Promise<string[]> {
  return (await orderIdsOn(p, subject)).filter((id) => id.startsWith(prefix)).sort();
}

/** `<kind> <name> <orderId>` of every effects-bucket record of the orders in scope; every key must parse. */
async function recordsOf(p: Observed, inScope: (orderId: string) => boolean): Promise<string[]> {
  const keys = await effectKeys(p);
  expect(keys.filter((key) => !parseEffectKey(key))).toEqual([]);
  return keys
    .map((key) => parseEffectKey(key)!)
    .filter((k) => inScope(k.orderId))
    .map((k) => `${k.kind} ${k.name} ${k.orderId}`)
    .sort();
}

/**
 * The orders in scope are exactly `ids`, each reached ORDERS.processed and ORDERS.completed
 * once, each of its four effects and two stage outputs is recorded once (one revision), and
 * Temporal has exactly one run per order and stage.
 */
async function expectScopeCompletedOnce(
  p: Observed,
  ids: readonly string[],
  inScope: (orderId: string) => boolean,
  timeoutMs: number,
): Promise<void> {
  const on = async (subject: string): Promise<string[]> => (await orderIdsOn(p, subject)).filter(inScope).sort();
  // A stage's output is recorded right after it is published, and the next stage may finish first.
  const outputs = async (): Promise<string[]> => (await recordsOf(p, inScope)).filter((r) => r.startsWith('output '));
  await waitFor(
    `${ids.length} orders completed, both stage outputs recorded`,
    async () =>
      (await on('ORDERS.completed')).length >= ids.length &&
      (await outputs()).length >= ids.length * STAGE_NAMES.length,
    timeoutMs,
  );
  const sorted = [...ids].sort();
  expect(await on('ORDERS.processed')).toEqual(sorted);
  expect(await on('ORDERS.completed')).toEqual(sorted);
  const records = await recordsOf(p, inScope);
  expect(records.filter((r) => r.startsWith('effect '))).toEqual(
    sorted.flatMap((id) => STEPS.map((step) => `effect ${step} ${id}`)).sort(),
  );
  expect(await outputs()).toEqual(sorted.flatMap((id) => STAGE_NAMES.map((stage) => `output ${stage} ${id}`)).sort());
  for (const id of ids) {
    expect([id, await runsOf(p, `process-${id}`), await runsOf(p, `dispatch-${id}`)]).toEqual([id, 1, 1]);
  }
}

/** Every order whose ID starts with `prefix` is one of `ids`, and each completed once (see above). */
export async function expectCompletedOnce(
  p: Observed,
  ids: readonly string[],
  prefix: string,
  timeoutMs = 90_000,
): Promise<void> {
  await expectScopeCompletedOnce(p, ids, (id) => id.startsWith(prefix), timeoutMs);
}

/** Each of `ids` completed once, for IDs that share no prefix (see above). */
export async function expectEachCompletedOnce(p: Observed, ids: readonly string[], timeoutMs = 90_000): Promise<void> {
  const wanted = new Set(ids);
  await expectScopeCompletedOnce(p, ids, (id) => wanted.has(id), timeoutMs);
}

export async function expectDrained(p: Observed, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    'both consumers drained',
    async () => {
      const [n, d] = [await backlog(p, 'NEW'), await backlog(p, 'DISPATCH')];
      return n.pending + n.ackPending + d.pending + d.ackPending === 0;
    },
    timeoutMs,
  );
}

/**
 * Publishes `count` orders while the process stage is paused and checks that no bridge takes any:
 * NEW delivers nothing more and holds them all as pending. A bounded look of `observeMs` (longer
 * than two pulls of the test bridges), not a synchronisation: a bridge pulling would have taken them
 * by then. Returns the orders and NEW's deliveries before them.
 */
export async function publishWhilePaused(
  p: Pipeline,
  count: number,
  prefix: string,
  observeMs = 2500,
): Promise<{ meanwhile: Order[]; before: number }> {
  const before = await deliveries(p);
  const meanwhile = orders(count, prefix);
  await publish(p, meanwhile);
  await new Promise((r) => setTimeout(r, observeMs));
  expect(await deliveries(p)).toBe(before);
  expect((await p.jsm.consumers.info(STREAM, 'NEW')).num_pending).toBe(meanwhile.length);
  return { meanwhile, before };
}
