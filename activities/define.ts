/**
 * How a user writes functions and pipelines: `defineFunction` and `definePipeline`, checked when
 * they are called so that a mistake is one clear line when the module loads, not a failed order
 * later. The definitions are plain frozen data marked with a registered symbol, so a module built
 * against another copy of orderflow is still recognised.
 */
import type { StageName } from '../workflows/names';
import { FUNCTION_NAME_PATTERN, RESERVED_FUNCTION_NAMES, STAGE_NAMES } from '../workflows/names';
import type { JsonValue, OrderData } from '../workflows/types';
import type { Duration } from './define-checks';
import { durationMs, errorTypes, fail, flag, isOptionsObject, refuseUnknown, whole } from './define-checks';

export type { JsonValue } from '../workflows/types';
export type { Duration } from './define-checks';
export { PipelineDefinitionError } from './define-checks';
/** An order as the bridge validated it (see the README's order schema). */
export type Order = OrderData;

/** A function's retry policy. Every field optional; the defaults are the ones listed. */
export interface RetryOptions {
  /** Attempts in all, the first included; 0 for unlimited. Default: 5. */
  readonly maximumAttempts?: number;
  /** Wait before the first retry: milliseconds, or a string such as '1s'. Default: 1 second. */
  readonly initialInterval?: Duration;
  /** Each wait is the previous one times this. Default: 2. */
  readonly backoffCoefficient?: number;
  /** The longest wait between attempts. Default: 30 seconds. */
  readonly maximumInterval?: Duration;
  /** Error types (an ApplicationFailure's type, or an Error's name) never retried. Default: none. */
  readonly nonRetryableErrorTypes?: readonly string[];
}

/** A logger bound to the order, stage and function: every line carries them. */
export interface FunctionLogger {
  debug(message: string, attrs?: Record<string, unknown>): void;
  info(message: string, attrs?: Record<string, unknown>): void;
  warn(message: string, attrs?: Record<string, unknown>): void;
  error(message: string, attrs?: Record<string, unknown>): void;
}

/** What a function receives beside the order. */
export interface FunctionContext {
  /**
   * The same for one order, stage and function (and one version of the order's content) across
   * every attempt, redelivery and worker; different for anything else. Hand it to the APIs you
   * call (a payment provider's Idempotency-Key) so that a retry never charges twice.
   */
  readonly idempotencyKey: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted when the run is cancelled or the worker shuts down: pass it to fetch() and friends. */
  readonly signal: AbortSignal;
  /** Reports progress (optional: orderflow already heartbeats while the function runs). */
  heartbeat(details?: unknown): void;
  readonly log: FunctionLogger;
  readonly stage: StageName;
  /** Results of the order's earlier functions, by stage then function: `results.process?.chargeCard`. */
  readonly results: Readonly<Partial<Record<StageName, Readonly<Record<string, JsonValue>>>>>;
}

export interface FunctionOptions<R = unknown> {
  /** Letters, digits, '_' and '-', starting with a letter, at most 64: the Temporal activity type. */
  readonly name: string;
  /** The work. Its result (JSON) travels in the next stage's message; undefined becomes null. */
  readonly run: (order: Order, ctx: FunctionContext) => Promise<R> | R;
  readonly retry?: RetryOptions;
  /** Longest one attempt may take (Temporal's start-to-close timeout). Default: 2 minutes. */
  readonly timeout?: Duration;
  /**
   * Longest silence before an attempt counts as lost (its worker died) and is retried elsewhere.
   * orderflow heartbeats for the function every fifth of it. 0 turns heartbeats off. Default: 10 seconds.
   */
  readonly heartbeatTimeout?: Duration;
  /**
   * Task queue of the workers that run this function (`orderflow worker --task-queue <name>`).
   * Default: the pipeline's queue, where the stage workflows run.
   */
  readonly taskQueue?: string;
  /**
   * Record the result in the effects bucket: once an attempt completed, the function is never run
   * again for this order, stage and content, even by a later run of the stage. Default: false.
   */
  readonly recordResult?: boolean;
  /**
   * Run as a Temporal local activity: in the worker that runs the stage's workflow, within its
   * workflow task, with no task-queue round trip and a fraction of the history events. For short
   * functions (well under the 10 s workflow task timeout): same retries and idempotency key, but
   * no task queue of its own and no heartbeats. A stage's leading local functions make their
   * first try together in one local activity (activities/local-stage.ts). Default: false.
   */
  readonly local?: boolean;
}

const FUNCTION_BRAND = Symbol.for('orderflow.function');
const PIPELINE_BRAND = Symbol.for('orderflow.pipeline');

/** A function as defineFunction checked it, its durations in milliseconds. */
export interface OrderflowFunction<R = unknown> {
  readonly [FUNCTION_BRAND]: true;
  readonly name: string;
  readonly run: (order: Order, ctx: FunctionContext) => Promise<R> | R;
  readonly taskQueue?: string;
  readonly timeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly retry: {
    readonly maximumAttempts: number;
    readonly initialIntervalMs: number;
    readonly backoffCoefficient: number;
    readonly maximumIntervalMs: number;
    readonly nonRetryableErrorTypes: readonly string[];
  };
  readonly recordResult: boolean;
  readonly local: boolean;
}

/** Defaults of every function option, in milliseconds where a duration. */
export const FUNCTION_DEFAULTS = {
  timeoutMs: 120_000,
  heartbeatTimeoutMs: 10_000,
  retry: { maximumAttempts: 5, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 30_000 },
} as const;

const TASK_QUEUE_PATTERN = /^[\w.:-]{1,200}$/;

/** Every option each definition takes: typed as a record of its interface's keys, so none is missed. */
const FUNCTION_OPTIONS = Object.keys({
  name: true,
  run: true,
  timeout: true,
  heartbeatTimeout: true,
  retry: true,
  taskQueue: true,
  recordResult: true,
  local: true,
} satisfies Record<keyof FunctionOptions, true>);
const RETRY_OPTIONS = Object.keys({
  maximumAttempts: true,
  initialInterval: true,
  backoffCoefficient: true,
  maximumInterval: true,
  nonRetryableErrorTypes: true,
} satisfies Record<keyof RetryOptions, true>);

const PIPELINE_OPTIONS = Object.keys({
  process: true,
  dispatch: true,
  retired: true,
  publishLocally: true,
} satisfies Record<keyof PipelineOptions, true>);

/** Refuses an option defineFunction does not know, at the top or in retry, and a retry that is no object. */
function checkKnownOptions(what: string, options: FunctionOptions<unknown>): void {
  if (!isOptionsObject(options)) return; // no name either: checkIdentity says so
  refuseUnknown(what, options, FUNCTION_OPTIONS);
  if (options.retry === undefined) return;
  if (!isOptionsObject(options.retry)) {
    fail(`${what} retry`, `${JSON.stringify(options.retry)} is not an object`, 'give retry: { maximumAttempts: 10 }');
  }
  refuseUnknown(`${what} retry`, options.retry, RETRY_OPTIONS);
}

/** Checks what names a function and where it runs: its name, its run, its task queue. */
function checkIdentity(what: string, name: string, options: FunctionOptions<unknown>): void {
  if (!FUNCTION_NAME_PATTERN.test(name)) {
    fail(what, 'the name is not valid', 'use letters, digits, _ and -, starting with a letter, at most 64');
  }
  if (RESERVED_FUNCTION_NAMES.includes(name)) fail(what, 'the name is reserved', 'choose another name');
  if (typeof options.run !== 'function') fail(what, 'has no run', 'give run: async (order, ctx) => result');
  if (options.local === true && options.taskQueue !== undefined) {
    fail(what, 'a local function has no task queue of its own', 'drop taskQueue, or local');
  }
  if (options.taskQueue !== undefined && !TASK_QUEUE_PATTERN.test(options.taskQueue)) {
    fail(what, `task queue ${JSON.stringify(options.taskQueue)} is not valid`, 'use letters, digits and . _ : -');
  }
}

/** Defines one function of a pipeline. Throws PipelineDefinitionError for an invalid option. */
export function defineFunction<R = unknown>(options: FunctionOptions<R>): OrderflowFunction<R> {
  const name = typeof options?.name === 'string' ? options.name : '';
  const what = `function ${JSON.stringify(name)}`;
  checkKnownOptions(what, options);
  checkIdentity(what, name, options);
  const retry = options.retry ?? {};
  const backoff = retry.backoffCoefficient ?? FUNCTION_DEFAULTS.retry.backoffCoefficient;
  if (!(backoff >= 1)) fail(what, `backoffCoefficient ${String(backoff)} is below 1`, 'give 1 or more');
  const nonRetryableErrorTypes = errorTypes(what, retry.nonRetryableErrorTypes);
  const initialIntervalMs = durationMs(
    `${what} retry.initialInterval`,
    retry.initialInterval,
    FUNCTION_DEFAULTS.retry.initialIntervalMs,
    1,
  );
  return Object.freeze({
    [FUNCTION_BRAND]: true as const,
    name,
    run: options.run,
    ...(options.taskQueue !== undefined ? { taskQueue: options.taskQueue } : {}),
    timeoutMs: durationMs(`${what} timeout`, options.timeout, FUNCTION_DEFAULTS.timeoutMs, 1),
    heartbeatTimeoutMs: durationMs(
      `${what} heartbeatTimeout`,
      options.heartbeatTimeout,
      FUNCTION_DEFAULTS.heartbeatTimeoutMs,
      0,
    ),
    retry: Object.freeze({
      maximumAttempts: whole(
        `${what} retry.maximumAttempts`,
        retry.maximumAttempts,
        FUNCTION_DEFAULTS.retry.maximumAttempts,
        0,
      ),
      initialIntervalMs,
      backoffCoefficient: backoff,
      maximumIntervalMs: Math.max(
        initialIntervalMs,
        durationMs(
          `${what} retry.maximumInterval`,
          retry.maximumInterval,
          FUNCTION_DEFAULTS.retry.maximumIntervalMs,
          1,
        ),
      ),
      nonRetryableErrorTypes,
    }),
    recordResult: flag(`${what} recordResult`, options.recordResult),
    local: flag(`${what} local`, options.local),
  });
}

/** The functions of each stage, in order. */
export interface PipelineOptions {
  readonly process: readonly OrderflowFunction[];
  readonly dispatch: readonly OrderflowFunction[];
  /**
   * Functions no longer in a stage but still hosted by the workers, for the runs that started
   * with a plan naming them. Remove them once those runs are done. Default: none.
   */
  readonly retired?: readonly OrderflowFunction[];
  /**
   * Publish each stage's output as a local activity (see FunctionOptions.local): one task-queue
   * round trip and its history events fewer per stage. Default: false.
   */
  readonly publishLocally?: boolean;
}

export interface Pipeline {
  readonly [PIPELINE_BRAND]: true;
  readonly stages: Readonly<Record<StageName, readonly OrderflowFunction[]>>;
  readonly retired: readonly OrderflowFunction[];
  /** Every function, once: the stages' then the retired ones. */
  readonly functions: readonly OrderflowFunction[];
  readonly publishLocally: boolean;
}

function isOrderflowFunction(value: unknown): value is OrderflowFunction {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[FUNCTION_BRAND] === true;
}

export function isPipeline(value: unknown): value is Pipeline {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PIPELINE_BRAND] === true;
}

/** Defines the pipeline. Throws PipelineDefinitionError when a function is named twice or is not one. */
export function definePipeline(options: PipelineOptions): Pipeline {
  const seen = new Map<string, string>();
  const list = (where: string, value: unknown): OrderflowFunction[] => {
    if (value === undefined && where === 'retired') return [];
    if (!Array.isArray(value)) fail(`pipeline ${where}`, 'is not a list', `give ${where}: [fnA, fnB]`);
    return value.map((fn: unknown, i) => {
      if (!isOrderflowFunction(fn)) {
        fail(`pipeline ${where}[${i}]`, 'is not a function definition', 'wrap it in defineFunction({ name, run })');
      }
      const other = seen.get(fn.name);
      if (other) {
        fail(`pipeline ${where}`, `names function ${fn.name} again (also in ${other})`, 'name each function once');
      }
      seen.set(fn.name, where);
      return fn;
    });
  };
  if (isOptionsObject(options)) refuseUnknown('pipeline', options, PIPELINE_OPTIONS);
  const stages = Object.fromEntries(STAGE_NAMES.map((stage) => [stage, Object.freeze(list(stage, options?.[stage]))]));
  const retired = Object.freeze(list('retired', options?.retired));
  return Object.freeze({
    [PIPELINE_BRAND]: true as const,
    stages: Object.freeze(stages) as Pipeline['stages'],
    retired,
    functions: Object.freeze([...STAGE_NAMES.flatMap((s) => stages[s]!), ...retired]),
    publishLocally: flag('pipeline publishLocally', options?.publishLocally),
  });
}
