/**
 * The one shape every stage workflow has: read the stage's plan once (a local activity, recorded
 * in the run's history, so the run keeps it whatever is deployed later), run the plan's functions
 * in order, each on its task queue with its own timeouts and retries, then publish the order to
 * the next subject. Deterministic: all I/O happens in activities.
 */
import {
  ApplicationFailure,
  defineQuery,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';

import type { StageName } from './names';
import { retryIntervalMs, runFunction, stageFailure } from './run-function';
import { StageProgress } from './stage-progress';
import { FAILURE_TYPES, INTERNAL_ACTIVITIES, LOCAL_PUBLISH_TIMEOUT_MS } from './names';
import type {
  LocalRun,
  LocalRunInput,
  LocalStop,
  PlanInput,
  PlannedFunction,
  PublishInput,
  Published,
  StageInput,
  StageOutput,
  StagePlan,
  StageResult,
  StageStatus,
  StepResult,
} from './types';

export const statusQuery = defineQuery<StageStatus>('status');

/** The plan is read from memory on the workflow's own worker: quick, and retried if that worker dies. */
const planner = proxyLocalActivities<Record<string, (input: PlanInput) => Promise<StagePlan>>>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds' },
});

type PublishActivity = (input: PublishInput) => Promise<Published>;
const PUBLISH_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' } as const;

/** Publishing retries until it succeeds: the effects bucket makes every attempt land once. */
const publisher = proxyActivities<Record<string, PublishActivity>>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '10 seconds',
  retry: PUBLISH_RETRY,
});

/** The same, as a local activity (StagePlan.publishLocally): no heartbeats, so a shorter bound per attempt. */
const localPublisher = proxyLocalActivities<Record<string, PublishActivity>>({
  startToCloseTimeout: LOCAL_PUBLISH_TIMEOUT_MS,
  retry: PUBLISH_RETRY,
});

/**
 * Runs from this build on read the plan and make the first try of the leading local functions in
 * one local activity (activities/local-stage.ts). Runs started before it replay without.
 */
const LOCAL_RUN_PATCH = 'orderflow.stage-local-run';

/**
 * The stage's local run, tried once: whatever stops it, the workflow goes on the way it does
 * without one. Its bound covers the functions' own (each is held to its timeout inside) for any
 * stage of short functions; a run cut off by it is retried function by function.
 */
const localRunner = proxyLocalActivities<Record<string, (input: LocalRunInput) => Promise<LocalRun>>>({
  startToCloseTimeout: '10 minutes',
  retry: { maximumAttempts: 1 },
});

/** The stage's failure when its local run's try of `fn` failed for good, as a rejection after its own activity. */
function localRejection(orderId: string, stop: LocalStop): ApplicationFailure {
  return ApplicationFailure.create({
    type: FAILURE_TYPES.functionRejected,
    message: `function ${stop.function} rejected order ${orderId}: ${stop.message}`,
    nonRetryable: true,
    details: [{ function: stop.function, type: stop.type ?? null }],
  });
}

/** The local run of the stage, or undefined when it failed as a whole (the plan is then read alone). */
async function runLocally(stageName: StageName, input: StageInput): Promise<LocalRun | undefined> {
  try {
    return await localRunner[INTERNAL_ACTIVITIES.runLocally]!({
      stage: stageName,
      order: input.order,
      revision: input.revision,
      upstream: input.upstream,
      headers: input.source.headers,
      ...(input.rerun ? { rerun: input.rerun } : {}),
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    return undefined;
  }
}

/** What each of a run's steps needs: the stage, its input, its local run (if any) and its progress. */
interface StageRun {
  readonly stageName: StageName;
  readonly input: StageInput;
  readonly local: LocalRun | undefined;
  readonly progress: StageProgress;
}

/**
 * One function of the plan: its result from the local run when that completed it; else its
 * activity, after the first retry's wait when the local run's try failed (and at once, as the
 * stage's rejection, when that try failed for good).
 */
async function runStep(
  fn: PlannedFunction,
  { stageName, input, local, progress }: StageRun,
  results: Readonly<Record<string, StepResult>>,
): Promise<StepResult> {
  const done = local?.steps[fn.name];
  if (done) {
    progress.doneLocally(fn.name, done);
    return done;
  }
  progress.started(fn.name);
  const stop = local?.stopped?.function === fn.name ? local.stopped : undefined;
  if (stop?.kind === 'rejected') throw localRejection(input.order.orderId, stop);
  if (stop) {
    progress.triedLocally(fn.name);
    // The first retry waits as the function's policy says, as it would after its own activity.
    await sleep(retryIntervalMs(fn, 1));
  }
  const previous: StageOutput['stages'] = { ...input.upstream, [stageName]: { ...results } };
  let result: StepResult;
  try {
    result = await runFunction(
      fn,
      // A rerun's spec only rides along in the activity's input: no command is added or changed.
      {
        stage: stageName,
        order: input.order,
        revision: input.revision,
        previous,
        ...(input.rerun ? { rerun: input.rerun } : {}),
        ...(stop ? { priorAttempts: 1 } : {}),
      },
      (w) => progress.waiting(w),
    );
  } catch (err) {
    throw stageFailure(fn, input.order.orderId, err);
  }
  progress.completed(fn.name, result);
  return result;
}

/** Publishes the stage's output to the next subject, as a local activity when the plan says so. */
function publish(
  stageName: StageName,
  input: StageInput,
  plan: StagePlan,
  results: Readonly<Record<string, StepResult>>,
): Promise<Published> {
  return (plan.publishLocally ? localPublisher : publisher)[INTERNAL_ACTIVITIES.publish]!({
    stage: stageName,
    revision: input.revision,
    output: { order: input.order, stages: { ...input.upstream, [stageName]: results } },
    headers: input.source.headers,
  });
}

export async function runStage(stageName: StageName, input: StageInput): Promise<StageResult> {
  const progress = new StageProgress(stageName, input);
  setHandler(statusQuery, () => progress.status);

  const local = patched(LOCAL_RUN_PATCH) ? await runLocally(stageName, input) : undefined;
  const plan = local?.plan ?? (await planner[INTERNAL_ACTIVITIES.plan]!({ stage: stageName }));
  progress.planned(plan);

  const results: Record<string, StepResult> = {};
  const run: StageRun = { stageName, input, local, progress };
  for (const fn of plan.functions) results[fn.name] = await runStep(fn, run, results);

  progress.publishing();
  const published = local?.published ?? (await publish(stageName, input, plan, results));
  progress.published(published);
  return { stage: stageName, orderId: input.order.orderId, plan, steps: results, published };
}
