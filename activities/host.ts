/**
 * The activities one worker hosts, built by a factory from injected dependencies: on the
 * pipeline's task queue the functions without a queue of their own, the plan and the publish of
 * each stage's output; on a queue the pipeline's functions name, only those functions. Every
 * worker also answers for a function it does not host, so the run waits for a worker that does
 * instead of failing the order.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import { FAILURE_TYPES, INTERNAL_ACTIVITIES } from '../workflows/names';
import type {
  FunctionInput,
  LocalRun,
  LocalRunInput,
  PlanInput,
  PublishInput,
  Published,
  StagePlan,
  StepResult,
} from '../workflows/types';
import type { FunctionDefinition, Pipeline } from './define';
import type { EffectStore } from './effects';
import type { FunctionObserver, TryCall } from './function-activity';
import { functionTry } from './function-activity';
import { limitedTry } from './limited';
import { runStageLocally } from './local-stage';
import type { PermitStore } from './permits';
import { functionQueue, functionsOnQueue, stagePlans } from './plan';
import { publishStageOutputOnce } from './stage-output';

export interface ActivityDeps {
  readonly effects: EffectStore;
  readonly js: JetStreamClient;
  /**
   * Reads stream state and stored messages (the checks of a duplicate publish, the search for an
   * output published before a crash). Default: `js.jetstreamManager()`, on the same connection.
   */
  readonly jsm?: JetStreamManager;
  /** How often the publish of a stage's output heartbeats to Temporal, in milliseconds. Default: 2000. */
  readonly heartbeatEveryMs?: number;
  /** Told how each attempt of a hosted function ended (the worker's metrics). Default: none. */
  readonly observer?: FunctionObserver;
  /** Where the concurrency permits of functions with a limit live. Required for those only. */
  readonly permits?: PermitStore;
}

export interface HostedPipeline {
  readonly pipeline: Pipeline;
  /** The queue this worker serves. */
  readonly taskQueue: string;
  /** The build recorded with every plan and result of this worker. */
  readonly build: string;
}

/**
 * What a worker on `taskQueue` is for: `functions` when one of the pipeline's functions names that
 * queue (it hosts those only), else `pipeline` (the stage workflows and every function without a
 * queue of its own).
 */
export type WorkerRole = 'pipeline' | 'functions';

export function workerRole(pipeline: Pipeline, taskQueue: string): WorkerRole {
  return functionsOnQueue(pipeline, taskQueue).length > 0 ? 'functions' : 'pipeline';
}

/** The functions a worker on `taskQueue` hosts. */
export function hostedFunctions(pipeline: Pipeline, taskQueue: string): FunctionDefinition[] {
  const on = functionsOnQueue(pipeline, taskQueue);
  if (on.length > 0) return on;
  return pipeline.functions.filter((fn) => functionQueue(fn, taskQueue) === taskQueue);
}

/** Heartbeats while `work` runs, so a long publish is not timed out and a dead worker is noticed. */
async function withHeartbeat<T>(everyMs: number, work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  if (context.info.isLocal) return work();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Memoises an async lookup per key; a failed one is tried again next time. */
function memoised<V>(lookup: (key: string) => Promise<V>): (key: string) => Promise<V> {
  const cache = new Map<string, Promise<V>>();
  return (key) => {
    let value = cache.get(key);
    if (!value) {
      value = lookup(key);
      value.catch(() => cache.delete(key));
      cache.set(key, value);
    }
    return value;
  };
}

type Activity = (input: never) => Promise<unknown>;

export function createActivities(deps: ActivityDeps, hosting: HostedPipeline): Record<string, Activity> {
  const { pipeline, taskQueue, build } = hosting;
  const activities: Record<string, Activity> = {};
  const tries = new Map<string, (input: FunctionInput, call?: TryCall) => Promise<StepResult>>();
  for (const fn of hostedFunctions(pipeline, taskQueue)) {
    const tryFn = functionTry(fn, { effects: deps.effects, build, observer: deps.observer });
    tries.set(fn.name, tryFn);
    const limited = limitedTry(fn, (input) => tryFn(input), deps);
    activities[fn.name] = (input: FunctionInput) => limited(input);
  }
  // Temporal's fallback for an activity type not registered here (a name reserved from functions).
  activities.default = () => {
    const type = Context.current().info.activityType;
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.functionNotHosted,
      message: `function ${type} is not hosted by this worker (build ${build}, task queue ${taskQueue})`,
      nonRetryable: true,
    });
  };
  if (workerRole(pipeline, taskQueue) === 'functions') return activities;

  const plans = stagePlans(pipeline, taskQueue, build);
  activities[INTERNAL_ACTIVITIES.plan] = ({ stage }: PlanInput): Promise<StagePlan> => Promise.resolve(plans[stage]);

  const everyMs = deps.heartbeatEveryMs ?? 2000;
  // Without the API probe: a JetStream that is missing shows on the first real call anyway.
  let jsm: Promise<JetStreamManager> | undefined;
  const manager = (): Promise<JetStreamManager> =>
    (jsm ??= deps.jsm ? Promise.resolve(deps.jsm) : deps.js.jetstreamManager(false));
  const streamOf = memoised(async (subject) => (await manager()).streams.find(subject));
  /** Publishes the stage's output once per order, stage and revision (see stage-output.ts). */
  const publish = (input: PublishInput): Promise<Published> => {
    const signal = Context.current().cancellationSignal;
    return withHeartbeat(everyMs, async () =>
      publishStageOutputOnce({ effects: deps.effects, js: deps.js, jsm: await manager(), streamOf, signal }, input),
    );
  };
  activities[INTERNAL_ACTIVITIES.publish] = publish;
  activities[INTERNAL_ACTIVITIES.runLocally] = (input: LocalRunInput): Promise<LocalRun> =>
    runStageLocally(plans[input.stage], input, {
      runFunction: (fn, fnInput, signal) => {
        // Local functions have no queue of their own: this worker hosts every one of them.
        const tryFn = tries.get(fn.name);
        if (!tryFn) throw new Error(`function ${fn.name} is not hosted by this worker`);
        return tryFn(fnInput, { attempt: 1, signal });
      },
      publish,
      isNonRetryable: (err) => err instanceof ApplicationFailure && err.nonRetryable === true,
      signal: Context.current().cancellationSignal,
    });
  return activities;
}
