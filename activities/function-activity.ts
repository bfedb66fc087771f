/**
 * A user's function as a Temporal activity: the context it receives (idempotency key, attempt,
 * cancellation, heartbeats, a bound logger, earlier results), its result recorded once when it asks
 * for that, and its errors mapped to Temporal's retry decisions; each attempt's outcome and duration
 * told to an optional observer (the worker's metrics). The worker hosts exactly this; the
 * package's `activityOf` (index.ts) is this without the worker's dependencies, so a function's
 * unit test runs the same code in Temporal's MockActivityEnvironment.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import type { StageName } from '../workflows/names';
import { FAILURE_TYPES, effectKey, idempotencyKeyFor } from '../workflows/names';
import type { FunctionInput, JsonValue, StepResult } from '../workflows/types';
import type { FunctionDefinition } from './define';
import type { FunctionContext, FunctionLogger } from './types';
import { jsonResult } from './json-result';
import type { EffectStore } from './effects';
import { NonRetryableError } from './errors';

export interface FunctionActivityDeps {
  /** Where functions with `recordResult` record it. Required for those only. */
  readonly effects?: EffectStore;
  /** The build reported with each result. Default: `unknown`. */
  readonly build?: string;
  /** Told how each attempt ended (the worker's metrics). Default: none. */
  readonly observer?: FunctionObserver;
}

/**
 * How an attempt ended: `completed`; `rejected` (failed for good: a NonRetryableError or a result
 * JSON cannot carry); `cancelled` (the run or the worker's shutdown cancelled it); `failed`
 * (anything else, retried per the function's policy).
 */
export type FunctionOutcome = 'completed' | 'failed' | 'rejected' | 'cancelled';

export interface FunctionDone {
  readonly function: string;
  /** The task queue the attempt ran on. */
  readonly taskQueue: string;
  readonly outcome: FunctionOutcome;
  /** The attempt's duration, with reading and recording its result, in seconds. */
  readonly seconds: number;
}

/** An attempt that starts or stops waiting for its function's limit (activities/limited.ts). */
export interface FunctionWaiting {
  readonly function: string;
  readonly taskQueue: string;
  readonly reason: 'concurrency' | 'rate';
  /** True as it starts waiting, false as it stops (a permit, or none within its wait). */
  readonly waiting: boolean;
}

/** Told when each attempt of a function ends: an interface, so activities/ needs no metrics library. */
export interface FunctionObserver {
  onFunctionDone(done: FunctionDone): void;
  /** Told when an attempt starts and stops waiting for its function's limit. */
  onWaiting?(waiting: FunctionWaiting): void;
}

/** How often orderflow heartbeats for a running function: a fifth of its heartbeat timeout. */
const HEARTBEATS_PER_TIMEOUT = 5;

function resultsOf(previous: FunctionInput['previous']): FunctionContext['results'] {
  return Object.fromEntries(
    Object.entries(previous).map(([stage, steps]) => [
      stage,
      Object.fromEntries(Object.entries(steps ?? {}).map(([fn, step]) => [fn, step.result])),
    ]),
  );
}

function boundLogger(context: Context, attrs: Record<string, unknown>): FunctionLogger {
  const log = context.log;
  return {
    debug(message, extra) {
      log.debug(message, { ...attrs, ...extra });
    },
    info(message, extra) {
      log.info(message, { ...attrs, ...extra });
    },
    warn(message, extra) {
      log.warn(message, { ...attrs, ...extra });
    },
    error(message, extra) {
      log.error(message, { ...attrs, ...extra });
    },
  };
}

/** The result as JSON will carry it; a value JSON would change fails the attempt for good. */
function asJson(fnName: string, value: unknown): JsonValue {
  const checked = jsonResult(value);
  if (checked.ok) return checked.json;
  throw ApplicationFailure.create({
    type: FAILURE_TYPES.invalidResult,
    message: `function ${fnName} returned a value JSON would not carry unchanged (${checked.problem}); return plain data: objects, lists, strings, finite numbers, booleans, null`,
    nonRetryable: true,
  });
}

/**
 * The earlier results `fn` needs, checked to be there: a run that started with a pipeline where a
 * needed function did not run yet (a pipeline changed between an order's stages) lacks them, and
 * the function would read undefined where its type promises a value.
 */
function checkNeeds(fn: FunctionDefinition, previous: FunctionInput['previous']): void {
  for (const [stage, names] of Object.entries(fn.needs)) {
    const missing = (names ?? []).find((name) => !previous[stage as StageName]?.[name]);
    if (missing === undefined) continue;
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.missingResult,
      message: `function ${fn.name} needs the result of ${stage}.${missing}, which this order's earlier runs do not hold (they ran with a pipeline where ${missing} came later or not at all); rerun the order's ${stage} stage (orderflow rerun) or drop ${missing} from ${fn.name}'s needs`,
      nonRetryable: true,
    });
  }
}

/** A NonRetryableError becomes Temporal's non-retryable failure; anything else is retried per policy. */
function asFailure(err: unknown): unknown {
  // By name too: a module may have loaded another copy of orderflow.
  const marked = err instanceof NonRetryableError || (err instanceof Error && err.name === 'NonRetryableError');
  if (!marked) return err;
  const { type, details } = err as Partial<NonRetryableError>;
  return ApplicationFailure.create({
    type: type ?? 'NonRetryableError',
    message: (err as Error).message,
    nonRetryable: true,
    ...(details !== undefined ? { details: [details] } : {}),
    cause: err,
  });
}

/** Runs `work`, heartbeating every fifth of the attempt's heartbeat timeout. */
async function heartbeating<T>(context: Context, work: () => Promise<T>): Promise<T> {
  const timeoutMs = context.info.heartbeatTimeoutMs;
  if (!timeoutMs || context.info.isLocal) return work();
  const timer = setInterval(() => context.heartbeat(), Math.max(100, timeoutMs / HEARTBEATS_PER_TIMEOUT));
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

function outcomeOf(err: unknown, signal: AbortSignal): FunctionOutcome {
  if (signal.aborted) return 'cancelled';
  return err instanceof ApplicationFailure && err.nonRetryable ? 'rejected' : 'failed';
}

/**
 * A try made by the stage's local run (activities/local-stage.ts) inside its own activity: the
 * attempt number it is, and the signal that ends it (the function's own timeout or the run's).
 */
export interface TryCall {
  readonly attempt: number;
  readonly signal: AbortSignal;
}

/** The activity that runs `fn`; its type (name) is `fn.name`. */
export function activityOf(
  fn: FunctionDefinition,
  deps: FunctionActivityDeps = {},
): (input: FunctionInput) => Promise<StepResult> {
  const tryFn = functionTry(fn, deps);
  return (input) => tryFn(input);
}

/** One try of `fn`: as its own activity (no `call`), or inside the stage's local run. */
export function functionTry(
  fn: FunctionDefinition,
  deps: FunctionActivityDeps = {},
): (input: FunctionInput, call?: TryCall) => Promise<StepResult> {
  const attempt = attemptOf(fn, deps);
  const observer = deps.observer;
  if (!observer) return attempt;
  return async (input, call) => {
    const context = Context.current();
    const started = performance.now();
    let outcome: FunctionOutcome = 'failed';
    try {
      const step = await attempt(input, call);
      outcome = 'completed';
      return step;
    } catch (err) {
      outcome = outcomeOf(err, call?.signal ?? context.cancellationSignal);
      throw err;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      try {
        observer.onFunctionDone({ function: fn.name, taskQueue: context.info.taskQueue, outcome, seconds });
      } catch (err) {
        // Metrics never decide an order's fate.
        context.log.warn('function observer failed', { function: fn.name, error: String(err) });
      }
    }
  };
}

/** One attempt of `fn`, as the activity runs it. */
function attemptOf(
  fn: FunctionDefinition,
  deps: FunctionActivityDeps,
): (input: FunctionInput, call?: TryCall) => Promise<StepResult> {
  const build = deps.build ?? 'unknown';
  return async (input, call) => {
    const context = Context.current();
    const { orderId } = input.order;
    // A rerun with --reapply gets keys carrying its tag (effects applied again); any other run, the first run's.
    const rerunTag = input.rerun?.reapply ? input.rerun.tag : undefined;
    const idempotencyKey = idempotencyKeyFor(input.stage, fn.name, orderId, input.revision, rerunTag);
    const ctx: FunctionContext = {
      idempotencyKey,
      attempt: call?.attempt ?? context.info.attempt + (input.priorAttempts ?? 0),
      signal: call?.signal ?? context.cancellationSignal,
      // A local activity has no heartbeats: the workflow task it runs in keeps it alive.
      heartbeat: (details) => {
        if (!context.info.isLocal) context.heartbeat(details);
      },
      log: boundLogger(context, { orderId, stage: input.stage, function: fn.name }),
      stage: input.stage,
      results: resultsOf(input.previous),
    };
    checkNeeds(fn, input.previous);
    const invoke = async (): Promise<JsonValue> => {
      try {
        return asJson(fn.name, await fn.run(input.order, ctx));
      } catch (err) {
        throw asFailure(err);
      }
    };
    const base = { step: fn.name, attempt: ctx.attempt, idempotencyKey, build };
    if (!fn.recordResult) return { ...base, result: await heartbeating(context, invoke) };

    if (!deps.effects) throw new Error(`function ${fn.name} records its result but no effects store was given`);
    const effects = deps.effects;
    const key = effectKey(input.stage, fn.name, orderId, input.revision, rerunTag);
    const record = await heartbeating(context, async () => {
      const earlier = await effects.read(key);
      if (earlier) return earlier;
      const result = await invoke();
      return effects.applyOnce(key, { orderId, stage: input.stage, step: fn.name, result });
    });
    return { ...base, result: (record.value.result ?? null) as JsonValue, effectKey: key, applied: record.applied };
  };
}
