/**
 * What the cluster test publishes: `count` valid demo orders, each expected to complete once,
 * evenly paced over the fault window, in the chaos plan's shape so the chaos checker judges them.
 * No poison, conflicts or failing functions here: the cluster run is about the servers' faults.
 */
import { demoOrders } from '../../shared/orders/demo';
import { orderRevision } from '../../shared/orders/revision';
import type { ChaosPlan, OrderCase, Publication } from '../chaos/plan';

export function steadyPlan(count: number, windowMs: number, prefix: string): ChaosPlan {
  const spacing = windowMs / Math.max(1, count);
  const cases: OrderCase[] = [];
  const publications: Publication[] = [];
  demoOrders(count, { prefix, seed: 12 }).forEach((demo, index) => {
    // A fixed creation time: the generator stamps the current time, which would change the revision.
    const order = { ...demo, createdAt: '2026-01-01T00:00:00.000Z' };
    const id = order.orderId;
    publications.push({
      index,
      caseId: id,
      orderId: id,
      revision: orderRevision(order),
      msgId: id,
      body: JSON.stringify(order),
      atMs: Math.floor(index * spacing),
    });
    cases.push({ id, kind: 'valid', expect: 'complete', publications: [index] });
  });
  return { cases, publications };
}
