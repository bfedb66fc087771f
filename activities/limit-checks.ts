/**
 * defineFunction's checks of `rateLimit` and `concurrency`: each a plain object of known
 * sub-options, its limit a whole number, its period a duration, its key a function. A limit that
 * does nothing (a local function has no task queue of its own and no heartbeats to renew a lease)
 * is refused rather than accepted and ignored.
 */
import { durationMs, fail, isOptionsObject, refuseUnknown, whole } from './define-checks';
import type { ConcurrencyLimit, Order, RateLimit } from './types';

/** A rate limit as defineFunction checked it. */
export interface CheckedRateLimit {
  readonly limit: number;
  readonly periodMs: number;
}

/** A concurrency limit as defineFunction checked it. */
export interface CheckedConcurrency {
  readonly limit: number;
  readonly key?: (order: Order) => string;
}

const RATE_OPTIONS = Object.keys({ limit: true, period: true } satisfies Record<keyof RateLimit, true>);
const CONCURRENCY_OPTIONS = Object.keys({ limit: true, key: true } satisfies Record<keyof ConcurrencyLimit, true>);

/** The period when none is given: a second. */
const DEFAULT_PERIOD_MS = 1000;

function limitOf(what: string, options: object, example: string): number {
  const limit = (options as { limit?: unknown }).limit;
  if (limit === undefined) fail(what, 'has no limit', `give ${example}`);
  if (typeof limit !== 'number')
    fail(`${what}.limit`, `${JSON.stringify(limit)} is not a number`, 'give a whole number ≥ 1');
  return whole(`${what}.limit`, limit, 1, 1);
}

function checkedObject(what: string, value: unknown, known: readonly string[], example: string): object {
  if (!isOptionsObject(value)) fail(what, `${JSON.stringify(value)} is not an object`, `give ${example}`);
  refuseUnknown(what, value, known);
  return value;
}

/** `rateLimit` checked, undefined when not given. */
export function rateLimitOf(fnWhat: string, value: unknown, local: unknown): CheckedRateLimit | undefined {
  if (value === undefined) return undefined;
  const what = `${fnWhat} rateLimit`;
  const example = "rateLimit: { limit: 50, period: '1s' }";
  const options = checkedObject(what, value, RATE_OPTIONS, example);
  if (local === true)
    fail(fnWhat, 'a local function cannot be rate limited (it has no task queue)', 'drop local, or rateLimit');
  const limit = limitOf(what, options, example);
  const periodMs = durationMs(`${what}.period`, (options as RateLimit).period, DEFAULT_PERIOD_MS, 1);
  return Object.freeze({ limit, periodMs });
}

/** `concurrency` checked, undefined when not given. */
export function concurrencyOf(fnWhat: string, value: unknown, local: unknown): CheckedConcurrency | undefined {
  if (value === undefined) return undefined;
  const what = `${fnWhat} concurrency`;
  const example = 'concurrency: { limit: 5 }';
  const options = checkedObject(what, value, CONCURRENCY_OPTIONS, example);
  if (local === true) {
    fail(
      fnWhat,
      'a local function cannot hold a concurrency permit (it has no heartbeats)',
      'drop local, or concurrency',
    );
  }
  const limit = limitOf(what, options, example);
  const key = (options as ConcurrencyLimit).key;
  if (key !== undefined && typeof key !== 'function') {
    fail(`${what}.key`, 'is not a function', 'give key: (order) => order.customerId');
  }
  return Object.freeze({ limit, ...(key ? { key } : {}) });
}
