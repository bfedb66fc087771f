/**
 * Recording a terminated message durably, before the bridge terminates it: its original bytes and
 * headers, the stream sequence, the reason and the delivery count.
 *
 * A dead letter is recorded once per consumer and stream message, whatever happens. It has a
 * subject of its own in ORDERS_DLQ (deadLetterSubject), is looked for there first, and is published
 * only while that subject is empty: a bridge that died between recording and terminating finds it
 * on the redelivery, within the duplicate window or long after it. A dead letter that does not fit
 * one message (a payload near the server's max payload, large headers) keeps the original bytes
 * and headers in the ORDERFLOW_DLQ_PAYLOADS object store and carries a pointer to them.
 */
import type { JetStreamClient, JetStreamManager, JsMsg, StoredMsg } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import { Empty, headers } from '@nats-io/nats-core';

import { DLQ_STREAM, STREAM, deadLetterMsgId, deadLetterSubject } from '../../workflows/names';
import { payloadObjectName, putPayloadObject } from './payload-objects';
import { isJsApiError } from '../../activities/nats/api-codes';
import { ForeignMessageError, isRefusedForSize, verifyDuplicate } from '../../activities/nats/publish-checks';
import { isNatsHeader } from '../orders/headers';

export type DeadLetterKind = 'poison' | 'failed' | 'conflict' | 'stuck' | 'terminated' | 'cancelled' | 'timed-out';

export const DLQ_HEADERS = {
  kind: 'Orderflow-Dlq-Kind',
  reason: 'Orderflow-Dlq-Reason',
  stream: 'Orderflow-Dlq-Stream',
  streamSeq: 'Orderflow-Dlq-Stream-Seq',
  subject: 'Orderflow-Dlq-Subject',
  consumer: 'Orderflow-Dlq-Consumer',
  deliveries: 'Orderflow-Dlq-Deliveries',
  time: 'Orderflow-Dlq-Time',
  workflowId: 'Orderflow-Dlq-Workflow-Id',
  /** Set when the original bytes and headers are in ORDERFLOW_DLQ_PAYLOADS: the object's name. */
  payloadObject: 'Orderflow-Dlq-Payload-Object',
  /** With payloadObject: the original payload's size in bytes. */
  payloadBytes: 'Orderflow-Dlq-Payload-Bytes',
} as const;

/** Prefix of the headers holding a dead letter's details: `Orderflow-Dlq-Detail-<key>`. */
export const DLQ_DETAIL_PREFIX = 'Orderflow-Dlq-Detail-';

/** Whether a header is one of the dead-letter record's own (Orderflow-Dlq-*), not the message's. */
export function isDeadLetterHeader(name: string): boolean {
  return /^orderflow-dlq-/i.test(name);
}

/** Bytes of the reason at most, folded to one line: 2 KiB. */
export const MAX_REASON_BYTES = 2048;
/** Bytes of each other Orderflow-Dlq-* value at most: 512. */
const MAX_DLQ_FIELD_BYTES = 512;
/**
 * Details recorded at most: 8. With the bounds above, a record's own headers stay under 10 KiB,
 * so a record that points at its object store copy always fits one message.
 */
const MAX_DLQ_DETAILS = 8;

export interface DeadLetter {
  readonly kind: DeadLetterKind;
  readonly reason: string;
  readonly workflowId?: string;
  /** Extra facts (for a conflict: the other version's stream sequence); keys are header-name tokens. */
  readonly details?: Readonly<Record<string, string>>;
}

export interface RecordedDeadLetter {
  /** `recorded` by this call, or `already-recorded` for this message by an earlier delivery. */
  readonly status: 'recorded' | 'already-recorded';
  /** The dead letter's sequence in ORDERS_DLQ: its ID for `orderflow dlq`. */
  readonly id: number;
}

const encoder = new TextEncoder();

/** Headers are one line: whitespace runs become one space, and a long value is cut at `maxBytes`. */
export function oneLine(value: string, maxBytes: number): string {
  const folded = value.replace(/\s+/g, ' ').trim();
  const bytes = encoder.encode(folded);
  if (bytes.length <= maxBytes) return folded;
  const marker = ' …';
  const cut = new TextDecoder().decode(bytes.subarray(0, maxBytes - encoder.encode(marker).length));
  // A cut inside a multi-byte character decodes to U+FFFD: drop it.
  return `${cut.replace(/\uFFFD+$/, '')}${marker}`;
}

/** The record's own headers (Orderflow-Dlq-*), each bounded. */
function recordHeaders(consumer: string, msg: JsMsg, letter: DeadLetter): MsgHdrs {
  const h = headers();
  const field = (value: string): string => oneLine(value, MAX_DLQ_FIELD_BYTES);
  h.set(DLQ_HEADERS.kind, field(letter.kind));
  h.set(DLQ_HEADERS.reason, oneLine(letter.reason, MAX_REASON_BYTES));
  h.set(DLQ_HEADERS.stream, STREAM);
  h.set(DLQ_HEADERS.streamSeq, String(msg.seq));
  h.set(DLQ_HEADERS.subject, field(msg.subject));
  h.set(DLQ_HEADERS.consumer, field(consumer));
  h.set(DLQ_HEADERS.deliveries, String(msg.info.deliveryCount));
  h.set(DLQ_HEADERS.time, new Date().toISOString());
  if (letter.workflowId) h.set(DLQ_HEADERS.workflowId, field(letter.workflowId));
  for (const [key, value] of Object.entries(letter.details ?? {}).slice(0, MAX_DLQ_DETAILS)) {
    // A header name is a token: anything else in a key becomes '-'.
    h.set(`${DLQ_DETAIL_PREFIX}${key.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 64)}`, field(value));
  }
  return h;
}

/**
 * The message's own headers that a record keeps, every value: not NATS's (they would act on the
 * dead letter's publish: message ID, expectations, TTL) nor a record's (ours are set anew).
 */
function keptHeaders(from: MsgHdrs | undefined, into: MsgHdrs = headers()): MsgHdrs {
  for (const [name, values] of from ?? []) {
    if (isNatsHeader(name) || isDeadLetterHeader(name)) continue;
    for (const value of values) into.append(name, value);
  }
  return into;
}

function describe(consumer: string, streamSeq: number): string {
  return `the dead letter of ${STREAM} seq ${streamSeq} for ${consumer}`;
}

function isOurs(consumer: string, streamSeq: number): (stored: StoredMsg) => boolean {
  return (stored) =>
    stored.subject === deadLetterSubject(consumer, streamSeq) &&
    stored.header.get(DLQ_HEADERS.stream) === STREAM &&
    stored.header.get(DLQ_HEADERS.consumer) === consumer &&
    stored.header.get(DLQ_HEADERS.streamSeq) === String(streamSeq);
}

/** The ID of the message's dead letter if it is recorded; a stranger's message on its subject throws. */
async function findRecorded(jsm: JetStreamManager, consumer: string, streamSeq: number): Promise<number | undefined> {
  const stored = await jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: deadLetterSubject(consumer, streamSeq) });
  if (!stored) return undefined;
  if (!isOurs(consumer, streamSeq)(stored))
    throw new ForeignMessageError(DLQ_STREAM, stored.seq, describe(consumer, streamSeq), 'foreign');
  return stored.seq;
}

/** Publishes the record while its subject is empty; a record found there instead is verified as ours. */
async function publishOnce(
  js: JetStreamClient,
  jsm: JetStreamManager,
  consumer: string,
  streamSeq: number,
  data: Uint8Array,
  h: MsgHdrs,
): Promise<RecordedDeadLetter> {
  try {
    const ack = await js.publish(deadLetterSubject(consumer, streamSeq), data, {
      headers: h,
      msgID: deadLetterMsgId(consumer, streamSeq),
      expect: { lastSubjectSequence: 0 },
    });
    if (!ack.duplicate) return { status: 'recorded', id: ack.seq };
    const stored = await verifyDuplicate(jsm, ack, describe(consumer, streamSeq), isOurs(consumer, streamSeq));
    return { status: 'already-recorded', id: stored.seq };
  } catch (err) {
    // The subject filled since we looked (another bridge recorded a redelivery): read what is there.
    if (!isJsApiError(err, 'wrongLastSequence')) throw err;
    const id = await findRecorded(jsm, consumer, streamSeq);
    if (id === undefined) throw err;
    return { status: 'already-recorded', id };
  }
}

/**
 * Records `msg`'s dead letter in ORDERS_DLQ unless it is recorded already; resolves once JetStream
 * stored it (or once the earlier record was found and checked to be this message's).
 */
export async function recordDeadLetter(
  js: JetStreamClient,
  consumer: string,
  msg: JsMsg,
  letter: DeadLetter,
): Promise<RecordedDeadLetter> {
  const jsm = await js.jetstreamManager(false);
  const found = await findRecorded(jsm, consumer, msg.seq);
  if (found !== undefined) return { status: 'already-recorded', id: found };
  const inline = keptHeaders(msg.headers, recordHeaders(consumer, msg, letter));
  try {
    return await publishOnce(js, jsm, consumer, msg.seq, msg.data, inline);
  } catch (err) {
    if (!isRefusedForSize(err)) throw err;
  }
  // Too large for one message: the bytes and headers go to the object store, the record points there.
  const object = payloadObjectName(consumer, msg.seq);
  await putPayloadObject(js, object, msg.data, keptHeaders(msg.headers));
  const pointer = recordHeaders(consumer, msg, letter);
  pointer.set(DLQ_HEADERS.payloadObject, object);
  pointer.set(DLQ_HEADERS.payloadBytes, String(msg.data.length));
  return publishOnce(js, jsm, consumer, msg.seq, Empty, pointer);
}
