/**
 * Publishing orders into ORDERS.received, deduplicated by order ID. When JetStream calls a publish
 * a duplicate, the message it kept is read back: the same order again is a harmless repeat, a
 * different one under the same ID is a conflict, reported rather than swallowed.
 */
import type { JetStreamClient, PubAck, StoredMsg } from '@nats-io/jetstream';
import { jserrors } from '@nats-io/jetstream/internal';

import { STREAM, SUBJECTS, intakeMsgId } from '../../workflows/names';
import type { OrderData } from '../../workflows/types';
import { TopologyMissingError } from '../../shared/errors';
import { inPublishSpan } from '../../shared/observability/trace-context';
import { isJsApiError } from '../../activities/nats/api-codes';
import { ForeignMessageError, verifyDuplicate } from '../../activities/nats/publish-checks';
import { orderRevision } from '../../shared/orders/revision';
import type { Order } from '../../shared/orders/schema';

export interface PublishResult {
  readonly orderId: string;
  /** Stream sequence holding the order (the earlier one when this publish was a duplicate). */
  readonly seq: number;
  /** True when JetStream already had a message with this order ID within its duplicate window. */
  readonly duplicate: boolean;
  /**
   * True when that earlier message is not this order: different content under the same ID (or
   * gone, so it cannot be compared). This one was not stored.
   */
  readonly conflict: boolean;
}

export interface PublishOptions {
  /** Publishes awaiting their ack at once. Default: 64. */
  readonly concurrency?: number;
  /** Called for each acknowledged publish, in input order. */
  readonly onResult?: (result: PublishResult) => void;
}

/** Whether `stored` is `sent` again: the same bytes, or the same order encoded otherwise. */
function isSameOrder(stored: StoredMsg, sent: Uint8Array, order: Order): boolean {
  if (stored.subject !== SUBJECTS.received) return false;
  if (Buffer.from(stored.data).equals(sent)) return true;
  try {
    return orderRevision(stored.json<OrderData>()) === orderRevision(order);
  } catch {
    return false;
  }
}

/** For a publish JetStream called a duplicate: whether the message it kept is a different order (or gone). */
async function isConflict(js: JetStreamClient, ack: PubAck, sent: Uint8Array, order: Order): Promise<boolean> {
  try {
    const jsm = await js.jetstreamManager(false);
    await verifyDuplicate(jsm, ack, `order ${order.orderId}`, (stored) => isSameOrder(stored, sent, order));
    return false;
  } catch (err) {
    if (err instanceof ForeignMessageError) return true;
    throw err;
  }
}

/** Publishes one order; `Nats-Msg-Id` is the order ID, so JetStream drops a second copy. */
async function publishOrder(js: JetStreamClient, order: Order): Promise<PublishResult> {
  try {
    const sent = new TextEncoder().encode(JSON.stringify(order));
    // The order's trace starts here when tracing is on: its traceparent goes out with the message.
    const ack = await inPublishSpan(SUBJECTS.received, order.orderId, (headers) =>
      js.publish(SUBJECTS.received, sent, {
        msgID: intakeMsgId(order.orderId),
        expect: { streamName: STREAM },
        ...(headers ? { headers } : {}),
      }),
    );
    const conflict = ack.duplicate && (await isConflict(js, ack, sent, order));
    return { orderId: order.orderId, seq: ack.seq, duplicate: ack.duplicate, conflict };
  } catch (err) {
    // nats.js reports "no stream listens on this subject" as JetStream not being enabled.
    if (err instanceof jserrors.JetStreamNotEnabled) {
      throw new TopologyMissingError(
        `no stream stores ${SUBJECTS.received}; run \`orderflow provision\` (or \`npm start\`) first`,
        { cause: err },
      );
    }
    if (isJsApiError(err, 'streamNotMatch')) {
      throw new TopologyMissingError(
        `${SUBJECTS.received} is stored by a stream other than ${STREAM}; remove that stream's subject or run \`orderflow provision\``,
        { cause: err },
      );
    }
    throw err;
  }
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
