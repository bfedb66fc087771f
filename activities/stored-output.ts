/**
 * What the stream already holds of a stage's output: the message JetStream named when it called a
 * publish a duplicate (is it really ours?), and a search of the history for a publish an earlier
 * attempt made before it died (was it made at all?).
 */
import type { JetStreamClient, JetStreamManager, PubAck } from '@nats-io/jetstream';
import { ApplicationFailure } from '@temporalio/common';

import { ForeignMessageError, verifyDuplicate } from './nats/publish-checks';
import { orderIdOf } from '../workflows/order-id';

/** The one message a stage publishes for one order and revision. */
export interface OutputIdentity {
  readonly stream: string;
  readonly subject: string;
  readonly orderId: string;
  /** Its Nats-Msg-Id (workflows/names/message-ids.ts stageOutputMsgId). */
  readonly msgId: string;
}

/** ApplicationFailure type of a duplicate that is not this order's output: never retried. */
export const MESSAGE_ID_COLLISION = 'MessageIdCollision';

const MSG_ID_HEADER = 'Nats-Msg-Id';

/**
 * Checks that the message JetStream kept in place of a duplicate publish is this order's output.
 * Anything else means the message ID was taken by another message: ours was dropped, and
 * retrying cannot change that, so the failure is non-retryable.
 */
export async function expectOwnOutput(jsm: JetStreamManager, expected: OutputIdentity, ack: PubAck): Promise<void> {
  try {
    await verifyDuplicate(
      jsm,
      ack,
      `the output of order ${expected.orderId} (${MSG_ID_HEADER} ${expected.msgId})`,
      (stored) =>
        ack.stream === expected.stream &&
        stored.subject === expected.subject &&
        stored.header.get(MSG_ID_HEADER) === expected.msgId &&
        orderIdOf(stored.data) === expected.orderId,
    );
  } catch (err) {
    if (!(err instanceof ForeignMessageError)) throw err;
    throw ApplicationFailure.create({
      type: MESSAGE_ID_COLLISION,
      nonRetryable: true,
      message: `the output was dropped as a duplicate: ${err.message}`,
      details: [
        { stream: err.stream, seq: err.seq, found: err.found, subject: expected.subject, msgId: expected.msgId },
      ],
      cause: err,
    });
  }
}

/**
 * The stream sequence of the output published after `afterSeq` and at most at `untilSeq`, if
 * any. Reads headers only, through an ordered consumer filtered on the output subject (one
 * filter, as a string: nats-server 2.9 takes no list). Throws when `signal` aborts: an
 * unfinished search must never read as "not published".
 */
export async function findOutput(
  js: JetStreamClient,
  expected: OutputIdentity,
  range: { readonly afterSeq: number; readonly untilSeq: number },
  signal: AbortSignal,
): Promise<number | undefined> {
  if (range.untilSeq <= range.afterSeq) return undefined;
  const consumer = await js.consumers.get(expected.stream, {
    filter_subjects: expected.subject,
    opt_start_seq: range.afterSeq + 1,
    headers_only: true,
  });
  try {
    if ((await consumer.info()).num_pending === 0) return undefined;
    const messages = await consumer.consume({ max_messages: 256 });
    const stop = (): void => void messages.stop();
    signal.addEventListener('abort', stop, { once: true });
    try {
      for await (const msg of messages) {
        if (msg.seq > range.untilSeq) break;
        if (msg.headers?.get(MSG_ID_HEADER) === expected.msgId) return msg.seq;
        if (msg.info.pending === 0 || msg.seq === range.untilSeq) break;
      }
    } finally {
      signal.removeEventListener('abort', stop);
      messages.stop();
    }
    signal.throwIfAborted();
    return undefined;
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}
