/**
 * The servers' side of a rerun's selection (select.ts): a workflow ID's latest run from Temporal
 * (describe, with the bridge's memo), a stream message's dead letter from ORDERS_DLQ (the last
 * message on its own subject, checked to be that message's record), and a bounded fan-out so a
 * range of thousands never sends thousands of calls at once.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';

import { DLQ_STREAM, STREAM, deadLetterSubject } from '../../workflows/names';
import { DLQ_HEADERS } from '../../shared/dead-letters/dead-letters';
import { readRunMemo } from '../../shared/temporal/run-memo';
import type { DeadLetterFacts, RunFacts, SelectionLookups } from './select';

/** Runs `fn` over `items` with at most `limit` calls in flight; the first failure ends it (no item starts after it). */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const item = items[next]!;
      next += 1;
      try {
        await fn(item);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

async function latestRun(client: Client, workflowId: string): Promise<RunFacts | undefined> {
  try {
    const run = await client.workflow.getHandle(workflowId).describe();
    return { status: run.status.name, memo: readRunMemo(run.memo) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** The dead letter of ORDERS seq `seq` for `consumer`; a stranger's message on its subject is none. */
async function deadLetterOf(
  jsm: JetStreamManager,
  consumer: string,
  seq: number,
): Promise<DeadLetterFacts | undefined> {
  const stored = await jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: deadLetterSubject(consumer, seq) });
  if (!stored) return undefined;
  const h = (name: string): string => stored.header.get(name);
  const ours =
    h(DLQ_HEADERS.stream) === STREAM &&
    h(DLQ_HEADERS.consumer) === consumer &&
    h(DLQ_HEADERS.streamSeq) === String(seq);
  return ours ? { id: stored.seq, kind: h(DLQ_HEADERS.kind), reason: h(DLQ_HEADERS.reason) } : undefined;
}

/** The lookups of a rerun of the stage consumed by `consumer`. */
export function serverLookups(
  client: Client,
  jsm: JetStreamManager,
  consumer: string,
  concurrency: number,
): SelectionLookups {
  return {
    latestRun: (workflowId) => latestRun(client, workflowId),
    deadLetter: (seq) => deadLetterOf(jsm, consumer, seq),
    forEach: (items, fn) => forEachBounded(items, concurrency, fn),
  };
}
