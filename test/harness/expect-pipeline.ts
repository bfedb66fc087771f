/** Invariants of a finished pipeline, checked against the servers' state only. */
import type { Pipeline } from './pipeline';
import { backlog, effectKeys, orderIdsOn, runsOf, waitFor } from './pipeline';

const STEPS = ['assignCourier', 'chargePayment', 'reserveStock', 'ship'];

export async function idsWithPrefix(p: Pipeline, subject: string, prefix: string): Promise<string[]> {
  return (await orderIdsOn(p, subject)).filter((id) => id.startsWith(prefix)).sort();
}

/**
 * Every order reached ORDERS.processed and ORDERS.completed exactly once, each of its four
 * effects exists once, and Temporal has exactly one run per order and stage.
 */
export async function expectCompletedOnce(
  p: Pipeline,
  ids: readonly string[],
  prefix: string,
  timeoutMs = 90_000,
): Promise<void> {
  await waitFor(
    `${ids.length} orders completed`,
    async () => (await idsWithPrefix(p, 'ORDERS.completed', prefix)).length >= ids.length,
    timeoutMs,
  );
  const sorted = [...ids].sort();
  expect(await idsWithPrefix(p, 'ORDERS.processed', prefix)).toEqual(sorted);
  expect(await idsWithPrefix(p, 'ORDERS.completed', prefix)).toEqual(sorted);
  const keys = (await effectKeys(p)).filter((k) => k.split('.').slice(1).join('.').startsWith(prefix));
  expect(keys).toEqual(sorted.flatMap((id) => STEPS.map((step) => `${step}.${id}`)).sort());
  for (const id of ids) {
    expect([id, await runsOf(p, `process-${id}`), await runsOf(p, `dispatch-${id}`)]).toEqual([id, 1, 1]);
  }
}

export async function expectDrained(p: Pipeline, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    'both consumers drained',
    async () => {
      const [n, d] = [await backlog(p, 'NEW'), await backlog(p, 'DISPATCH')];
      return n.pending + n.ackPending + d.pending + d.ackPending === 0;
    },
    timeoutMs,
  );
}
