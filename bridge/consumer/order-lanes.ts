/**
 * Each order's lane: its priority and fairness key and weight, read from the pipeline's
 * `priority` and `fairness` functions (definePipeline). A user's function that throws or returns
 * what Temporal cannot take never costs the order: the order runs in the default lane for that
 * part (priority 3, the default key, weight 1), and the stage logs it once, so that a bad
 * function shows without a warning per order.
 */
import type { Priority } from '@temporalio/common';

import type { Pipeline } from '../../activities/pipeline';
import { FAIRNESS_WEIGHTS, MAX_FAIRNESS_KEY_BYTES, PRIORITY_KEYS } from '../../activities/priority-checks';
import type { Order } from '../../activities/types';
import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';

/** Where an order waits its turn. */
export interface Lane {
  /** 1 (first) to 5. */
  readonly priority: number;
  /** '' is the default key, which every order without one shares. */
  readonly fairnessKey: string;
  readonly fairnessWeight: number;
}

/** What the bridge applies to a stage's orders, as its start log says. */
export interface LaneRules {
  readonly priority: boolean;
  readonly fairness: boolean;
}

type Part = 'priority' | 'fairness key' | 'fairness weight';

function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The lanes of one stage's orders, with the warnings it has given. */
export class OrderLanes {
  private readonly warned = new Set<Part>();

  constructor(
    private readonly pipeline: Pick<Pipeline, 'priority' | 'fairness'>,
    private readonly log: Logger,
  ) {}

  get rules(): LaneRules {
    return { priority: this.pipeline.priority !== undefined, fairness: this.pipeline.fairness !== undefined };
  }

  laneOf(order: Order): Lane {
    const { priority, fairness } = this.pipeline;
    return {
      priority: priority
        ? this.read('priority', order, priority, isPriority, PRIORITY_KEYS.default)
        : PRIORITY_KEYS.default,
      fairnessKey: fairness ? this.read('fairness key', order, fairness.key, isFairnessKey, '') : '',
      fairnessWeight: fairness ? this.weightOf(order, fairness.weight) : FAIRNESS_WEIGHTS.default,
    };
  }

  /** The run's priority as Temporal takes it: only what the pipeline sets, so the rest inherits the defaults. */
  startPriority(lane: Lane): Priority {
    const { priority, fairness } = this.rules;
    return {
      ...(priority ? { priorityKey: lane.priority } : {}),
      ...(fairness && lane.fairnessKey !== ''
        ? { fairnessKey: lane.fairnessKey, fairnessWeight: lane.fairnessWeight }
        : {}),
    };
  }

  private weightOf(order: Order, weight: number | ((order: Order) => number)): number {
    if (typeof weight === 'number') return weight;
    const given = this.read('fairness weight', order, weight, isWeight, FAIRNESS_WEIGHTS.default);
    // As the server does: a weight outside its range is clamped, not refused.
    return Math.min(FAIRNESS_WEIGHTS.max, Math.max(FAIRNESS_WEIGHTS.min, given));
  }

  /** What `fn` gives for the order, or `fallback` (warned once) when it throws or gives what `valid` refuses. */
  private read<T>(
    part: Part,
    order: Order,
    fn: (order: Order) => unknown,
    valid: (v: unknown) => v is T,
    fallback: T,
  ): T {
    let value: unknown;
    try {
      value = fn(order);
    } catch (err) {
      return this.fallBack(part, order, `threw: ${messageOf(err)}`, fallback);
    }
    if (valid(value)) return value;
    return this.fallBack(part, order, `gave ${describe(value)}, ${RULES[part]}`, fallback);
  }

  private fallBack<T>(part: Part, order: Order, problem: string, fallback: T): T {
    if (!this.warned.has(part)) {
      this.warned.add(part);
      this.log.warn(
        `pipeline ${part} ${problem}: the order runs with ${JSON.stringify(fallback)} (said once per stage)`,
        {
          orderId: order.orderId,
        },
      );
    }
    return fallback;
  }
}

const RULES: Readonly<Record<Part, string>> = {
  priority: `not a whole number from ${PRIORITY_KEYS.first} to ${PRIORITY_KEYS.last}`,
  'fairness key': `not a string of at most ${MAX_FAIRNESS_KEY_BYTES} bytes`,
  'fairness weight': 'not a number above 0',
};

function describe(value: unknown): string {
  if (typeof value === 'string') return `a string of ${byteLength(value)} bytes`;
  if (typeof value === 'function') return 'a function';
  return JSON.stringify(value) ?? String(value);
}

function isPriority(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= PRIORITY_KEYS.first && (v as number) <= PRIORITY_KEYS.last;
}

function isFairnessKey(v: unknown): v is string {
  // Under 16 characters a string cannot exceed 64 bytes: the byte count only for longer ones.
  return typeof v === 'string' && (v.length <= 16 || byteLength(v) <= MAX_FAIRNESS_KEY_BYTES);
}

function isWeight(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0;
}
