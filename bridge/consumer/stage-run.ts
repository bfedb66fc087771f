/**
 * The Temporal side of one message: find or start the stage's run for the order, and tell what an
 * existing run means for this message (attach, already done, a conflicting second version, an
 * operator's decision). Every call goes through the caller's `call`, which ends it at shutdown.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { Priority } from '@temporalio/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/common';

import type { Stage } from '../../workflows/names';
import type { StageInput } from '../../workflows/types';
import { runAttributesFor } from '../../shared/temporal/run-attributes';
import { readRunMemo, runMemoFor } from '../../shared/temporal/run-memo';
import type { Outcome, ParkKind } from '../decision/decision';

/** Runs a Temporal call so that it ends when the bridge gives up (shutdown). */
export type Call = <T>(fn: () => Promise<T>) => Promise<T>;

export interface RunContext {
  readonly stage: Stage;
  readonly client: Client;
  readonly taskQueue: string;
  readonly call: Call;
  /** Whether runs are started with orderflow's search attributes (only when registered). Default: false. */
  readonly searchAttributes?: boolean;
  /** The order's priority and fairness key for a run started now (its functions inherit them). Default: Temporal's. */
  readonly priority?: Priority;
}

/** What to do about the order's run: wait for this run, or an outcome already reached. */
export type RunVerdict = { readonly type: 'await'; readonly runId: string } | Outcome;

const OPERATOR_KINDS: Readonly<Partial<Record<string, ParkKind>>> = {
  TERMINATED: 'terminated',
  CANCELLED: 'cancelled',
  TIMED_OUT: 'timed-out',
};

/** How often a start may lose a race with another bridge before the message is handed back. */
const MAX_START_RACES = 3;

/**
 * Starts a new run. A run already going, or completed, refuses the start (conflict policy FAIL,
 * reuse policy "failed only"): the caller then reads it and decides. Returns undefined when refused.
 */
async function startRun(ctx: RunContext, workflowId: string, input: StageInput): Promise<string | undefined> {
  try {
    const handle = await ctx.call(() =>
      ctx.client.workflow.start(ctx.stage.workflowType, {
        taskQueue: ctx.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        // Temporal's default would run a completed order again; only a failed run may be retried.
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        memo: runMemoFor(input),
        ...(ctx.searchAttributes ? { typedSearchAttributes: runAttributesFor(input) } : {}),
        ...(ctx.priority ? { priority: ctx.priority } : {}),
      }),
    );
    return handle.firstExecutionRunId;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return undefined;
    throw err;
  }
}

async function latestRun(ctx: RunContext, workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await ctx.call(() => ctx.client.workflow.getHandle(workflowId).describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/** What an existing run means for this message. Undefined: a new run may be started. */
function judgeExisting(
  run: WorkflowExecutionDescription,
  workflowId: string,
  input: StageInput,
  redriven: boolean,
): RunVerdict | undefined {
  const memo = readRunMemo(run.memo);
  // Runs from before revisions existed carry none: they are taken to be this message's.
  const sameContent = memo.revision === undefined || memo.revision === input.revision;
  const status = run.status.name;
  if (status === 'FAILED') return undefined;
  const operatorKind = OPERATOR_KINDS[status];
  if (operatorKind) {
    // An operator stopped the run. Only an operator's redrive (a new message) may start it again.
    if (redriven && memo.streamSeq !== input.source.streamSeq) return undefined;
    return {
      type: 'parked',
      kind: operatorKind,
      workflowId,
      reason: `run ${run.runId} was ${operatorKind} by an operator; redrive the dead letter to run the order again`,
    };
  }
  if (!sameContent) {
    return {
      type: 'parked',
      kind: 'conflict',
      workflowId,
      reason:
        `another version of order ${input.order.orderId} (revision ${memo.revision}, stream seq ${memo.streamSeq}) ` +
        `already ${status === 'COMPLETED' ? 'completed' : 'runs'} as ${workflowId}; this one (revision ${input.revision}) was not run`,
      details: {
        conflictsWithSeq: String(memo.streamSeq ?? ''),
        conflictsWithRevision: memo.revision ?? '',
        revision: input.revision,
      },
    };
  }
  if (status === 'COMPLETED') return { type: 'completed', workflowId };
  // Running (or continued as new): an identical repeat or a redelivery joins it.
  return { type: 'await', runId: run.runId };
}

/**
 * Finds the run this message belongs to, starting one when there is none. A first delivery
 * starts at once (one call on the hot path); a redelivery reads the existing run first, so an
 * operator's termination is not undone by it.
 */
export async function resolveRun(
  ctx: RunContext,
  workflowId: string,
  input: StageInput,
  redriven: boolean,
): Promise<RunVerdict> {
  let tryStartFirst = input.source.deliveryCount === 1;
  for (let race = 0; race < MAX_START_RACES; race += 1) {
    if (tryStartFirst) {
      const runId = await startRun(ctx, workflowId, input);
      if (runId) return { type: 'await', runId };
    }
    const existing = await latestRun(ctx, workflowId);
    const verdict = existing ? judgeExisting(existing, workflowId, input, redriven) : undefined;
    if (verdict) return verdict;
    tryStartFirst = true;
  }
  return { type: 'retry-later', workflowId, reason: 'lost the race to start the run three times' };
}

/** Failed runs started by this stream message, the one that just failed included. */
export async function failedRunsOf(
  ctx: RunContext,
  workflowId: string,
  streamSeq: number,
  currentRunId: string,
): Promise<number> {
  const ids = new Set([currentRunId]);
  // Order IDs cannot hold a quote (ORDER_ID_PATTERN), so the workflow ID is safe in the query.
  const query = `WorkflowId = '${workflowId}' AND ExecutionStatus = 'Failed'`;
  await ctx.call(async () => {
    for await (const run of ctx.client.workflow.list({ query, pageSize: 100 })) {
      if (readRunMemo(run.memo).streamSeq === streamSeq) ids.add(run.runId);
      if (ids.size >= 1000) break;
    }
  });
  return ids.size;
}
