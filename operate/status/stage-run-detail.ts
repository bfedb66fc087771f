/**
 * How a stage's latest run runs or ran, for `orderflow status`: the plan it keeps (digest, the
 * functions in order with their task queues, the build that made it), the build and attempts of
 * each function it completed, the function running now and why the run waits. One lookup per
 * stage: a completed run's result, a running run's `status` query, or the first page of a closed
 * run's history (where the plan's local-activity marker sits).
 */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';

import { INTERNAL_ACTIVITIES } from '../../workflows/names';
import { statusQuery } from '../../workflows';
import type { StagePlan, StageResult, StageStatus } from '../../workflows/types';

export interface PlanView {
  /** StagePlan.digest: equal plans, equal digests. */
  readonly digest: string;
  /** The build of the worker that made the plan. */
  readonly build: string;
  /** The functions in the order the run calls them. */
  readonly functions: ReadonlyArray<{ readonly name: string; readonly taskQueue: string }>;
}

export interface StepView {
  readonly name: string;
  /** The build of the worker that ran it; absent for a running run (its `status` query tells attempts only). */
  readonly build?: string;
  /** The attempt that completed it (1 for the first). */
  readonly attempt: number;
}

export interface RunDetail {
  readonly plan?: PlanView;
  /** The functions the run completed, in plan order. */
  readonly steps?: readonly StepView[];
  /** The function running now (a running run only). */
  readonly currentStep?: string;
  /** Why the run waits, when it does: a function no worker on its queue hosts. */
  readonly waiting?: string;
}

/**
 * How long the `status` query may take, in ms. It needs a worker to answer; without one the
 * plan still comes from history, and `status` must not hang on a pipeline whose workers are down.
 */
const STATUS_QUERY_TIMEOUT_MS = 3000;

/**
 * Events of a closed run's history read for its plan. The plan is in the run's first local
 * activity (its local run or, without one, its plan activity), recorded with its first workflow
 * task, so it sits among the first handful of events.
 */
const HISTORY_EVENTS_READ = 50;

/** The marker sdk-core records for a local activity, with its `data` (type, attempt…) and `result`. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

function isStagePlan(value: unknown): value is StagePlan {
  if (typeof value !== 'object' || value === null) return false;
  const plan = value as Partial<StagePlan>;
  return typeof plan.digest === 'string' && typeof plan.build === 'string' && Array.isArray(plan.functions);
}

/**
 * Where a local-activity marker's `data` (sdk-core's LocalActivityMarkerData, JSON) says the plan
 * is in its result: the plan itself (the plan activity), or its `plan` (the stage's local run).
 */
function planInMarker(data: unknown): ((result: unknown) => unknown) | undefined {
  const type = typeof data === 'object' && data !== null && 'activity_type' in data ? data.activity_type : undefined;
  if (type === INTERNAL_ACTIVITIES.plan) return (result) => result;
  if (type === INTERNAL_ACTIVITIES.runLocally) {
    return (result) =>
      typeof result === 'object' && result !== null ? (result as { plan?: unknown }).plan : undefined;
  }
  return undefined;
}

function planView(plan: StagePlan): PlanView {
  return {
    digest: plan.digest,
    build: plan.build,
    functions: plan.functions.map((fn) => ({ name: fn.name, taskQueue: fn.taskQueue })),
  };
}

/** A completed run: everything is in its result. */
export function detailFromResult(result: StageResult): RunDetail {
  // A result of a build older than plans has none: show what there is rather than fail.
  if (!isStagePlan(result.plan)) return {};
  const steps = result.plan.functions.flatMap((fn) => {
    const step = result.steps[fn.name];
    return step ? [{ name: fn.name, build: step.build, attempt: step.attempt }] : [];
  });
  return { plan: planView(result.plan), steps };
}

function detailFromStatus(status: StageStatus): RunDetail {
  // completedSteps is in the order the run completed them, which is the plan's.
  const steps = status.completedSteps.map((name) => ({ name, attempt: status.attempts[name] ?? 1 }));
  return {
    ...(status.plan ? { plan: planView(status.plan) } : {}),
    steps,
    ...(status.currentStep ? { currentStep: status.currentStep } : {}),
    ...(status.waiting ? { waiting: status.waiting } : {}),
  };
}

async function decodePayload(client: Client, payload: Payload | undefined): Promise<unknown> {
  if (!payload) return undefined;
  const { payloadCodecs, payloadConverter } = client.workflow.options.loadedDataConverter;
  let payloads = [payload];
  // Codecs encode in order, so they decode in reverse.
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  return payloads[0] ? payloadConverter.fromPayload(payloads[0]) : undefined;
}

/** The plan recorded in a run's history (by its local run or its plan activity), if there is one. */
async function planFromHistory(client: Client, workflowId: string, runId: string): Promise<PlanView | undefined> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: HISTORY_EVENTS_READ,
  });
  for (const event of history?.events ?? []) {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== LOCAL_ACTIVITY_MARKER || !marker.details) continue;
    const read = planInMarker(await decodePayload(client, marker.details.data?.payloads?.[0]));
    if (!read) continue;
    const plan = read(await decodePayload(client, marker.details.result?.payloads?.[0]));
    // A local run that failed as a whole recorded no result: the plan activity's marker follows.
    if (isStagePlan(plan)) return planView(plan);
  }
  return undefined;
}

/**
 * A running run: its `status` query (the function now, why it waits, attempts so far). When no
 * worker answers in time, the plan from its history, and the function now from Temporal's
 * pending activity, which `status` reads anyway.
 */
export async function detailOfRunning(
  client: Client,
  workflowId: string,
  runId: string,
  timeoutMs = STATUS_QUERY_TIMEOUT_MS,
): Promise<RunDetail> {
  const handle = client.workflow.getHandle(workflowId, runId);
  try {
    return detailFromStatus(await client.withDeadline(Date.now() + timeoutMs, () => handle.query(statusQuery)));
  } catch {
    return detailOfClosed(client, workflowId, runId);
  }
}

/** A failed, terminated, cancelled or timed-out run: the plan from its history, or nothing. */
export async function detailOfClosed(client: Client, workflowId: string, runId: string): Promise<RunDetail> {
  const plan = await planFromHistory(client, workflowId, runId).catch(() => undefined);
  return plan ? { plan } : {};
}
