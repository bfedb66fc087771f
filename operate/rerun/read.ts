/**
 * Reading a rerun's range: the stage's input messages, through the replay reader (an ephemeral
 * ordered consumer; the durable consumers are never touched), each decoded and validated exactly
 * as the bridge does before it starts a run, into the input a rerun starts with. A message the
 * bridge would dead-letter as poison is counted, never run. A range holding more than the limit is
 * refused before anything is judged or started.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';

import type { StageName } from '../../workflows/names';
import { STREAM } from '../../workflows/names';
import type { StageInput } from '../../workflows/types';
import { decodeStageMessage } from '../../shared/orders/decode';
import { carriedHeaders } from '../../shared/orders/headers';
import { ConfigError } from '../../shared/errors';
import { orderRevision } from '../../shared/orders/revision';
import type { ReplayOptions, ReplayProgress, ReplayedMessage } from '../replay/replay';
import { replay } from '../replay/replay';

/** A valid message of the range: what the bridge would have started the stage's run with. */
export interface RangeMessage {
  readonly seq: number;
  readonly time: string;
  readonly orderId: string;
  /** The run's input, as the bridge builds it, but for the delivery count (0: read, not delivered). */
  readonly input: StageInput;
}

/** A message of the range the bridge could never run. */
export interface PoisonMessage {
  readonly seq: number;
  readonly reason: string;
}

export interface RangeContents {
  readonly messages: readonly RangeMessage[];
  readonly poison: readonly PoisonMessage[];
}

/** Thrown inside the reader to stop it once the range proved larger than the limit. */
class OverLimit extends Error {
  constructor(readonly seq: number) {
    super(`over the limit at seq ${seq}`);
  }
}

/** The message as a stage's run would take it, or why it cannot be one. */
export function decodeRangeMessage(stage: StageName, message: ReplayedMessage): RangeMessage | PoisonMessage {
  const decoded = decodeStageMessage(stage, message.data);
  if (!decoded.ok) return { seq: message.seq, reason: decoded.reason };
  // The reader hands headers as a record; carriedHeaders applies the bridge's own rules to them.
  const h = natsHeaders();
  for (const [name, value] of Object.entries(message.headers)) h.set(name, value);
  const { order } = decoded.payload;
  return {
    seq: message.seq,
    time: message.time,
    orderId: order.orderId,
    input: {
      ...decoded.payload,
      revision: orderRevision(order),
      source: {
        stream: STREAM,
        subject: message.subject,
        streamSeq: message.seq,
        deliveryCount: 0,
        headers: carriedHeaders({ headers: h }).headers,
      },
    },
  };
}

/**
 * The range's messages on the stage's input subject, in stream order. Throws a ConfigError naming
 * --limit when the range holds more than `limit` messages.
 */
export async function readRange(
  js: JetStreamClient,
  jsm: JetStreamManager,
  stage: StageName,
  range: ReplayOptions & { readonly subject: string },
  limit: number,
  onProgress?: (progress: ReplayProgress) => void,
): Promise<RangeContents> {
  const messages: RangeMessage[] = [];
  const poison: PoisonMessage[] = [];
  try {
    await replay(
      js,
      jsm,
      { ...range, pace: 'instant' },
      (message) => {
        if (messages.length + poison.length >= limit) throw new OverLimit(message.seq);
        const decoded = decodeRangeMessage(stage, message);
        if ('input' in decoded) messages.push(decoded);
        else poison.push(decoded);
      },
      onProgress,
    );
  } catch (err) {
    if (!(err instanceof OverLimit)) throw err;
    throw new ConfigError(
      '--limit',
      `the range holds more than ${limit} messages on ${range.subject} (the next is seq ${err.seq})`,
      `narrow it (--until-seq ${err.seq - 1}, --from-seq, --since/--until, --order) or raise --limit`,
    );
  }
  return { messages, poison };
}
