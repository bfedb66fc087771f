/**
 * What a JetStream publish's answer means, checked rather than assumed. JetStream answers a
 * publish whose Nats-Msg-Id it saw within the duplicate window with `duplicate: true` and the
 * sequence of the message stored under that ID, whoever published it: taking that on trust would
 * let a stranger's message stand in for ours. And a message too large is refused in two places.
 */
import type { JetStreamManager, PubAck, StoredMsg } from '@nats-io/jetstream';
import { InvalidArgumentError } from '@nats-io/nats-core';

import { isJsApiError } from './api-codes';

/** Thrown when the message found where ours should be is someone else's, or is gone. */
export class ForeignMessageError extends Error {
  override readonly name = 'ForeignMessageError';
  constructor(
    readonly stream: string,
    /** Sequence of the message found in `stream`. */
    readonly seq: number,
    /** What was expected there, e.g. "the dead letter of NEW stream seq 42". */
    readonly expected: string,
    /** `foreign`: a message that is not ours; `gone`: nothing is left at `seq` to tell. */
    readonly found: 'foreign' | 'gone',
    options?: { cause?: unknown },
  ) {
    super(
      found === 'gone'
        ? `${stream} reports ${expected} as already stored at seq ${seq}, but that message is gone`
        : `${stream} seq ${seq} is not ${expected}: another message carries the same ID`,
      options,
    );
  }
}

/**
 * For a publish JetStream reported as a duplicate: reads the message stored at `ack.seq` and
 * returns it when `isOurs` accepts it; throws ForeignMessageError otherwise.
 */
export async function verifyDuplicate(
  jsm: JetStreamManager,
  ack: PubAck,
  expected: string,
  isOurs: (stored: StoredMsg) => boolean,
): Promise<StoredMsg> {
  const stored = await jsm.streams.getMessage(ack.stream, { seq: ack.seq });
  if (!stored) throw new ForeignMessageError(ack.stream, ack.seq, expected, 'gone');
  if (!isOurs(stored)) throw new ForeignMessageError(ack.stream, ack.seq, expected, 'foreign');
  return stored;
}

/**
 * Whether a publish was refused for its size: nats.js refuses a message over the server's
 * max_payload (headers included) before sending it; JetStream refuses headers over 64 KiB, and a
 * stream with a max_msg_size a message over it.
 */
export function isRefusedForSize(err: unknown): boolean {
  return err instanceof InvalidArgumentError || isJsApiError(err, 'headerTooLarge', 'messageTooLarge');
}
