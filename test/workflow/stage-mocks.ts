/**
 * Mocked activities of the stage workflows, shared by the workflow tests (workflows.test.ts) and
 * the history recorder (record-histories.ts) beside it: a plan activity answering a plan the
 * caller controls, functions by name, the publish, and Temporal's fallback `default` failing as
 * activities/host.ts does for a function a worker does not host. Every call is logged,
 * so a test counts what ran, where, how often and with what, rather than trusting no error.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';

import { runStageLocally } from '../../activities/local-stage';
import { planDigest } from '../../activities/plan';
import type { StageName } from '../../workflows/names';
import { FAILURE_TYPES, INTERNAL_ACTIVITIES, STAGES, idempotencyKeyFor } from '../../workflows/names';
import type {
  FunctionInput,
  JsonValue,
  LocalRun,
  LocalRunInput,
  PlanInput,
  PlannedFunction,
  PlannedRetry,
  PublishInput,
  Published,
  StageInput,
  StageOutput,
  StagePlan,
  StepResult,
} from '../../workflows/types';
import { WORKFLOW_BUNDLE } from '../harness/paths';

/** The build every mocked worker reports (a real one is `<pkg>@<version>+<digest>`, build-id.ts). */
export const MOCK_BUILD = 'orderflow-test@0.0.0+00000000';

/**
 * One function of a plan. Heartbeats are off by default: the mocks never heartbeat, and a test that
 * holds a function open must not see it timed out. Retries start after 100 ms to keep tests quick.
 */
export function plannedFunction(
  name: string,
  options: { taskQueue: string; retry?: Partial<PlannedRetry> } & Partial<Omit<PlannedFunction, 'retry'>>,
): PlannedFunction {
  const { retry, ...rest } = options;
  return {
    name,
    startToCloseTimeoutMs: 30_000,
    heartbeatTimeoutMs: 0,
    ...rest,
    retry: {
      initialIntervalMs: 100,
      backoffCoefficient: 2,
      maximumIntervalMs: 1000,
      maximumAttempts: 5,
      nonRetryableErrorTypes: [],
      ...retry,
    },
  };
}

/** A stage's plan as activities/plan.ts builds one, digest included. */
export function planOf(
  stage: StageName,
  functions: readonly PlannedFunction[],
  build = MOCK_BUILD,
  options: { publishLocally?: true } = {},
): StagePlan {
  return { stage, functions, digest: planDigest(functions), build, ...options };
}

/** The input the bridge would start a stage's run with. */
export function stageInput(orderId: string, upstream: StageOutput['stages'] = {}): StageInput {
  return {
    order: { orderId, customerId: 'c-1', currency: 'EUR', items: [{ sku: 'KB-101', quantity: 2, unitPrice: 10 }] },
    revision: 'r1',
    upstream,
    source: {
      stream: 'ORDERS',
      subject: 'ORDERS.received',
      streamSeq: 7,
      deliveryCount: 1,
      headers: { traceparent: '00-abc-def-01' },
    },
  };
}

/** A step result as a function's activity returns it (activities/function-activity.ts). */
export function stepResult(
  stage: StageName,
  step: string,
  orderId: string,
  result: JsonValue,
  attempt = 1,
  revision = 'r1',
): StepResult {
  return {
    step,
    result,
    attempt,
    idempotencyKey: idempotencyKeyFor(stage, step, orderId, revision),
    build: MOCK_BUILD,
  };
}

/** What a mocked function does: returns its result, or throws to fail the attempt. */
export type MockFunction = (input: FunctionInput, attempt: number) => JsonValue | Promise<JsonValue>;

/** One call of a mocked activity, in the order the activities were called. */
export type MockCall =
  | { readonly kind: 'plan'; readonly stage: StageName; readonly taskQueue: string }
  | { readonly kind: 'local-run'; readonly stage: StageName }
  | {
      readonly kind: 'function';
      readonly name: string;
      readonly taskQueue: string;
      readonly attempt: number;
      readonly input: FunctionInput;
    }
  | { readonly kind: 'not-hosted'; readonly name: string; readonly taskQueue: string }
  | { readonly kind: 'publish'; readonly input: PublishInput };

/** The log of every mocked call, with the views tests read. */
export class CallLog {
  readonly calls: MockCall[] = [];

  /** `name@attempt` of every function call, in order. */
  functionCalls(orderId?: string): string[] {
    return this.calls.flatMap((c) =>
      c.kind === 'function' && (orderId === undefined || c.input.order.orderId === orderId)
        ? [`${c.name}@${c.attempt}`]
        : [],
    );
  }

  /** Every publish, in order. */
  published(): PublishInput[] {
    return this.calls.flatMap((c) => (c.kind === 'publish' ? [c.input] : []));
  }

  /** Every call that reached a worker not hosting its function. */
  notHosted(): Array<{ name: string; taskQueue: string }> {
    return this.calls.flatMap((c) => (c.kind === 'not-hosted' ? [{ name: c.name, taskQueue: c.taskQueue }] : []));
  }
}

export interface MockWorkerOptions {
  /** Hosts the stage workflows, the plan and the publish (a pipeline worker). Default: true. */
  readonly pipeline?: boolean;
  /** The plan the plan activity answers, asked at each call: a test may change it between runs. */
  readonly plan?: (stage: StageName) => StagePlan;
  /** The functions this worker hosts, by name. */
  readonly functions?: Readonly<Record<string, MockFunction>>;
}

type Activity = (input: never) => Promise<unknown>;

/** The activities a mocked worker registers, logging every call into `log`. */
export function mockActivities(log: CallLog, options: MockWorkerOptions): Record<string, Activity> {
  const activities: Record<string, Activity> = {};
  const tryFunction = async (name: string, input: FunctionInput, attempt: number): Promise<StepResult> => {
    const run = options.functions?.[name];
    if (!run) throw new Error(`function ${name} is not hosted by this worker`);
    log.calls.push({ kind: 'function', name, taskQueue: Context.current().info.taskQueue, attempt, input });
    const result = await run(input, attempt);
    return stepResult(input.stage, name, input.order.orderId, result, attempt, input.revision);
  };
  for (const name of Object.keys(options.functions ?? {})) {
    activities[name] = (input: FunctionInput): Promise<StepResult> =>
      tryFunction(name, input, Context.current().info.attempt + (input.priorAttempts ?? 0));
  }
  // As activities/host.ts: the fallback for an activity type this worker does not register.
  activities.default = () => {
    const { activityType, taskQueue } = Context.current().info;
    log.calls.push({ kind: 'not-hosted', name: activityType, taskQueue });
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.functionNotHosted,
      message: `function ${activityType} is not hosted by this worker (build ${MOCK_BUILD}, task queue ${taskQueue})`,
      nonRetryable: true,
    });
  };
  if (options.pipeline === false) return activities;

  const plan = options.plan;
  if (!plan) throw new Error('a pipeline worker needs a plan');
  activities[INTERNAL_ACTIVITIES.plan] = ({ stage }: PlanInput): Promise<StagePlan> => {
    log.calls.push({ kind: 'plan', stage, taskQueue: Context.current().info.taskQueue });
    return Promise.resolve(plan(stage));
  };
  const publish = (input: PublishInput): Promise<Published> => {
    log.calls.push({ kind: 'publish', input });
    const streamSeq = log.published().length;
    return Promise.resolve({ subject: STAGES[input.stage].outputSubject, streamSeq, duplicate: false });
  };
  activities[INTERNAL_ACTIVITIES.publish] = publish;
  // The production local run (activities/local-stage.ts) over the mocked functions and publish.
  activities[INTERNAL_ACTIVITIES.runLocally] = (input: LocalRunInput): Promise<LocalRun> => {
    log.calls.push({ kind: 'local-run', stage: input.stage });
    return runStageLocally(plan(input.stage), input, {
      runFunction: (fn, fnInput) => tryFunction(fn.name, fnInput, 1),
      publish,
      isNonRetryable: (err) => err instanceof ApplicationFailure && err.nonRetryable === true,
      signal: Context.current().cancellationSignal,
    });
  };
  return activities;
}

/**
 * A worker on `taskQueue` of the local test server with mocked activities; a pipeline worker also
 * runs the stage workflows from the prebuilt bundle, as `orderflow worker` does.
 */
export function mockWorker(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  log: CallLog,
  options: MockWorkerOptions & { maxCachedWorkflows?: number },
): Promise<Worker> {
  const { maxCachedWorkflows, ...mocks } = options;
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities: mockActivities(log, mocks),
    ...(mocks.pipeline === false ? {} : { workflowBundle: { codePath: WORKFLOW_BUNDLE } }),
    ...(maxCachedWorkflows !== undefined ? { maxCachedWorkflows } : {}),
  });
}

/** Runs `body` while every worker runs; shuts them all down after it, and fails if one fails. */
export async function whileRunning<T>(workers: readonly Worker[], body: () => Promise<T>): Promise<T> {
  const [first, ...rest] = workers;
  if (!first) return body();
  return first.runUntil(whileRunning(rest, body));
}

/** A promise with its resolve at hand: a gate a test opens, or a signal that something happened. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Polls `probe` every 100 ms until it returns a value (not undefined), for at most `timeoutMs`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
