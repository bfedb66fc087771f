/**
 * A user's function as a Temporal activity: the context it receives (idempotency key, attempt,
 * cancellation, heartbeats, a bound logger, earlier results), its result recorded once when it asks
 * for that, and its errors mapped to Temporal's retry decisions. The worker hosts exactly this;
 * `activityOf` is exported so a function's unit test runs the same code in Temporal's
 * MockActivityEnvironment.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import { FAILURE_TYPES, effectKey, idempotencyKeyFor } from '../workflows/names';
import type { FunctionInput, JsonValue, StepResult } from '../workflows/types';
import type { FunctionContext, FunctionLogger, OrderflowFunction } from './define';
import type { EffectStore } from './effects';
import { NonRetryableError } from './errors';

export interface FunctionActivityDeps {
  /** Where functions with `recordResult` record it. Required for those only. */
  readonly effects?: EffectStore;
  /** The build reported with each result. Default: `unknown`. */
  readonly build?: string;
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

/** The result as JSON will carry it; a value JSON cannot carry fails the attempt for good. */
function asJson(fnName: string, value: unknown): JsonValue {
  if (value === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(value)) as JsonValue;
  } catch (err) {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.invalidResult,
      message: `function ${fnName} returned a value JSON cannot carry (${err instanceof Error ? err.message : String(err)}); return plain data`,
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

/** The activity that runs `fn`; its type (name) is `fn.name`. */
export function activityOf(
  fn: OrderflowFunction,
  deps: FunctionActivityDeps = {},
): (input: FunctionInput) => Promise<StepResult> {
  const build = deps.build ?? 'unknown';
  return async (input) => {
    const context = Context.current();
    const { orderId } = input.order;
    // A rerun with --reapply gets keys carrying its tag (effects applied again); any other run, the first run's.
    const rerunTag = input.rerun?.reapply ? input.rerun.tag : undefined;
    const idempotencyKey = idempotencyKeyFor(input.stage, fn.name, orderId, input.revision, rerunTag);
    const ctx: FunctionContext = {
      idempotencyKey,
      attempt: context.info.attempt,
      signal: context.cancellationSignal,
      // A local activity has no heartbeats: the workflow task it runs in keeps it alive.
      heartbeat: (details) => {
        if (!context.info.isLocal) context.heartbeat(details);
      },
      log: boundLogger(context, { orderId, stage: input.stage, function: fn.name }),
      stage: input.stage,
      results: resultsOf(input.previous),
    };
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
