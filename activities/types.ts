/**
 * The types a user's TypeScript sees, strict enough that a mistake is a compile error rather than
 * a failed order: durations in Temporal's own format, results that JSON carries unchanged, and
 * each function's `ctx.results` typed from the functions it declares it `needs`. Types only.
 */
import type { StageName } from '../workflows/names';
import type { JsonValue, OrderData } from '../workflows/types';

export type { JsonValue } from '../workflows/types';
export type { StageName } from '../workflows/names';

/** An order as the bridge validated it (see the README's order schema). */
export type Order = OrderData;

type DurationUnit =
  | 'Years' | 'Year' | 'Yrs' | 'Yr' | 'Y'
  | 'Weeks' | 'Week' | 'W'
  | 'Days' | 'Day' | 'D'
  | 'Hours' | 'Hour' | 'Hrs' | 'Hr' | 'H'
  | 'Minutes' | 'Minute' | 'Mins' | 'Min' | 'M'
  | 'Seconds' | 'Second' | 'Secs' | 'Sec' | 's'
  | 'Milliseconds' | 'Millisecond' | 'Msecs' | 'Msec' | 'Ms'; // prettier-ignore
type DurationUnitAnyCase = DurationUnit | Uppercase<DurationUnit> | Lowercase<DurationUnit>;

/**
 * A duration as Temporal takes it (`Duration` of @temporalio/common): milliseconds, or a string
 * such as '30s', '2 minutes', '1.5h'. Spelled out here rather than imported, because Temporal's
 * refers to the `ms` package's types, which a consumer compiling with `moduleResolution: node16`
 * cannot find (it would need `skipLibCheck`); test/unit/public-types.test.ts keeps the two equal.
 */
export type Duration = number | `${number}` | `${number}${DurationUnitAnyCase}` | `${number} ${DurationUnitAnyCase}`;

/** What JSON cannot carry unchanged: a Date becomes a string, a Map or Set `{}`, a function nothing. */
type NotJson =
  | bigint
  | symbol
  | ((...args: never[]) => unknown)
  | Date
  | RegExp
  | Map<unknown, unknown>
  | Set<unknown>
  | WeakMap<object, unknown>
  | WeakSet<object>
  | Promise<unknown>
  | ArrayBufferView
  | ArrayBuffer;

/**
 * `T` where JSON carries it unchanged, `never` where it does not: a function's result must
 * satisfy `R extends JsonSafe<R>`. Plain objects (interfaces included), arrays and tuples of such,
 * strings, numbers, booleans and null. `undefined` is allowed where JSON drops it without a
 * trace (an optional property; the whole result, which becomes null), not inside a list.
 */
export type JsonSafe<T> = [T] extends [JsonValue]
  ? T // already JSON (JsonValue itself among them: mapping its recursion would never end)
  : T extends string | number | boolean | null | undefined | void
    ? T
    : T extends NotJson
      ? never
      : T extends readonly unknown[]
        ? { [K in keyof T]: JsonSafe<Exclude<T[K], undefined>> }
        : T extends object
          ? { [K in keyof T]: K extends symbol ? never : JsonSafe<T[K]> }
          : never;

/** A result as later functions read it: JSON's copy, `undefined` (a function returning nothing) as null. */
export type Stored<R> = [R] extends [void] ? null : R extends undefined ? null : R;

/** A function's retry policy. Every field optional; the defaults are the ones listed. */
export interface RetryOptions {
  /** Attempts in all, the first included; 0 for unlimited. Default: 5. */
  readonly maximumAttempts?: number;
  /** Wait before the first retry. Default: '1s'. */
  readonly initialInterval?: Duration;
  /** Each wait is the previous one times this. Default: 2. */
  readonly backoffCoefficient?: number;
  /** The longest wait between attempts. Default: '30s'. */
  readonly maximumInterval?: Duration;
  /** Error types (an ApplicationFailure's type, or an Error's name) never retried. Default: none. */
  readonly nonRetryableErrorTypes?: readonly string[];
}

/**
 * How often all workers together may call a function: at most `limit` calls per `period`
 * (`{ limit: 50, period: '1s' }`). Calls beyond it wait (README: Rate and concurrency limits).
 */
export interface RateLimit {
  /** Calls per period, a whole number ≥ 1. */
  readonly limit: number;
  /** The period, at least 1 ms. Default: '1s'. */
  readonly period?: Duration;
}

/**
 * How many calls of a function may run at once across all workers: at most `limit`, or with
 * `key`, at most `limit` per key (`key: (order) => order.customerId`). Permits are leases in the
 * effects bucket, renewed while the call runs, so a killed worker's come back after a TTL.
 */
export interface ConcurrencyLimit {
  /** Calls at once, a whole number ≥ 1. */
  readonly limit: number;
  /** The order's key: calls with different keys do not wait for each other. Default: one key. */
  readonly key?: (order: Order) => string;
}

/** A logger bound to the order, stage and function: every line carries them. */
export interface FunctionLogger {
  debug(message: string, attrs?: Record<string, unknown>): void;
  info(message: string, attrs?: Record<string, unknown>): void;
  warn(message: string, attrs?: Record<string, unknown>): void;
  error(message: string, attrs?: Record<string, unknown>): void;
}

/**
 * `ctx.results` of a function that declares no `needs`: every earlier function's result, by stage
 * then function, as JSON. Declare `needs` to have them typed (and checked by definePipeline).
 */
export type AnyResults = Readonly<Partial<Record<StageName, Readonly<Record<string, JsonValue>>>>>;

/** What a function receives beside the order. */
export interface FunctionContext<Results = AnyResults> {
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
  /**
   * Results of the order's earlier functions, by stage then function: with `needs: { process:
   * [chargeCard] }`, `ctx.results.process.chargeCard` is what chargeCard's run returned, typed.
   */
  readonly results: Results;
}

/** What a definition's type remembers of a function: its name and result type. */
export interface FunctionShape<Name extends string = string, R = unknown> {
  readonly name: Name;
  /** Never set: carries the result type for `needs`. */
  readonly __result?: R;
}

/** The earlier functions a function reads the results of, by stage: `{ process: [chargeCard] }`. */
export type Needs = { readonly [S in StageName]?: readonly FunctionShape[] };

/** The `ctx.results` a function with `needs` N receives. */
export type ResultsOf<N extends Needs> = {
  readonly [S in keyof N & StageName]: {
    readonly [F in NonNullable<N[S]>[number] as F['name']]: F extends FunctionShape<string, infer R>
      ? Stored<R>
      : never;
  };
};

/** The marker of a function that declares no needs: its `ctx.results` is AnyResults. */
export interface NoNeeds {
  readonly __noNeeds: true;
}

export type ResultsFor<N> = [N] extends [NoNeeds] ? AnyResults : N extends Needs ? ResultsOf<N> : AnyResults;
