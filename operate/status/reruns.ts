/**
 * An order's reruns in one stage (`orderflow rerun`): every workflow whose ID is the stage's
 * rerun ID of the order (`<stage>-<orderId>@rerun-<tag>`), whatever the tag, found by one
 * visibility query on the ID's prefix. A visibility store that refuses STARTS_WITH gets a bounded
 * scan of the stage's workflow type instead, newest first, filtered by the prefix.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { isGrpcServiceError } from '@temporalio/client';

import type { StageName } from '../../workflows/names';
import { STAGES, rerunTagOf, rerunWorkflowIdPrefix } from '../../workflows/names';
import { readRerunMemo } from '../rerun/memo';
import { GRPC_STATUS } from '../../shared/temporal/faults';

export interface RerunView {
  readonly tag: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly status: string;
  readonly startTime: string;
  readonly closeTime?: string;
  /** Whether its functions applied their effects again (`--reapply`), as its memo says. */
  readonly reapply?: boolean;
}

/** Reruns listed per stage at most. */
const RERUNS_LISTED_AT_MOST = 100;
/** Runs of the stage's workflow type the fallback scan reads at most. */
const FALLBACK_SCAN_AT_MOST = 5_000;

function isRefusedQuery(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth += 1) {
    if (isGrpcServiceError(e) && (e.code as number) === GRPC_STATUS.INVALID_ARGUMENT) return true;
  }
  return false;
}

function viewOf(stage: StageName, orderId: string, run: WorkflowExecutionInfo): RerunView | undefined {
  const tag = rerunTagOf(stage, orderId, run.workflowId);
  if (tag === undefined) return undefined;
  const memo = readRerunMemo(run.memo);
  return {
    tag,
    workflowId: run.workflowId,
    runId: run.runId,
    status: run.status.name,
    startTime: run.startTime.toISOString(),
    ...(run.closeTime ? { closeTime: run.closeTime.toISOString() } : {}),
    ...(memo ? { reapply: memo.reapply } : {}),
  };
}

async function collect(
  client: Client,
  query: string,
  stage: StageName,
  orderId: string,
  scanAtMost: number,
): Promise<RerunView[]> {
  const views: RerunView[] = [];
  let scanned = 0;
  for await (const run of client.workflow.list({ query, pageSize: 100 })) {
    const view = viewOf(stage, orderId, run);
    if (view) views.push(view);
    scanned += 1;
    if (views.length >= RERUNS_LISTED_AT_MOST || scanned >= scanAtMost) break;
  }
  return views.sort((a, b) => a.startTime.localeCompare(b.startTime));
}

/** The order's reruns in `stage`, oldest first, at most RERUNS_LISTED_AT_MOST. */
export async function rerunsOf(client: Client, stage: StageName, orderId: string): Promise<RerunView[]> {
  // Order IDs and stage names hold no quote (ORDER_ID_PATTERN), so the prefix is safe in a query.
  const prefix = rerunWorkflowIdPrefix(stage, orderId);
  try {
    return await collect(client, `WorkflowId STARTS_WITH '${prefix}'`, stage, orderId, Number.POSITIVE_INFINITY);
  } catch (err) {
    if (!isRefusedQuery(err)) throw err;
  }
  return collect(client, `WorkflowType = '${STAGES[stage].workflowType}'`, stage, orderId, FALLBACK_SCAN_AT_MOST);
}
