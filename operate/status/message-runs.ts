/**
 * `orderflow status --seq <n>`: which runs stream message n of ORDERS started, in one visibility
 * query on the runs' search attributes (shared/temporal/run-attributes.ts). Where the namespace lacks
 * them, or the runs were started before they were registered, a bounded fallback: the message is
 * read from the stream for its order ID, and only that order's runs in the message's stage are
 * listed and matched by their memo. A message gone from the stream cannot be found that way.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';

import type { StageName } from '../../workflows/names';
import { ORDER_ID_PATTERN, STAGES, STREAM, workflowIdFor } from '../../workflows/names';
import { readRerunMemo } from '../rerun/memo';
import { readRunAttributes, runsOfMessageQuery } from '../../shared/temporal/run-attributes';
import { readRunMemo } from '../../shared/temporal/run-memo';
import { REGISTER_ADVICE } from '../../shared/temporal/search-attribute-registry';
import { GRPC_STATUS } from '../../shared/temporal/faults';

/** Runs listed for one message at most: a message starts one per failed run and rerun tag. */
const MESSAGE_RUNS_AT_MOST = 1000;

export interface MessageRunView {
  readonly stage?: StageName;
  readonly workflowId: string;
  readonly runId: string;
  readonly status: string;
  readonly subject?: string;
  /** The message's delivery count when it started this run (1 = first delivery). */
  readonly deliveryCount?: number;
  /** Set on a run `orderflow rerun` started. */
  readonly rerunTag?: string;
  readonly startTime: string;
  readonly closeTime?: string;
}

export interface MessageRuns {
  readonly stream: string;
  readonly streamSeq: number;
  /** How the runs were found: the search attributes, or the bounded fallback through the stream. */
  readonly via: 'search-attributes' | 'order-runs';
  readonly runs: readonly MessageRunView[];
  /** Why the fallback could not answer, with what to do (set when `runs` is empty for that reason). */
  readonly note?: string;
}

function isRefusedQuery(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth += 1) {
    if (isGrpcServiceError(e) && (e.code as number) === GRPC_STATUS.INVALID_ARGUMENT) return true;
  }
  return false;
}

/** A listed run as `status --seq` shows it: the attributes first, the memo where they are absent. */
export function messageRunView(run: WorkflowExecutionInfo): MessageRunView {
  const fromAttributes = readRunAttributes(run.typedSearchAttributes);
  const memo = readRunMemo(run.memo);
  const stage = Object.values(STAGES).find((s) => s.workflowType === run.type)?.name;
  const subject = fromAttributes.subject ?? memo.subject;
  const deliveryCount = fromAttributes.deliveryCount ?? memo.deliveryCount;
  const rerunTag = readRerunMemo(run.memo)?.rerunTag;
  return {
    ...(stage ? { stage } : {}),
    workflowId: run.workflowId,
    runId: run.runId,
    status: run.status.name,
    ...(subject !== undefined ? { subject } : {}),
    ...(deliveryCount !== undefined ? { deliveryCount } : {}),
    ...(rerunTag ? { rerunTag } : {}),
    startTime: run.startTime.toISOString(),
    ...(run.closeTime ? { closeTime: run.closeTime.toISOString() } : {}),
  };
}

async function list(client: Client, query: string, keep: (run: WorkflowExecutionInfo) => boolean) {
  const runs: MessageRunView[] = [];
  for await (const run of client.workflow.list({ query, pageSize: 100 })) {
    if (keep(run)) runs.push(messageRunView(run));
    if (runs.length >= MESSAGE_RUNS_AT_MOST) break;
  }
  return runs.sort((a, b) => a.startTime.localeCompare(b.startTime));
}

/** The order ID and stage of stream message `seq`, or why they cannot be told. */
async function messageOrder(
  jsm: JetStreamManager,
  seq: number,
): Promise<{ orderId: string; stage: StageName } | { note: string }> {
  const stored = await jsm.streams.getMessage(STREAM, { seq }).catch(() => null);
  if (!stored) return { note: `message ${seq} is not in ${STREAM}, so its order cannot be told; ${REGISTER_ADVICE}` };
  const stage = Object.values(STAGES).find((s) => s.inputSubject === stored.subject)?.name;
  if (!stage) return { note: `message ${seq} is on ${stored.subject}, which no stage consumes` };
  let orderId: unknown;
  try {
    orderId = stored.json<{ orderId?: unknown } | null>()?.orderId;
  } catch {
    orderId = undefined;
  }
  if (typeof orderId !== 'string' || !ORDER_ID_PATTERN.test(orderId))
    return { note: `message ${seq} holds no valid order ID, so no run was started for it` };
  return { orderId, stage };
}

/** The runs message `seq` of ORDERS started, oldest first. */
export async function runsOfMessage(client: Client, jsm: JetStreamManager, seq: number): Promise<MessageRuns> {
  const base = { stream: STREAM, streamSeq: seq };
  try {
    const runs = await list(client, runsOfMessageQuery(STREAM, seq), () => true);
    if (runs.length) return { ...base, via: 'search-attributes', runs };
  } catch (err) {
    // The namespace lacks the attributes: the bounded fallback below answers instead.
    if (!isRefusedQuery(err)) throw err;
  }
  const found = await messageOrder(jsm, seq);
  if ('note' in found) return { ...base, via: 'order-runs', runs: [], note: found.note };
  // Order IDs hold no quote (ORDER_ID_PATTERN), so the workflow ID is safe in the query.
  const query = `WorkflowId = '${workflowIdFor(found.stage, found.orderId)}'`;
  const runs = await list(client, query, (run) => readRunMemo(run.memo).streamSeq === seq);
  return { ...base, via: 'order-runs', runs };
}
