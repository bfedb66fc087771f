/**
 * Publishes the plan's messages at their times, each until JetStream confirms it (retried with
 * the same Nats-Msg-Id, so a retry after a lost ack never stores a second copy), and records when
 * each was stored and at which stream sequence.
 */
import type { JetStreamClient } from '@nats-io/jetstream';

import { SUBJECTS } from '../../workflows/names';
import type { Publication } from './plan';

export interface PublishRecord {
  readonly index: number;
  /** From the start of the fault period, in ms; undefined when never confirmed. */
  publishedAtMs?: number;
  seq?: number;
  /** JetStream answered "duplicate": a retry of a publish that had been stored after all. */
  duplicate?: boolean;
  attempts: number;
  lastError?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/**
 * Publishes every publication in order, not before its time. Ends when all are confirmed or
 * `signal` aborts (then the rest stay unconfirmed in the records).
 */
export async function publishPlan(
  js: JetStreamClient,
  publications: readonly Publication[],
  startedAt: number,
  signal: AbortSignal,
): Promise<PublishRecord[]> {
  const records: PublishRecord[] = publications.map((p) => ({ index: p.index, attempts: 0 }));
  for (const publication of publications) {
    const record = records[publication.index]!;
    await sleep(startedAt + publication.atMs - Date.now());
    while (!signal.aborted && record.seq === undefined) {
      record.attempts += 1;
      try {
        const ack = await js.publish(SUBJECTS.received, publication.body, { msgID: publication.msgId, timeout: 5000 });
        record.seq = ack.seq;
        record.duplicate = ack.duplicate;
        record.publishedAtMs = Date.now() - startedAt;
      } catch (err) {
        record.lastError = err instanceof Error ? err.message : String(err);
        await sleep(500);
      }
    }
    if (signal.aborted) break;
  }
  return records;
}
