/**
 * What the live monitor sees, decoded from the wire: MONITOR deliveries on monitor.ORDERS, the
 * sampled ack metrics of NEW and DISPATCH, and the max-deliveries / terminated advisories. Pure,
 * so that a CLI and a web page can share it.
 */
import { orderIdOf } from '../../workflows/order-id';

export type MonitorEvent =
  | {
      readonly type: 'message';
      readonly subject: string;
      readonly streamSeq?: number;
      readonly orderId?: string;
      readonly time: string;
    }
  | {
      readonly type: 'ack';
      readonly consumer: string;
      readonly streamSeq: number;
      readonly deliveries: number;
      /** From delivery to ack, as the server measured it. */
      readonly ackDelayMs: number;
      readonly time: string;
    }
  | {
      readonly type: 'advisory';
      readonly kind: 'max_deliveries' | 'terminated';
      readonly consumer: string;
      readonly streamSeq: number;
      readonly deliveries?: number;
      readonly reason?: string;
      readonly time: string;
    };

export const ACK_METRICS_SUBJECT = '$JS.EVENT.METRIC.CONSUMER.ACK.ORDERS.*';
export const MAX_DELIVERIES_SUBJECT = '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.*';
export const TERMINATED_SUBJECT = '$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.ORDERS.*';

/**
 * A MONITOR delivery. Its stream sequence is in the ack reply subject, in one of two layouts:
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<cseq>.<ts>.<pending>` (9 tokens, older
 * servers) or `$JS.ACK.<domain>.<account>.<stream>.<consumer>.<delivered>.<sseq>...` (11 or 12).
 */
export function messageEvent(
  subject: string,
  reply: string | undefined,
  data: Uint8Array,
  now = new Date(),
): MonitorEvent {
  const parts = reply?.split('.') ?? [];
  const isAck = parts[0] === '$JS' && parts[1] === 'ACK';
  const streamSeq = isAck ? Number(parts[parts.length === 9 ? 5 : 7]) : undefined;
  const orderId = orderIdOf(data);
  return {
    type: 'message',
    subject,
    ...(streamSeq && Number.isFinite(streamSeq) ? { streamSeq } : {}),
    ...(orderId ? { orderId } : {}),
    time: now.toISOString(),
  };
}

/** Decodes a sampled ack metric or an advisory; undefined for anything else. */
export function systemEvent(subject: string, data: Uint8Array): MonitorEvent | undefined {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(new TextDecoder().decode(data)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const time = typeof body.timestamp === 'string' ? body.timestamp : new Date().toISOString();
  const consumer = typeof body.consumer === 'string' ? body.consumer : (subject.split('.').at(-1) ?? '');
  const streamSeq = Number(body.stream_seq ?? 0);
  if (subject.startsWith('$JS.EVENT.METRIC.CONSUMER.ACK.')) {
    return {
      type: 'ack',
      consumer,
      streamSeq,
      deliveries: Number(body.deliveries ?? 1),
      ackDelayMs: Number(body.ack_time ?? 0) / 1e6,
      time,
    };
  }
  if (subject.startsWith('$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.')) {
    return {
      type: 'advisory',
      kind: 'max_deliveries',
      consumer,
      streamSeq,
      deliveries: Number(body.deliveries ?? 0),
      time,
    };
  }
  if (subject.startsWith('$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.')) {
    return {
      type: 'advisory',
      kind: 'terminated',
      consumer,
      streamSeq,
      ...(typeof body.reason === 'string' ? { reason: body.reason } : {}),
      time,
    };
  }
  return undefined;
}
