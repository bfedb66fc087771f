/**
 * Reading and acting on the dead letters the bridge stored in ORDERS_DLQ: list, show, redrive
 * (put a message back into its stage, as it was or corrected), purge. Nothing is removed except
 * by redrive (after the message is safely back in ORDERS) or an explicit purge.
 */
import type { JetStreamClient, JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import { JetStreamApiError } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';

import { DLQ_STREAM } from '../config/topology';
import { DLQ_HEADERS } from '../consumer/dead-letters';
import { InvalidInputError } from '../errors';
import { orderIdOf } from '../orders/order-id';

export interface DeadLetterRecord {
  /** Sequence in ORDERS_DLQ: the ID to show or redrive. */
  readonly id: number;
  readonly time: string;
  readonly kind: string;
  readonly reason: string;
  readonly consumer: string;
  /** Where the message stood in ORDERS, and on which subject. */
  readonly streamSeq: number;
  readonly subject: string;
  readonly deliveries: number;
  readonly workflowId?: string;
  /** The order ID, when the payload is JSON that names one. */
  readonly orderId?: string;
  /** The message's own headers (without the dead-letter ones). */
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: Uint8Array;
}

const DLQ_HEADER_NAMES = new Set(Object.values(DLQ_HEADERS).map((h) => h.toLowerCase()));

function toRecord(msg: StoredMsg): DeadLetterRecord {
  const h = (name: string): string => msg.header.get(name);
  const own: Record<string, string> = {};
  for (const key of msg.header.keys()) if (!DLQ_HEADER_NAMES.has(key.toLowerCase())) own[key] = msg.header.get(key);
  return {
    id: msg.seq,
    time: h(DLQ_HEADERS.time) || msg.time.toISOString(),
    kind: h(DLQ_HEADERS.kind),
    reason: h(DLQ_HEADERS.reason),
    consumer: h(DLQ_HEADERS.consumer),
    streamSeq: Number(h(DLQ_HEADERS.streamSeq)),
    subject: h(DLQ_HEADERS.subject),
    deliveries: Number(h(DLQ_HEADERS.deliveries)),
    ...(h(DLQ_HEADERS.workflowId) ? { workflowId: h(DLQ_HEADERS.workflowId) } : {}),
    ...(orderIdOf(msg.data) ? { orderId: orderIdOf(msg.data) } : {}),
    headers: own,
    payload: msg.data,
  };
}

const NO_MESSAGE = 10037;

export async function getDeadLetter(jsm: JetStreamManager, id: number): Promise<DeadLetterRecord> {
  try {
    const msg = await jsm.streams.getMessage(DLQ_STREAM, { seq: id });
    if (msg) return toRecord(msg);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === NO_MESSAGE)) throw err;
  }
  throw new InvalidInputError(`no dead letter ${id}; \`orderflow dlq list\` shows the ones there are`);
}

/** Every dead letter, oldest first. */
export async function listDeadLetters(jsm: JetStreamManager): Promise<DeadLetterRecord[]> {
  const { state } = await jsm.streams.info(DLQ_STREAM);
  const records: DeadLetterRecord[] = [];
  if (state.messages === 0) return records;
  for (let seq = state.first_seq; seq <= state.last_seq; seq += 1) {
    const msg = await jsm.streams.getMessage(DLQ_STREAM, { seq }).catch(() => null);
    if (msg) records.push(toRecord(msg));
  }
  return records;
}

/**
 * Publishes the message (or `payload`, a corrected one) back to its original subject, with its
 * own headers, then removes the dead letter. The publish carries a Nats-Msg-Id per dead letter,
 * so redriving the same one twice in a row puts it back once.
 */
export async function redriveDeadLetter(
  js: JetStreamClient,
  jsm: JetStreamManager,
  record: DeadLetterRecord,
  payload?: Uint8Array,
): Promise<{ seq: number; duplicate: boolean }> {
  const h = headers();
  for (const [key, value] of Object.entries(record.headers)) h.set(key, value);
  h.set('Orderflow-Redriven-From', `${DLQ_STREAM}:${record.id}`);
  const ack = await js.publish(record.subject, payload ?? record.payload, {
    headers: h,
    msgID: `redrive:${record.id}`,
  });
  await jsm.streams.deleteMessage(DLQ_STREAM, record.id, false);
  return { seq: ack.seq, duplicate: ack.duplicate };
}

/** Removes every dead letter; returns how many. */
export async function purgeDeadLetters(jsm: JetStreamManager): Promise<number> {
  return (await jsm.streams.purge(DLQ_STREAM)).purged;
}
