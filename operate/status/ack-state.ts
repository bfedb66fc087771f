/**
 * Whether a stage's consumer acknowledged one of its messages. JetStream tells a consumer's ack
 * floor (every message at or below it is acked or terminated), the last message it delivered and
 * how many delivered messages still wait for their ack (num_ack_pending), but never which: a
 * message above the floor may have been acked while an earlier one is still held, and comparing
 * with the floor alone called it "not acked". No JetStream API, on 2.9 or later, lists the pending
 * set, so it is told from two sources:
 *
 * - the consumer's own messages above the floor (read through an ephemeral ordered consumer; the
 *   durable one is never touched): the first of them is pending (it holds the floor), and when
 *   num_ack_pending counts them all, or only that first one, the rest follows;
 * - otherwise the bridge's contract, read in Temporal: it acks a message only once its stage's run
 *   completed, and terminates one only after storing its dead letter. A message whose run has not
 *   completed and which has no dead letter is still held. When the messages held that way are as
 *   many as JetStream counts pending, they are the pending set and every other one was acked.
 *
 * What neither settles (a completed run whose ack was lost to a crash, still waiting to be
 * redelivered, beside others) stays unknown rather than guessed.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';

import type { StageName } from '../../workflows/names';
import { STAGES, STREAM, workflowIdFor } from '../../workflows/names';
import { orderIdOf } from '../../workflows/order-id';
import { replay } from '../replay/replay';

/** Messages above a consumer's ack floor read at most to tell which are acked; past it, unknown. */
const ABOVE_FLOOR_READ_AT_MOST = 200;

/** What JetStream says of a consumer's acks and, when read, of its messages above the floor. */
export interface AckFacts {
  /** Every message at or below this stream sequence is acked (or terminated). */
  readonly floor: number;
  /** The highest stream sequence the consumer delivered. */
  readonly delivered: number;
  /** Messages delivered and not acked: all above the floor, JetStream does not say which. */
  readonly pending: number;
  /** The consumer's messages above the floor up to `delivered`, in stream order; `complete` once all were read. */
  readonly above?: { readonly seqs: readonly number[]; readonly complete: boolean };
  /** Of a complete `above`, the ones the bridge still holds: their run not completed, no dead letter. */
  readonly held?: ReadonlySet<number>;
}

/** Whether message `seq` is acked, from what `facts` hold; undefined when they do not settle it. */
export function ackedFrom(seq: number, facts: AckFacts): boolean | undefined {
  const { floor, delivered, pending, above, held } = facts;
  if (seq <= floor) return true;
  if (seq > delivered) return false; // not delivered yet
  if (pending === 0) return true;
  if (!above || !above.seqs.includes(seq)) return undefined;
  if (seq === above.seqs[0]) return false; // the first above the floor is what holds it there
  if (pending === 1) return true; // and it is the only one pending
  if (!above.complete) return undefined;
  if (pending >= above.seqs.length) return false; // every one of them waits for its ack
  if (!held) return undefined;
  const pendingSet = new Set([above.seqs[0]!, ...held]);
  if (pendingSet.has(seq)) return false;
  return pendingSet.size === pending ? true : undefined;
}

/** A message of the consumer above its floor, with the order it names (none for poison). */
interface AboveFloor {
  readonly seq: number;
  readonly orderId?: string;
}

/** A dead letter: the consumer and the stream message it came from. */
export interface DeadLetterRef {
  readonly consumer: string;
  readonly streamSeq: number;
}

/**
 * Tells, for one `status` call, whether stage consumers acknowledged their messages. Reads the
 * dead letters once (the caller's list) and each order's stage workflow at most once.
 */
export class AckReader {
  private readonly runStatuses = new Map<string, Promise<string | undefined>>();

  constructor(
    private readonly client: Client,
    private readonly jsm: JetStreamManager,
    private readonly deadLetters: Promise<readonly DeadLetterRef[]>,
  ) {}

  /**
   * Whether `stage`'s consumer acknowledged stream message `seq`; undefined when it cannot be told,
   * a read failing included (the ack state is one fact of a timeline, never a reason to fail it).
   */
  async acked(stage: StageName, seq: number): Promise<boolean | undefined> {
    return this.tell(stage, seq).catch(() => undefined);
  }

  private async tell(stage: StageName, seq: number): Promise<boolean | undefined> {
    const info = await this.jsm.consumers.info(STREAM, STAGES[stage].consumer).catch(() => null);
    if (!info) return undefined;
    const facts = {
      floor: info.ack_floor.stream_seq,
      delivered: info.delivered.stream_seq,
      pending: info.num_ack_pending,
    };
    const quick = ackedFrom(seq, facts);
    if (quick !== undefined) return quick;
    const read = await this.readAbove(stage, facts.floor, facts.delivered);
    const above = { seqs: read.messages.map((m) => m.seq), complete: read.complete };
    const known = ackedFrom(seq, { ...facts, above });
    if (known !== undefined || !read.complete) return known;
    return ackedFrom(seq, { ...facts, above, held: await this.held(stage, read.messages) });
  }

  /** The stage's messages in (floor, delivered], at most ABOVE_FLOOR_READ_AT_MOST of them. */
  private async readAbove(
    stage: StageName,
    floor: number,
    delivered: number,
  ): Promise<{ messages: AboveFloor[]; complete: boolean }> {
    const messages: AboveFloor[] = [];
    const options = { fromSeq: floor + 1, untilSeq: delivered, subject: STAGES[stage].inputSubject };
    let complete = true;
    await replay(this.jsm.jetstream(), this.jsm, options, (message) => {
      if (messages.length >= ABOVE_FLOOR_READ_AT_MOST) {
        complete = false;
        throw new ReadEnough();
      }
      const orderId = orderIdOf(message.data);
      messages.push(orderId === undefined ? { seq: message.seq } : { seq: message.seq, orderId });
    }).catch((err: unknown) => {
      if (!(err instanceof ReadEnough)) throw err;
    });
    return { messages, complete };
  }

  /** The messages the bridge still holds: no dead letter, and their order's stage run not completed. */
  private async held(stage: StageName, messages: readonly AboveFloor[]): Promise<Set<number>> {
    const consumer = STAGES[stage].consumer;
    const letters = new Set((await this.deadLetters).filter((d) => d.consumer === consumer).map((d) => d.streamSeq));
    const held = new Set<number>();
    for (const { seq, orderId } of messages) {
      if (letters.has(seq)) continue; // terminated after its dead letter: no longer pending
      // A message naming no order is not dead-lettered yet, so the bridge has not finished with it.
      const status = orderId === undefined ? undefined : await this.runStatus(workflowIdFor(stage, orderId));
      if (status !== 'COMPLETED') held.add(seq);
    }
    return held;
  }

  private runStatus(workflowId: string): Promise<string | undefined> {
    let status = this.runStatuses.get(workflowId);
    if (!status) {
      status = this.client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          (d) => d.status.name,
          (err: unknown) => {
            if (err instanceof WorkflowNotFoundError) return undefined;
            throw err;
          },
        );
      this.runStatuses.set(workflowId, status);
    }
    return status;
  }
}

/** Thrown inside the reader to stop it once enough was read. */
class ReadEnough extends Error {
  override readonly name = 'ReadEnough';
}
