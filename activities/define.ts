/**
 * How a user writes functions: `defineFunction`, checked when it is called so that a mistake is
 * one clear line when the module loads, not a failed order later; `definePipeline` (pipeline.ts)
 * puts them in stages. The definitions are plain frozen data marked with a registered symbol, so a
 * module built against another copy of orderflow is still recognised.
 */
import { STAGE_NAMES } from '../workflows/names';
import type { StageName } from '../workflows/names';
import {
  checkIdentity,
  durationMs,
  errorTypes,
  fail,
  flag,
  isOptionsObject,
  refuseUnknown,
  whole,
} from './define-checks';
import type { CheckedConcurrency, CheckedRateLimit } from './limit-checks';
import { concurrencyOf, rateLimitOf } from './limit-checks';
import type {
  ConcurrencyLimit,
  Duration,
  FunctionContext,
  FunctionShape,
  JsonSafe,
  Needs,
  NoNeeds,
  Order,
  RateLimit,
  ResultsFor,
  RetryOptions,
} from './types';

export type * from './types';
export { PipelineDefinitionError } from './define-checks';
export type { Pipeline, PipelineOptions } from './pipeline';
export { definePipeline, isPipeline } from './pipeline';

export interface FunctionOptions<Name extends string = string, R = unknown, N = NoNeeds> {
  /** Letters, digits, '_' and '-', starting with a letter, at most 64: the Temporal activity type. */
  readonly name: Name;
  /**
   * The earlier functions whose results this one reads, by stage: `{ process: [chargeCard] }`
   * types `ctx.results.process.chargeCard` as chargeCard's result; definePipeline checks that
   * each runs before this one. Default: none (`ctx.results` holds every earlier result, as JSON).
   */
  readonly needs?: N;
  /** The work. Its result (JSON-safe) travels in the next stage's message; undefined becomes null. */
  readonly run: (order: Order, ctx: FunctionContext<ResultsFor<N>>) => Promise<R> | R;
  readonly retry?: RetryOptions;
  /** Longest one attempt may take (Temporal's start-to-close timeout). Default: '2m'. */
  readonly timeout?: Duration;
  /**
   * Longest silence before an attempt counts as lost (its worker died) and is retried elsewhere.
   * orderflow heartbeats for the function every fifth of it. 0 turns heartbeats off. Default: '10s'.
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
  /**
   * At most `limit` calls per `period` by all workers together; calls beyond it wait. The function
   * runs on a task queue of its own (`<pipeline queue>:<name>` unless `taskQueue` names one, which
   * no other function may share). Default: none.
   */
  readonly rateLimit?: RateLimit;
  /**
   * At most `limit` calls at once by all workers together (with `key`, per key of the order);
   * calls beyond it wait for a permit. Default: none.
   */
  readonly concurrency?: ConcurrencyLimit;
}

const FUNCTION_BRAND = Symbol.for('orderflow.function');

/** The names of the functions a function needs, by stage. */
export type NeededNames = Readonly<Partial<Record<StageName, readonly string[]>>>;

/** Any function as defineFunction checked it, its durations in milliseconds: what pipelines and workers hold. */
export interface FunctionDefinition {
  readonly [FUNCTION_BRAND]: true;
  readonly name: string;
  // The context's results are typed by each function's own `needs`; a pipeline holds them all.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  run(this: void, order: Order, ctx: FunctionContext<any>): unknown;
  readonly needs: NeededNames;
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
  /** Present only when given, so a function without limits stays as it was. */
  readonly rateLimit?: CheckedRateLimit;
  readonly concurrency?: CheckedConcurrency;
}

/** A function as defineFunction returns it: its name and result type known to later functions' `needs`. */
export interface OrderflowFunction<Name extends string = string, R = unknown, N = NoNeeds>
  extends FunctionDefinition, FunctionShape<Name, R> {
  readonly name: Name;
  run(this: void, order: Order, ctx: FunctionContext<ResultsFor<N>>): Promise<R> | R;
}

/** Defaults of every function option, in milliseconds where a duration. */
export const FUNCTION_DEFAULTS = {
  timeoutMs: 120_000,
  heartbeatTimeoutMs: 10_000,
  retry: { maximumAttempts: 5, initialIntervalMs: 1000, backoffCoefficient: 2, maximumIntervalMs: 30_000 },
} as const;

/** Every option each definition takes: typed as a record of its interface's keys, so none is missed. */
const FUNCTION_OPTIONS = Object.keys({
  name: true,
  needs: true,
  run: true,
  timeout: true,
  heartbeatTimeout: true,
  retry: true,
  taskQueue: true,
  recordResult: true,
  local: true,
  rateLimit: true,
  concurrency: true,
} satisfies Record<keyof FunctionOptions, true>);
const RETRY_OPTIONS = Object.keys({
  maximumAttempts: true,
  initialInterval: true,
  backoffCoefficient: true,
  maximumInterval: true,
  nonRetryableErrorTypes: true,
} satisfies Record<keyof RetryOptions, true>);

/** Refuses an option defineFunction does not know, at the top or in retry, and a retry that is no object. */
function checkKnownOptions(what: string, options: FunctionOptions<string, unknown, unknown>): void {
  if (!isOptionsObject(options)) return; // no name either: checkIdentity says so
  refuseUnknown(what, options, FUNCTION_OPTIONS);
  if (options.retry === undefined) return;
  if (!isOptionsObject(options.retry)) {
    fail(`${what} retry`, `${JSON.stringify(options.retry)} is not an object`, 'give retry: { maximumAttempts: 10 }');
  }
  refuseUnknown(`${what} retry`, options.retry, RETRY_OPTIONS);
}

export function isFunctionDefinition(value: unknown): value is FunctionDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[FUNCTION_BRAND] === true;
}

/** The names of what `needs` lists, by stage: an object of stage names to lists of definitions. */
function neededNames(what: string, needs: unknown): NeededNames {
  if (needs === undefined) return Object.freeze({});
  if (!isOptionsObject(needs)) fail(`${what} needs`, 'is not an object', 'give needs: { process: [chargeCard] }');
  refuseUnknown(`${what} needs`, needs, STAGE_NAMES);
  const entries = Object.entries(needs).map(([stage, fns]: [string, unknown]) => {
    const where = `${what} needs.${stage}`;
    if (!Array.isArray(fns)) fail(where, 'is not a list', `give ${stage}: [fnA, fnB]`);
    const names = fns.map((fn: unknown, i) => {
      if (!isFunctionDefinition(fn))
        fail(`${where}[${i}]`, 'is not a function definition', 'name a defineFunction result');
      return fn.name;
    });
    return [stage, Object.freeze(names)] as const;
  });
  return Object.freeze(Object.fromEntries(entries));
}

function retryPolicy(what: string, retry: RetryOptions): FunctionDefinition['retry'] {
  const backoff = retry.backoffCoefficient ?? FUNCTION_DEFAULTS.retry.backoffCoefficient;
  if (!(backoff >= 1)) fail(what, `backoffCoefficient ${String(backoff)} is below 1`, 'give 1 or more');
  const defaults = FUNCTION_DEFAULTS.retry;
  const initialIntervalMs = durationMs(
    `${what} retry.initialInterval`,
    retry.initialInterval,
    defaults.initialIntervalMs,
    1,
  );
  const maximumIntervalMs = durationMs(
    `${what} retry.maximumInterval`,
    retry.maximumInterval,
    defaults.maximumIntervalMs,
    1,
  );
  return Object.freeze({
    maximumAttempts: whole(`${what} retry.maximumAttempts`, retry.maximumAttempts, defaults.maximumAttempts, 0),
    initialIntervalMs,
    backoffCoefficient: backoff,
    maximumIntervalMs: Math.max(initialIntervalMs, maximumIntervalMs),
    nonRetryableErrorTypes: errorTypes(what, retry.nonRetryableErrorTypes),
  });
}

/**
 * Nothing when `R` is JSON-safe; otherwise a `run` no function matches, so that the compiler's
 * error on it says why.
 */
type JsonResultCheck<R> = unknown extends R
  ? unknown // `unknown` or `any`: nothing to check at compile time; the worker checks what is returned
  : [R] extends [JsonSafe<R>]
    ? unknown
    : {
        readonly run: 'its result is not JSON-safe (a Date, Map, Set, class instance, function or bigint); return plain data';
      };

/**
 * Defines one function of a pipeline. Throws PipelineDefinitionError for an invalid option. Its
 * result must be JSON-safe (JsonSafe<R>): a Date, Map or class instance is a type
 * error here, and refused when returned (activities/json-result.ts).
 */
export function defineFunction<const Name extends string, R, const N extends Needs | NoNeeds = NoNeeds>(
  options: FunctionOptions<Name, R, N> & JsonResultCheck<NoInfer<R>>,
): OrderflowFunction<Name, R, N> {
  const name = typeof options?.name === 'string' ? options.name : ('' as Name);
  const what = `function ${JSON.stringify(name)}`;
  checkKnownOptions(what, options);
  checkIdentity(what, name, options);
  const needs = neededNames(what, options.needs);
  const rateLimit = rateLimitOf(what, options.rateLimit, options.local);
  const concurrency = concurrencyOf(what, options.concurrency, options.local);
  const definition: FunctionDefinition = {
    [FUNCTION_BRAND]: true as const,
    name,
    run: options.run as FunctionDefinition['run'],
    needs,
    ...(options.taskQueue !== undefined ? { taskQueue: options.taskQueue } : {}),
    timeoutMs: durationMs(`${what} timeout`, options.timeout, FUNCTION_DEFAULTS.timeoutMs, 1),
    heartbeatTimeoutMs: durationMs(
      `${what} heartbeatTimeout`,
      options.heartbeatTimeout,
      FUNCTION_DEFAULTS.heartbeatTimeoutMs,
      0,
    ),
    retry: retryPolicy(what, options.retry ?? {}),
    recordResult: flag(`${what} recordResult`, options.recordResult),
    local: flag(`${what} local`, options.local),
    ...(rateLimit ? { rateLimit } : {}),
    ...(concurrency ? { concurrency } : {}),
  };
  return Object.freeze(definition) as OrderflowFunction<Name, R, N>;
}
