/**
 * One order's timeline, joined from Temporal (a workflow per stage: runs, status, the plan the
 * latest run keeps and the build that ran each function, the function running now, the last
 * failure) and JetStream (the order's messages, whether they were acked, dead letters). Finds the
 * messages through the stream sequences the bridge recorded in each run's memo and the sequences
 * each stage's result holds: no scan of ORDERS. Lists each stage's reruns (`orderflow rerun`) too.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Client, WorkflowExecutionDescription, WorkflowExecutionInfo } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';

import { STAGES, STREAM, workflowIdFor } from '../../workflows/names';
import type { DeadLetterRecord } from '../dlq/dead-letter-store';
import { listDeadLetters } from '../dlq/dead-letter-store';
import type { StageName } from '../../workflows/names';
import type { StageResult } from '../../workflows/types';
import type { RunSource } from '../../shared/temporal/run-attributes';
import { readRunAttributes } from '../../shared/temporal/run-attributes';
import { readRunMemo } from '../../shared/temporal/run-memo';
import { AckReader } from './ack-state';
import type { RerunView } from './reruns';
import { rerunsOf } from './reruns';
import type { PlanView, RunDetail, StepView } from './stage-run-detail';
import { detailFromResult, detailOfClosed, detailOfRunning } from './stage-run-detail';

export interface MessageRef {
  readonly subject: string;
  readonly streamSeq: number;
  readonly time?: string;
  /**
   * Whether the stage's consumer has acknowledged it (ack-state.ts); absent for ORDERS.completed,
   * which no stage consumes, and when JetStream and the runs cannot settle it.
   */
  readonly acked?: boolean;
  /**
   * The delivery that started the stage's latest run (1 = first delivery). JetStream tells a
   * message's delivery count only to whoever it delivers it to, so this is the last one known.
   */
  readonly deliveryCount?: number;
}

/** One run of a stage's workflow, and the message that started it (absent on runs that do not say). */
export interface RunView {
  readonly runId: string;
  readonly status: string;
  readonly startTime: string;
  readonly closeTime?: string;
  readonly source?: RunSource;
}

export interface StageTimeline {
  readonly stage: StageName;
  readonly workflowId: string;
  readonly runs: readonly RunView[];
  readonly status?: string;
  readonly input?: MessageRef;
  readonly output?: MessageRef;
  readonly currentActivity?: { readonly name: string; readonly attempt: number; readonly lastFailure?: string };
  /**
   * Set while the run's workflow task keeps failing (a bug, a non-determinism after a code
   * change): the run cannot progress, and the bridge parks it as `stuck` after its bound.
   */
  readonly failingWorkflowTask?: { readonly attempt: number };
  readonly failure?: string;
  /** The task queue of the stage's workflow (a plan's function on it runs on the pipeline's workers). */
  readonly taskQueue?: string;
  /** The plan the latest run keeps; absent while it is read, or when no source tells it. */
  readonly plan?: PlanView;
  /** The functions the latest run completed, in order, with the build that ran each and its attempt. */
  readonly steps?: readonly StepView[];
  /** The function the latest run is running now (its `status` query). */
  readonly currentStep?: string;
  /**
   * Why the latest run waits, when it does: a function no worker on its queue hosts, or the limit
   * its running function waits for.
   */
  readonly waiting?: string;
  /** The order's reruns in this stage, oldest first (absent when there are none). */
  readonly reruns?: readonly RerunView[];
}

export interface OrderTimeline {
  readonly orderId: string;
  readonly stages: readonly StageTimeline[];
  readonly deadLetters: readonly Omit<DeadLetterRecord, 'payload'>[];
  readonly known: boolean;
}

/** What a timeline reads JetStream with: the manager, and whether a stage's consumer acked a message. */
interface Reads {
  readonly jsm: JetStreamManager;
  readonly acks: AckReader;
}

/** Stream message `seq` on `subject`, and whether `stage`'s consumer acked it (no stage: not told). */
async function messageRef({ jsm, acks }: Reads, subject: string, seq: number, stage?: StageName): Promise<MessageRef> {
  const stored = await jsm.streams.getMessage(STREAM, { seq }).catch(() => null);
  const acked = stage ? await acks.acked(stage, seq) : undefined;
  return {
    subject,
    streamSeq: seq,
    ...(stored ? { time: stored.time.toISOString() } : {}),
    ...(acked !== undefined ? { acked } : {}),
  };
}

async function describe(client: Client, workflowId: string): Promise<WorkflowExecutionDescription | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * The message that started a listed run: its search attributes, else its memo (the list already
 * carries both, so this costs no call). Undefined when neither tells the sequence.
 */
function runSourceOf(run: WorkflowExecutionInfo): RunSource | undefined {
  const attributes = readRunAttributes(run.typedSearchAttributes);
  const memo = readRunMemo(run.memo);
  const merged: RunSource = {
    ...(memo.stream !== undefined ? { stream: memo.stream } : {}),
    ...(memo.subject !== undefined ? { subject: memo.subject } : {}),
    ...(memo.streamSeq !== undefined ? { streamSeq: memo.streamSeq } : {}),
    ...(memo.deliveryCount !== undefined ? { deliveryCount: memo.deliveryCount } : {}),
    ...attributes,
  };
  return merged.streamSeq === undefined ? undefined : merged;
}

/** Every run of a stage's workflow, oldest first. */
async function runsOf(client: Client, workflowId: string): Promise<RunView[]> {
  const runs: RunView[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, "\\'")}'` })) {
    const source = runSourceOf(run);
    runs.push({
      runId: run.runId,
      status: run.status.name,
      startTime: run.startTime.toISOString(),
      ...(run.closeTime ? { closeTime: run.closeTime.toISOString() } : {}),
      ...(source ? { source } : {}),
    });
  }
  return runs.sort((a, b) => a.startTime.localeCompare(b.startTime));
}

/** The message that started the latest run, with the delivery that did, when its memo tells them. */
async function inputOf(
  reads: Reads,
  stage: StageName,
  latest: WorkflowExecutionDescription,
): Promise<MessageRef | undefined> {
  const memo = readRunMemo(latest.memo);
  const ref = memo.streamSeq ? await messageRef(reads, STAGES[stage].inputSubject, memo.streamSeq, stage) : undefined;
  return ref && memo.deliveryCount ? { ...ref, deliveryCount: memo.deliveryCount } : ref;
}

/** The latest run's plan and steps, and, once it completed, the message it published. */
async function outcomeOf(
  client: Client,
  reads: Reads,
  workflowId: string,
  latest: WorkflowExecutionDescription,
): Promise<{ readonly detail: RunDetail; readonly output?: MessageRef }> {
  const { runId } = latest;
  if (latest.status.name === 'RUNNING') return { detail: await detailOfRunning(client, workflowId, runId) };
  if (latest.status.name !== 'COMPLETED') return { detail: await detailOfClosed(client, workflowId, runId) };
  const result = (await client.workflow.getHandle(workflowId).result()) as StageResult;
  const next = Object.values(STAGES).find((s) => s.inputSubject === result.published.subject);
  const output = await messageRef(reads, result.published.subject, result.published.streamSeq, next?.name);
  return { detail: detailFromResult(result), output };
}

/** A failed run's error, with up to three of its causes: "a: b: c: d". */
async function failureOf(client: Client, workflowId: string): Promise<string | undefined> {
  return client.workflow
    .getHandle(workflowId)
    .result()
    .then(
      () => undefined,
      (err: unknown) => {
        const parts: string[] = [];
        for (let e: unknown = err; e instanceof Error && parts.length < 4; e = e.cause) parts.push(e.message);
        return parts.join(': ');
      },
    );
}

/**
 * What a pending attempt waits for, from its last heartbeat: a function waiting in its worker for
 * its limit heartbeats `{ waitingFor }` (activities/limited.ts) before the run itself knows.
 */
function waitingOf(details: temporal.api.common.v1.IPayloads | null | undefined): Pick<StageTimeline, 'waiting'> {
  const payload = details?.payloads?.[0];
  if (!payload) return {};
  try {
    const value: unknown = defaultPayloadConverter.fromPayload(payload);
    const waitingFor =
      typeof value === 'object' && value !== null ? (value as { waitingFor?: unknown }).waitingFor : undefined;
    return typeof waitingFor === 'string' ? { waiting: waitingFor } : {};
  } catch {
    return {};
  }
}

/** The activity the latest run waits on (the first pending), with its attempt and last failure. */
function currentActivityOf(latest: WorkflowExecutionDescription): Pick<StageTimeline, 'currentActivity' | 'waiting'> {
  const pending = latest.raw.pendingActivities?.[0];
  if (!pending) return {};
  return {
    ...waitingOf(pending.heartbeatDetails),
    currentActivity: {
      name: pending.activityType?.name ?? '?',
      attempt: pending.attempt ?? 1,
      ...(pending.lastFailure?.message ? { lastFailure: pending.lastFailure.message } : {}),
    },
  };
}

async function stageTimeline(client: Client, reads: Reads, stage: StageName, orderId: string): Promise<StageTimeline> {
  const workflowId = workflowIdFor(stage, orderId);
  const runs = await runsOf(client, workflowId);
  const reruns = await rerunsOf(client, stage, orderId);
  const rerunPart = reruns.length ? { reruns } : {};
  const latest = await describe(client, workflowId);
  if (!latest) return { stage, workflowId, runs, ...rerunPart };
  const input = await inputOf(reads, stage, latest);
  const { detail, output } = await outcomeOf(client, reads, workflowId, latest);
  const failure = latest.status.name === 'FAILED' ? await failureOf(client, workflowId) : undefined;
  const workflowTaskAttempt = latest.raw.pendingWorkflowTask?.attempt ?? 0;
  return {
    stage,
    workflowId,
    runs,
    status: latest.status.name,
    taskQueue: latest.taskQueue,
    ...detail,
    ...(input ? { input } : {}),
    ...(output ? { output } : {}),
    ...currentActivityOf(latest),
    ...(failure ? { failure } : {}),
    ...(workflowTaskAttempt >= 2 ? { failingWorkflowTask: { attempt: workflowTaskAttempt } } : {}),
    ...rerunPart,
  };
}

export async function orderTimeline(client: Client, jsm: JetStreamManager, orderId: string): Promise<OrderTimeline> {
  const letters = listDeadLetters(jsm).catch(() => []);
  const reads = { jsm, acks: new AckReader(client, jsm, letters) };
  const stages: StageTimeline[] = [];
  for (const stage of Object.keys(STAGES) as StageName[])
    stages.push(await stageTimeline(client, reads, stage, orderId));
  const deadLetters = (await letters)
    .filter((d) => d.orderId === orderId)
    .map(({ payload: _payload, ...rest }) => rest);
  const ran = stages.some((s) => s.runs.length > 0 || (s.reruns?.length ?? 0) > 0);
  return { orderId, stages, deadLetters, known: ran || deadLetters.length > 0 };
}
