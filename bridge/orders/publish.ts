/** Publishing orders into ORDERS.received, deduplicated by order ID. */
import type { JetStreamClient } from '@nats-io/jetstream';

import { STREAM, SUBJECTS } from '../config/topology';
import type { Order } from './schema';

export interface PublishResult {
  readonly orderId: string;
  /** Stream sequence holding the order (the earlier one when this publish was a duplicate). */
  readonly seq: number;
  /** True when JetStream already had a message with this order ID within its duplicate window. */
  readonly duplicate: boolean;
}

export interface PublishOptions {
  /** Publishes awaiting their ack at once. Default: 64. */
  readonly concurrency?: number;
  /** Called for each acknowledged publish, in input order. */
  readonly onResult?: (result: PublishResult) => void;
}

/** Publishes one order; `Nats-Msg-Id` is the order ID, so JetStream drops a second copy. */
export async function publishOrder(js: JetStreamClient, order: Order): Promise<PublishResult> {
  const ack = await js.publish(SUBJECTS.received, JSON.stringify(order), {
    msgID: order.orderId,
    expect: { streamName: STREAM },
  });
  return { orderId: order.orderId, seq: ack.seq, duplicate: ack.duplicate };
}

/** Publishes orders with bounded concurrency; results come back in input order. */
export async function publishOrders(
  js: JetStreamClient,
  orders: readonly Order[],
  options: PublishOptions = {},
): Promise<PublishResult[]> {
  const concurrency = Math.max(1, options.concurrency ?? 64);
  const results: PublishResult[] = [];
  for (let start = 0; start < orders.length; start += concurrency) {
    const batch = await Promise.all(orders.slice(start, start + concurrency).map((order) => publishOrder(js, order)));
    for (const result of batch) {
      results.push(result);
      options.onResult?.(result);
    }
  }
  return results;
}
