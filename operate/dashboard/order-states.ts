/**
 * The state the page shows for each recent order. The monitor knows the subject of an order's
 * latest message (`received`, `processed`, `completed`), but a message the bridge dead-lettered
 * never moves on, so by its subject alone such an order read "received" for ever. Its dead letter
 * is looked up where it is stored (one subject per consumer and stream sequence) for each order
 * whose latest message waits on a stage's consumer, and a dead-lettered order shows as such, with
 * the dead letter's kind and ID. A redrive publishes a new message, so the order moves on again.
 */
import type { JetStreamManager } from '@nats-io/jetstream';

import { DLQ_HEADERS } from '../../shared/dead-letters/dead-letters';
import { DLQ_STREAM, STAGES, deadLetterSubject } from '../../workflows/names';
import type { RecentOrder } from '../monitor/aggregator';

/** A recent order as the page lists it. */
export interface OrderView extends RecentOrder {
  /** The last token of its latest subject (`received`, `processed`, `completed`), or `dead-lettered`. */
  readonly state: string;
  /** Set when its latest message was dead-lettered. */
  readonly deadLetter?: { readonly id: number; readonly kind: string };
}

type DeadLetterRef = NonNullable<OrderView['deadLetter']>;

/** The dead-letter subject of the order's latest message, when a stage's consumer takes it. */
function deadLetterSubjectOf(order: RecentOrder): string | undefined {
  const stage = Object.values(STAGES).find((s) => s.inputSubject === order.lastSubject);
  return stage && order.lastSeq ? deadLetterSubject(stage.consumer, order.lastSeq) : undefined;
}

/** Each order with its state: dead-lettered when `deadLetterOf` names its latest message's dead letter. */
export function orderViews(
  orders: readonly RecentOrder[],
  deadLetterOf: (subject: string) => DeadLetterRef | undefined,
): OrderView[] {
  return orders.map((order) => {
    const subject = deadLetterSubjectOf(order);
    const deadLetter = subject === undefined ? undefined : deadLetterOf(subject);
    if (deadLetter) return { ...order, state: 'dead-lettered', deadLetter };
    return { ...order, state: order.lastSubject.split('.').at(-1) ?? order.lastSubject };
  });
}

/** The dead letters of the recent orders' latest messages, looked up on each poll. */
export class DeadLetteredOrders {
  /** Dead-letter subject -> its dead letter, for the orders last looked up. */
  private found = new Map<string, DeadLetterRef>();

  constructor(private readonly jsm: JetStreamManager) {}

  /**
   * Looks up the dead letter of each order's latest message not known to have one; forgets the
   * ones of messages no longer any order's latest. A lookup that fails leaves the order as it was.
   */
  async refresh(orders: readonly RecentOrder[]): Promise<void> {
    const found = new Map<string, DeadLetterRef>();
    for (const order of orders) {
      const subject = deadLetterSubjectOf(order);
      if (subject === undefined) continue;
      const known = this.found.get(subject) ?? (await this.lookUp(subject));
      if (known) found.set(subject, known);
    }
    this.found = found;
  }

  views(orders: readonly RecentOrder[]): OrderView[] {
    return orderViews(orders, (subject) => this.found.get(subject));
  }

  private async lookUp(subject: string): Promise<DeadLetterRef | undefined> {
    const stored = await this.jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: subject }).catch(() => null);
    return stored ? { id: stored.seq, kind: stored.header.get(DLQ_HEADERS.kind) } : undefined;
  }
}
