/**
 * The stages of the pipeline, as the seed's topology fixes them: which consumer feeds each, which
 * workflow runs it and where its output goes. Which functions a stage runs is the user's pipeline
 * (activities/define.ts), not a name. Plain data: read by workflows, activities and the bridge.
 */
import { CONSUMERS, SUBJECTS } from './topology';

export const STAGES = {
  process: {
    name: 'process',
    consumer: CONSUMERS.new,
    inputSubject: SUBJECTS.received,
    outputSubject: SUBJECTS.processed,
    workflowType: 'processOrder',
  },
  dispatch: {
    name: 'dispatch',
    consumer: CONSUMERS.dispatch,
    inputSubject: SUBJECTS.processed,
    outputSubject: SUBJECTS.completed,
    workflowType: 'dispatchOrder',
  },
} as const;

export type StageName = keyof typeof STAGES;
export type Stage = (typeof STAGES)[StageName];

/** The stages in pipeline order. */
export const STAGE_NAMES: readonly StageName[] = ['process', 'dispatch'];

/** Task queue of the stage workflows and of every function without a queue of its own. */
export const DEFAULT_TASK_QUEUE = 'orderflow';

/** The ID of the one workflow that handles `orderId` in `stage`: stable, so a redelivery attaches to it. */
export function workflowIdFor(stage: StageName, orderId: string): string {
  return `${stage}-${orderId}`;
}

/**
 * What an incident tag (`orderflow rerun --tag`) may look like: one plain token, so that it fits a
 * workflow ID, a KV key token and an idempotency key as it is. At most 24 characters keeps the
 * longest idempotency key within 255 (keys.ts).
 */
export const RERUN_TAG_PATTERN = /^[A-Za-z0-9_-]{1,24}$/;

/** What joins a stage's workflow ID and a rerun's tag. '@' is never in an order ID (ORDER_ID_PATTERN). */
const RERUN_MARKER = '@rerun-';

/**
 * The ID of the run `orderflow rerun --tag <tag>` starts for `orderId` in `stage`:
 * `<stage>-<orderId>@rerun-<tag>`. No order's own run can take it (an order ID holds no '@'), and
 * one tag gives one ID per order and stage, so the same rerun twice starts nothing new.
 */
export function rerunWorkflowIdFor(stage: StageName, orderId: string, tag: string): string {
  return `${rerunWorkflowIdPrefix(stage, orderId)}${tag}`;
}

/** What every rerun's workflow ID of `orderId` in `stage` starts with, whatever its tag. */
export function rerunWorkflowIdPrefix(stage: StageName, orderId: string): string {
  return `${workflowIdFor(stage, orderId)}${RERUN_MARKER}`;
}

/** The tag of a rerun's workflow ID of `orderId` in `stage`; undefined for any other ID. */
export function rerunTagOf(stage: StageName, orderId: string, workflowId: string): string | undefined {
  const prefix = rerunWorkflowIdPrefix(stage, orderId);
  if (!workflowId.startsWith(prefix)) return undefined;
  const tag = workflowId.slice(prefix.length);
  return RERUN_TAG_PATTERN.test(tag) ? tag : undefined;
}

/**
 * Activity types orderflow itself registers. A function name cannot contain '.' (FUNCTION_NAME_PATTERN),
 * so no user function can take one of these names.
 */
export const INTERNAL_ACTIVITIES = {
  /** Reads the stage's plan from the pipeline the workflow's worker hosts (a local activity). */
  plan: 'orderflow.planStage',
  /** Publishes the stage's output to the next subject once. */
  publish: 'orderflow.publishStageOutput',
  /**
   * Reads the plan and runs the stage's leading local functions, and its local publish when they
   * all completed, in one local activity (activities/local-stage.ts): one marker where each would
   * leave its own, and one activation of the workflow instead of one per function.
   */
  runLocally: 'orderflow.runStageLocally',
} as const;

/** How long one attempt of a local publish may take, in ms: no heartbeats, so a bound of its own. */
export const LOCAL_PUBLISH_TIMEOUT_MS = 30_000;

/** What a function name may look like: an activity type and one token of an effects key. */
export const FUNCTION_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Names a function may not take: `default` is Temporal's fallback activity (activities/host.ts). */
export const RESERVED_FUNCTION_NAMES: readonly string[] = ['default'];

/**
 * Failure types orderflow's own code raises, as Temporal ApplicationFailure types (read back by
 * the bridge and status by this name, never by message text).
 */
export const FAILURE_TYPES = {
  /** A function's activity reached a worker that does not host it (a pipeline changed in flight). */
  functionNotHosted: 'OrderflowFunctionNotHosted',
  /** A function failed for good (non-retryable), failing its stage at once. */
  functionRejected: 'OrderflowFunctionRejected',
  /** A function returned something JSON cannot carry. */
  invalidResult: 'OrderflowInvalidResult',
  /** A function needs an earlier function's result that the order's earlier runs do not hold. */
  missingResult: 'OrderflowMissingResult',
  /**
   * A function's attempt found its limit reached (no concurrency permit within its wait): not a
   * failure of the function; the run waits and schedules it again, its attempts unchanged.
   */
  functionLimited: 'OrderflowFunctionLimited',
} as const;
