/**
 * Which messages of a range run again, and why: one exhaustive decision per message from what
 * Temporal and the dead letters tell about it, then one message per order (the latest selected),
 * then whether this tag already reran it. The lookups are injected (lookups.ts has the real ones),
 * so the rules are unit-tested without servers.
 *
 * - `failed`: the stage's run for the order failed, and this message started it (its memo names
 *   this stream sequence); or no run is left (retention removed it) and the message's dead letter
 *   is of kind `failed`. A later run that completed, or one another message started, means this
 *   message is not the one to rerun: a corrected order must never be run with its old content.
 * - `dead-lettered`: the message has a dead letter, of any kind, for the stage's consumer.
 * - `all`: every valid message.
 */
import type { StageName } from '../../workflows/names';
import { rerunWorkflowIdFor, workflowIdFor } from '../../workflows/names';
import type { RunMemo } from '../../shared/temporal/run-memo';
import type { RerunScope } from './options';
import type { PoisonMessage, RangeContents, RangeMessage } from './read';

/** What Temporal tells of a workflow ID's latest run. */
export interface RunFacts {
  /** Temporal's status name: RUNNING, COMPLETED, FAILED, TERMINATED, ... */
  readonly status: string;
  readonly memo: RunMemo;
}

/** What ORDERS_DLQ tells of one stream message's dead letter for the stage's consumer. */
export interface DeadLetterFacts {
  readonly id: number;
  readonly kind: string;
  readonly reason: string;
}

export interface SelectionLookups {
  /** The latest run of a workflow ID, or undefined when Temporal has none. */
  readonly latestRun: (workflowId: string) => Promise<RunFacts | undefined>;
  /** The dead letter of stream message `seq` for the stage's consumer, if any. */
  readonly deadLetter: (seq: number) => Promise<DeadLetterFacts | undefined>;
  /** Runs `fn` over `items`, a bounded number at once. */
  readonly forEach: <T>(items: readonly T[], fn: (item: T) => Promise<void>) => Promise<void>;
}

/** One message that runs again (or already did under this tag). */
export interface SelectedRerun {
  readonly message: RangeMessage;
  /** The rerun's workflow ID (rerunWorkflowIdFor). */
  readonly workflowId: string;
  /** Why it was selected, one short phrase. */
  readonly why: string;
  /** Set when this tag already reran it: that run's status. */
  readonly alreadyRerun?: string;
}

export interface RerunPlan {
  readonly stage: StageName;
  readonly tag: string;
  readonly toRun: readonly SelectedRerun[];
  readonly alreadyRerun: readonly SelectedRerun[];
  readonly poison: readonly PoisonMessage[];
  /** Valid messages not selected, counted by why. */
  readonly skipped: Readonly<Record<string, number>>;
  /** Messages read in all, poison included. */
  readonly read: number;
}

/** A message's fate: selected with a reason, or skipped with one. */
export type Verdict =
  { readonly type: 'select'; readonly why: string } | { readonly type: 'skip'; readonly why: string };

/** Whether the run `facts` describes was started by `message` (runs from before memos are taken to be). */
function startedBy(facts: RunFacts, message: RangeMessage): boolean {
  if (facts.memo.streamSeq !== undefined) return facts.memo.streamSeq === message.seq;
  return facts.memo.revision === undefined || facts.memo.revision === message.input.revision;
}

async function judgeFailed(stage: StageName, message: RangeMessage, lookups: SelectionLookups): Promise<Verdict> {
  const workflowId = workflowIdFor(stage, message.orderId);
  const run = await lookups.latestRun(workflowId);
  if (!run) {
    const letter = await lookups.deadLetter(message.seq);
    return letter?.kind === 'failed'
      ? { type: 'select', why: `dead letter ${letter.id} (failed), run gone` }
      : { type: 'skip', why: 'no run and no failed dead letter' };
  }
  if (run.status !== 'FAILED') return { type: 'skip', why: `latest run ${run.status}` };
  if (!startedBy(run, message)) return { type: 'skip', why: 'failed run started by another message' };
  return { type: 'select', why: `run ${workflowId} FAILED` };
}

async function judgeDeadLettered(message: RangeMessage, lookups: SelectionLookups): Promise<Verdict> {
  const letter = await lookups.deadLetter(message.seq);
  return letter
    ? { type: 'select', why: `dead letter ${letter.id} (${letter.kind})` }
    : { type: 'skip', why: 'no dead letter' };
}

function judge(
  scope: RerunScope,
  stage: StageName,
  message: RangeMessage,
  lookups: SelectionLookups,
): Promise<Verdict> {
  switch (scope) {
    case 'failed':
      return judgeFailed(stage, message, lookups);
    case 'dead-lettered':
      return judgeDeadLettered(message, lookups);
    case 'all':
      return Promise.resolve({ type: 'select', why: 'in the range' });
  }
}

/**
 * The plan of a rerun: every message of `contents` judged, one per order kept (the latest: an
 * earlier message of the same order would start the same rerun ID), each checked against this
 * tag's earlier reruns.
 */
export async function planRerun(
  scope: RerunScope,
  stage: StageName,
  tag: string,
  contents: RangeContents,
  lookups: SelectionLookups,
): Promise<RerunPlan> {
  const verdicts = new Map<RangeMessage, Verdict>();
  await lookups.forEach(contents.messages, async (message) => {
    verdicts.set(message, await judge(scope, stage, message, lookups));
  });
  const skipped: Record<string, number> = {};
  const skip = (why: string): void => void (skipped[why] = (skipped[why] ?? 0) + 1);
  const latest = new Map<string, { message: RangeMessage; why: string }>();
  for (const message of contents.messages) {
    const verdict = verdicts.get(message)!;
    if (verdict.type === 'skip') {
      skip(verdict.why);
      continue;
    }
    if (latest.has(message.orderId)) skip('a later message of the order is selected');
    latest.set(message.orderId, { message, why: verdict.why });
  }
  const selected: SelectedRerun[] = [...latest.values()]
    .sort((a, b) => a.message.seq - b.message.seq)
    .map(({ message, why }) => ({ message, why, workflowId: rerunWorkflowIdFor(stage, message.orderId, tag) }));
  const earlier = new Map<string, string>();
  await lookups.forEach(selected, async ({ workflowId }) => {
    const run = await lookups.latestRun(workflowId);
    if (run) earlier.set(workflowId, run.status);
  });
  const withEarlier = selected.map((s): SelectedRerun => {
    const status = earlier.get(s.workflowId);
    return status === undefined ? s : { ...s, alreadyRerun: status };
  });
  return {
    stage,
    tag,
    toRun: withEarlier.filter((s) => s.alreadyRerun === undefined),
    alreadyRerun: withEarlier.filter((s) => s.alreadyRerun !== undefined),
    poison: contents.poison,
    skipped,
    read: contents.messages.length + contents.poison.length,
  };
}
