/**
 * definePipeline's `priority` and `fairness`: what the bridge reads from each order to start its
 * stage runs with Temporal's priority and fairness keys and to order its own intake. Checked when
 * the module loads like every other option; what the functions return is checked per order by
 * the bridge, which falls back to the defaults below rather than refuse an order for it.
 */
import { fail, isOptionsObject, refuseUnknown } from './define-checks';
import type { Order } from './types';

/** Temporal's priority keys with its default server configuration: 1 (first) to 5, 3 when none is given. */
export const PRIORITY_KEYS = { first: 1, last: 5, default: 3 } as const;

/** Temporal's fairness weights: clamped by the server to this range; 1 when none is given. */
export const FAIRNESS_WEIGHTS = { min: 0.001, max: 1000, default: 1 } as const;

/** Temporal refuses a longer fairness key (in UTF-8 bytes). */
export const MAX_FAIRNESS_KEY_BYTES = 64;

/** How an order's customer (or any other key) gets its share. */
export interface FairnessOptions {
  /**
   * The order's fairness key (`(order) => order.customerId`): orders with different keys share
   * the bridge's intake and the workers in proportion to their weights, each key's orders in
   * their own order. At most 64 bytes.
   */
  readonly key: (order: Order) => string;
  /** The key's weight, from 0.001 to 1000, or a function of the order giving it. Default: 1. */
  readonly weight?: number | ((order: Order) => number);
}

/** `fairness` as definePipeline checked it. */
export interface CheckedFairness {
  readonly key: (order: Order) => string;
  readonly weight: number | ((order: Order) => number);
}

const FAIRNESS_OPTIONS = Object.keys({ key: true, weight: true } satisfies Record<keyof FairnessOptions, true>);

/** `priority` checked: a function, or undefined when not given. */
export function priorityOf(value: unknown): ((order: Order) => number) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') {
    fail(
      'pipeline priority',
      'is not a function',
      "give priority: (order) => (order.metadata?.shipping === 'express' ? 1 : 3)",
    );
  }
  return value as (order: Order) => number;
}

/** `fairness` checked, undefined when not given. */
export function fairnessOf(value: unknown): CheckedFairness | undefined {
  if (value === undefined) return undefined;
  const what = 'pipeline fairness';
  const example = 'fairness: { key: (order) => order.customerId }';
  if (!isOptionsObject(value)) {
    const given = typeof value === 'function' ? 'a function' : JSON.stringify(value);
    fail(what, `${given} is not an object`, `give ${example}`);
  }
  refuseUnknown(what, value, FAIRNESS_OPTIONS);
  const { key, weight } = value as { key?: unknown; weight?: unknown };
  if (key === undefined) fail(what, 'has no key', `give ${example}`);
  if (typeof key !== 'function') fail(`${what}.key`, 'is not a function', 'give key: (order) => order.customerId');
  return Object.freeze({ key: key as CheckedFairness['key'], weight: weightOf(`${what}.weight`, weight) });
}

function weightOf(what: string, weight: unknown): CheckedFairness['weight'] {
  if (weight === undefined) return FAIRNESS_WEIGHTS.default;
  if (typeof weight === 'function') return weight as (order: Order) => number;
  const { min, max } = FAIRNESS_WEIGHTS;
  if (typeof weight !== 'number' || !(weight >= min && weight <= max)) {
    fail(
      what,
      `${JSON.stringify(weight)} is not a weight`,
      `give a number from ${min} to ${max}, or (order) => number`,
    );
  }
  return weight;
}
