/**
 * Reading and acting on the dead letters the bridge stored in ORDERS_DLQ: list, show, count,
 * redrive (put a message back into its stage, as it was or corrected), purge. A dead letter whose
 * original bytes are in the ORDERFLOW_DLQ_PAYLOADS object store reads like any other, and leaves
 * with its object. Nothing is removed except by redrive (after the message is safely back in
 * ORDERS) or an explicit purge.
 */
import type { JetStreamClient, JetStreamManager, StoredMsg } from '@nats-io/jetstream';
import { Empty, headers } from '@nats-io/nats-core';

import { DLQ_STREAM, STREAM, redriveMsgId } from '../../workflows/names';
import { DLQ_DETAIL_PREFIX, DLQ_HEADERS, isDeadLetterHeader } from '../../shared/dead-letters/dead-letters';
import { REDRIVEN_FROM_HEADER, isNatsHeader } from '../../shared/orders/headers';
import { InvalidInputError, TopologyMissingError } from '../../shared/errors';
import { isJsApiError } from '../../activities/nats/api-codes';
import { isRefusedForSize, verifyDuplicate } from '../../activities/nats/publish-checks';
import { orderIdOf } from '../../workflows/order-id';
import { deletePayloadObject, getPayloadObject } from '../../shared/dead-letters/payload-objects';

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
  /** The message's own headers (without the dead-letter and NATS ones). */
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: Uint8Array;
  /** Set when the original bytes and headers are kept in ORDERFLOW_DLQ_PAYLOADS: the object. */
  readonly payloadObject?: string;
  /** True when that object is gone: `payload` and `headers` are then empty. */
  readonly payloadMissing?: boolean;
  /** Extra facts the bridge recorded (for a conflict: the other version's stream sequence). */
  readonly details?: Readonly<Record<string, string>>;
}

function detailsOf(msg: StoredMsg): Record<string, string> | undefined {
  const details: Record<string, string> = {};
  for (const key of msg.header.keys()) {
    if (key.toLowerCase().startsWith(DLQ_DETAIL_PREFIX.toLowerCase()))
      details[key.slice(DLQ_DETAIL_PREFIX.length)] = msg.header.get(key);
  }
  return Object.keys(details).length ? details : undefined;
}

async function toRecord(js: JetStreamClient, msg: StoredMsg): Promise<DeadLetterRecord> {
  const h = (name: string): string => msg.header.get(name);
  const object = h(DLQ_HEADERS.payloadObject);
  const stored = object ? await getPayloadObject(js, object) : undefined;
  const payload = object ? (stored?.payload ?? Empty) : msg.data;
  const source = object ? stored?.headers : msg.header;
  const own: Record<string, string> = {};
  for (const key of source?.keys() ?? []) {
    if (!isDeadLetterHeader(key) && !isNatsHeader(key)) own[key] = source!.get(key);
  }
  const orderId = orderIdOf(payload);
  const details = detailsOf(msg);
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
    ...(orderId ? { orderId } : {}),
    headers: own,
    payload,
    ...(object ? { payloadObject: object } : {}),
    ...(object && !stored ? { payloadMissing: true } : {}),
    ...(details ? { details } : {}),
  };
}

export async function getDeadLetter(jsm: JetStreamManager, id: number): Promise<DeadLetterRecord> {
  await dlqInfo(jsm);
  const msg = await jsm.streams.getMessage(DLQ_STREAM, { seq: id });
  if (!msg) throw new InvalidInputError(`no dead letter ${id}; \`orderflow dlq list\` shows the ones there are`);
  return toRecord(jsm.jetstream(), msg);
}

/**
 * ORDERS_DLQ's info. A NATS without it is not the one orderflow provisioned (or was never
 * provisioned): one line saying so, not a stack trace.
 */
async function dlqInfo(jsm: JetStreamManager, subjects?: string): ReturnType<JetStreamManager['streams']['info']> {
  try {
    return await jsm.streams.info(DLQ_STREAM, subjects ? { subjects_filter: subjects } : undefined);
  } catch (err) {
    if (!isJsApiError(err, 'streamNotFound')) throw err;
    throw new TopologyMissingError(
      `this NATS has no ${DLQ_STREAM} stream: it is not the NATS orderflow provisioned, or it was never provisioned; ` +
        'name the right server (--nats-url, NATS_URL, a context) or run `orderflow provision`',
      { cause: err },
    );
  }
}

/** Every dead letter as stored in ORDERS_DLQ, oldest first. */
async function* storedLetters(jsm: JetStreamManager): AsyncGenerator<StoredMsg> {
  const { state } = await dlqInfo(jsm);
  if (state.messages === 0) return;
  for (let seq = state.first_seq; seq <= state.last_seq; seq += 1) {
    // A removed dead letter leaves a gap: getMessage answers null there.
    const msg = await jsm.streams.getMessage(DLQ_STREAM, { seq });
    if (msg) yield msg;
  }
}

/** Every dead letter, oldest first. */
export async function listDeadLetters(jsm: JetStreamManager): Promise<DeadLetterRecord[]> {
  const js = jsm.jetstream();
  const records: DeadLetterRecord[] = [];
  for await (const msg of storedLetters(jsm)) records.push(await toRecord(js, msg));
  return records;
}

/**
 * How many dead letters there are, in all and per consumer (each of `consumers` is listed, with 0
 * when it has none). Counts both subject layouts: `orderflow.dlq.<consumer>.<seq>` and the
 * earlier `orderflow.dlq.<consumer>`.
 */
export async function countDeadLetters(
  jsm: JetStreamManager,
  consumers: readonly string[] = [],
): Promise<{ total: number; byConsumer: Record<string, number> }> {
  const byConsumer: Record<string, number> = Object.fromEntries(consumers.map((c) => [c, 0]));
  let total = 0;
  const { state } = await dlqInfo(jsm, '>');
  for (const [subject, count] of Object.entries(state.subjects ?? {})) {
    const consumer = subject.split('.')[2] ?? '';
    byConsumer[consumer] = (byConsumer[consumer] ?? 0) + count;
    total += count;
  }
  return { total, byConsumer };
}

/** Publishes a redrive, checking that a duplicate JetStream reports is this very redrive. */
async function publishRedrive(
  js: JetStreamClient,
  jsm: JetStreamManager,
  record: DeadLetterRecord,
  payload: Uint8Array,
): Promise<{ seq: number; duplicate: boolean }> {
  const from = `${DLQ_STREAM}:${record.id}`;
  const h = headers();
  for (const [key, value] of Object.entries(record.headers)) if (!isNatsHeader(key)) h.set(key, value);
  h.set(REDRIVEN_FROM_HEADER, from);
  let ack;
  try {
    ack = await js.publish(record.subject, payload, { headers: h, msgID: redriveMsgId(record.id) });
  } catch (err) {
    if (!isRefusedForSize(err)) throw err;
    throw new InvalidInputError(
      `dead letter ${record.id} does not fit one message once marked as redriven (${payload.length} bytes ` +
        `and its headers); redrive it with a corrected --payload`,
      { cause: err },
    );
  }
  if (ack.duplicate) {
    await verifyDuplicate(
      jsm,
      ack,
      `the redrive of dead letter ${record.id}`,
      (stored) =>
        stored.subject === record.subject && ack.stream === STREAM && stored.header.get(REDRIVEN_FROM_HEADER) === from,
    );
  }
  return { seq: ack.seq, duplicate: ack.duplicate };
}

/**
 * Publishes the message (or `payload`, a corrected one) back to its original subject, with its
 * own headers, then removes the dead letter and its payload object. The publish carries a
 * Nats-Msg-Id per dead letter, so redriving the same one twice in a row puts it back once.
 */
export async function redriveDeadLetter(
  js: JetStreamClient,
  jsm: JetStreamManager,
  record: DeadLetterRecord,
  payload?: Uint8Array,
): Promise<{ seq: number; duplicate: boolean }> {
  if (!payload && record.payloadMissing)
    throw new InvalidInputError(
      `dead letter ${record.id}'s original bytes (${record.payloadObject}) are gone; redrive it with --payload`,
    );
  const ack = await publishRedrive(js, jsm, record, payload ?? record.payload);
  await jsm.streams.deleteMessage(DLQ_STREAM, record.id, false);
  // After the dead letter: an interrupted redrive leaves a stray object, never a letter without its bytes.
  if (record.payloadObject) await deletePayloadObject(js, record.payloadObject);
  return ack;
}

/**
 * Removes these dead letters (a selection of them, listed and confirmed) and their payload
 * objects; returns how many were still there to remove. A dead letter recorded meanwhile, or not
 * listed, stays.
 */
export async function removeDeadLetters(jsm: JetStreamManager, records: readonly DeadLetterRecord[]): Promise<number> {
  const js = jsm.jetstream();
  let removed = 0;
  for (const record of records) {
    if (await deleteIfThere(jsm, record.id)) removed += 1;
    if (record.payloadObject) await deletePayloadObject(js, record.payloadObject);
  }
  return removed;
}

/** Deletes dead letter `id`; false when it was gone already (redriven or purged meanwhile). */
async function deleteIfThere(jsm: JetStreamManager, id: number): Promise<boolean> {
  try {
    return await jsm.streams.deleteMessage(DLQ_STREAM, id, false);
  } catch (err) {
    // The server answers a missing message with a generic delete failure: look before deciding.
    if ((await jsm.streams.getMessage(DLQ_STREAM, { seq: id }).catch(() => undefined)) === null) return false;
    throw err;
  }
}

/** Removes every dead letter there is now, and their payload objects; returns how many. */
export async function purgeDeadLetters(jsm: JetStreamManager): Promise<number> {
  const { state } = await dlqInfo(jsm);
  if (state.messages === 0) return 0;
  const objects: string[] = [];
  for await (const msg of storedLetters(jsm)) {
    const object = msg.header.get(DLQ_HEADERS.payloadObject);
    if (object && msg.seq <= state.last_seq) objects.push(object);
  }
  // Up to the last one seen: a dead letter recorded meanwhile stays, and so does its object.
  const { purged } = await jsm.streams.purge(DLQ_STREAM, { seq: state.last_seq + 1 });
  const js = jsm.jetstream();
  for (const object of objects) await deletePayloadObject(js, object);
  return purged;
}
