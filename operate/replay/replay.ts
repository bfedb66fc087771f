/**
 * Reading the ORDERS history again through an ephemeral ordered consumer: from a time or a
 * sequence, up to a time or a sequence, filtered by subject and order, instantly or at the
 * recorded pace. Never touches the durable consumers.
 */
import type { JetStreamClient, JetStreamManager, OrderedConsumerOptions } from '@nats-io/jetstream';
import { DeliverPolicy } from '@nats-io/jetstream';

import { STREAM } from '../../workflows/names';
import { headersOf } from '../../shared/orders/headers';
import { orderIdOf } from '../../workflows/order-id';

export interface ReplayOptions {
  readonly fromSeq?: number;
  readonly since?: Date;
  readonly untilSeq?: number;
  readonly until?: Date;
  /** One subject of the stream, e.g. ORDERS.received. Default: every subject. */
  readonly subject?: string;
  readonly orderId?: string;
  /** `original` waits the recorded gap between messages. Default: `instant`. */
  readonly pace?: 'instant' | 'original';
}

export interface ReplayedMessage {
  readonly seq: number;
  readonly subject: string;
  readonly time: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly data: Uint8Array;
}

export interface ReplayProgress {
  readonly done: number;
  /** Messages left in the range, as JetStream counts them (before the order filter). */
  readonly pending: number;
}

/** Replays the range; `emit` is awaited for each message, in stream order. Returns the count. */
export async function replay(
  js: JetStreamClient,
  jsm: JetStreamManager,
  options: ReplayOptions,
  emit: (message: ReplayedMessage) => Promise<void> | void,
  onProgress?: (progress: ReplayProgress) => void,
): Promise<{ emitted: number; scanned: number }> {
  const { state } = await jsm.streams.info(STREAM);
  const lastSeq = Math.min(options.untilSeq ?? state.last_seq, state.last_seq);
  const start: Partial<OrderedConsumerOptions> = options.fromSeq
    ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.fromSeq }
    : options.since
      ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: options.since.toISOString() }
      : { deliver_policy: DeliverPolicy.All };
  // nats-server 2.9 takes one filter, as a string.
  const consumer = await js.consumers.get(STREAM, {
    ...start,
    ...(options.subject ? { filter_subjects: options.subject } : {}),
  });
  const info = await consumer.info();
  if (info.num_pending === 0 || (options.fromSeq ?? 0) > lastSeq) {
    await consumer.delete().catch(() => undefined);
    return { emitted: 0, scanned: 0 };
  }
  const messages = await consumer.consume({ max_messages: 256 });
  let emitted = 0;
  let scanned = 0;
  let previous: number | undefined;
  try {
    for await (const msg of messages) {
      const time = msg.info.timestampNanos / 1e6;
      const beyond = msg.seq > lastSeq || (options.until && time > options.until.getTime());
      if (!beyond) {
        scanned += 1;
        if (!options.orderId || orderIdOf(msg.data) === options.orderId) {
          if (options.pace === 'original' && previous !== undefined && time > previous) {
            await new Promise((r) => setTimeout(r, time - previous!));
          }
          previous = time;
          await emit({
            seq: msg.seq,
            subject: msg.subject,
            time: new Date(time).toISOString(),
            headers: headersOf(msg),
            data: msg.data,
          });
          emitted += 1;
        }
        onProgress?.({ done: scanned, pending: msg.info.pending });
      }
      if (beyond || msg.info.pending === 0 || msg.seq >= lastSeq) break;
    }
  } finally {
    messages.stop();
  }
  return { emitted, scanned };
}
