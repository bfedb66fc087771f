/**
 * Recording a terminated message durably, with its original bytes and headers, the stream
 * sequence, the reason and the delivery count, before the bridge terminates it.
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { headers } from '@nats-io/nats-core';

import { DLQ_SUBJECT_PREFIX, STREAM } from '../config/topology';

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
} as const;

export interface DeadLetter {
  readonly kind: 'poison' | 'failed';
  readonly reason: string;
  readonly workflowId?: string;
}

/** The message's headers as a plain record (first value of each). */
export function headersOf(msg: Pick<JsMsg, 'headers'>): Record<string, string> {
  const out: Record<string, string> = {};
  if (!msg.headers) return out;
  for (const key of msg.headers.keys()) out[key] = msg.headers.get(key);
  return out;
}

/** Publishes the dead letter to `orderflow.dlq.<consumer>`; resolves once JetStream stored it. */
export async function recordDeadLetter(
  js: JetStreamClient,
  consumer: string,
  msg: JsMsg,
  letter: DeadLetter,
): Promise<void> {
  const h = headers();
  for (const [key, value] of Object.entries(headersOf(msg))) {
    if (!/^nats-(msg-id|expected-)/i.test(key)) h.set(key, value);
  }
  h.set(DLQ_HEADERS.kind, letter.kind);
  // Headers are one line; a long multi-line failure is folded.
  h.set(DLQ_HEADERS.reason, letter.reason.replace(/\s+/g, ' ').slice(0, 2000));
  h.set(DLQ_HEADERS.stream, STREAM);
  h.set(DLQ_HEADERS.streamSeq, String(msg.seq));
  h.set(DLQ_HEADERS.subject, msg.subject);
  h.set(DLQ_HEADERS.consumer, consumer);
  h.set(DLQ_HEADERS.deliveries, String(msg.info.deliveryCount));
  h.set(DLQ_HEADERS.time, new Date().toISOString());
  if (letter.workflowId) h.set(DLQ_HEADERS.workflowId, letter.workflowId);
  await js.publish(`${DLQ_SUBJECT_PREFIX}.${consumer}`, msg.data, {
    headers: h,
    msgID: `dlq:${consumer}:${msg.seq}:${msg.info.deliveryCount}`,
  });
}
