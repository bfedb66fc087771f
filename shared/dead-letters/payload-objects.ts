/**
 * The original bytes and headers of dead letters too large for one message, kept in the
 * ORDERFLOW_DLQ_PAYLOADS object store, one object per dead letter. An object is a small JSON
 * envelope ({format, headers, payload in base64}) so that bytes and headers, repeated values
 * included, come back exactly as they were, however large either is.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { MsgHdrs } from '@nats-io/nats-core';
import { headers as newHeaders } from '@nats-io/nats-core';
import type { ObjectStore } from '@nats-io/obj';
import { Objm } from '@nats-io/obj';

import { DLQ_PAYLOADS_BUCKET } from '../../workflows/names';

const FORMAT = 'orderflow-dead-letter-payload/1';

interface Envelope {
  readonly format: typeof FORMAT;
  readonly headers: ReadonlyArray<readonly [string, readonly string[]]>;
  readonly payload: string;
}

export interface StoredPayload {
  readonly payload: Uint8Array;
  readonly headers: MsgHdrs;
}

/** Thrown when an object in ORDERFLOW_DLQ_PAYLOADS is not an envelope orderflow wrote. */
export class PayloadObjectFormatError extends Error {
  override readonly name = 'PayloadObjectFormatError';
  constructor(
    readonly object: string,
    options?: { cause?: unknown },
  ) {
    super(`${DLQ_PAYLOADS_BUCKET}/${object} is not a dead-letter payload orderflow wrote`, options);
  }
}

/** The object of the dead letter of stream message `streamSeq`, as handed to `consumer`. */
export function payloadObjectName(consumer: string, streamSeq: number): string {
  return `${consumer}.${streamSeq}`;
}

function bucket(js: JetStreamClient): Promise<ObjectStore> {
  return new Objm(js).open(DLQ_PAYLOADS_BUCKET);
}

/** Stores (or replaces, with the same content) the payload and headers under `name`. */
export async function putPayloadObject(
  js: JetStreamClient,
  name: string,
  payload: Uint8Array,
  headers: MsgHdrs | undefined,
): Promise<void> {
  const envelope: Envelope = {
    format: FORMAT,
    headers: headers ? [...headers].map(([key, values]) => [key, [...values]] as const) : [],
    payload: Buffer.from(payload).toString('base64'),
  };
  await (await bucket(js)).putBlob({ name }, new TextEncoder().encode(JSON.stringify(envelope)));
}

/** The payload and headers stored under `name`, or undefined when there is no such object. */
export async function getPayloadObject(js: JetStreamClient, name: string): Promise<StoredPayload | undefined> {
  const blob = await (await bucket(js)).getBlob(name);
  if (!blob) return undefined;
  let envelope: Envelope;
  try {
    envelope = JSON.parse(new TextDecoder().decode(blob)) as Envelope;
  } catch (err) {
    throw new PayloadObjectFormatError(name, { cause: err });
  }
  if (envelope.format !== FORMAT) throw new PayloadObjectFormatError(name);
  const h = newHeaders();
  for (const [key, values] of envelope.headers) for (const value of values) h.append(key, value);
  return { payload: new Uint8Array(Buffer.from(envelope.payload, 'base64')), headers: h };
}

/** Removes the object stored under `name`, if there is one. */
export async function deletePayloadObject(js: JetStreamClient, name: string): Promise<void> {
  await (await bucket(js)).delete(name);
}
