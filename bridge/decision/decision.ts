/**
 * What became of one message, whose fault it was, and the one place that maps it to a JetStream
 * verb. Only the order's own failures are charged (count toward the bound); the system's faults
 * (Temporal away, no worker, a crash, a shutdown) never are.
 */

/** Dead letters parked for an operator to decide, other than poison and failed. */
export type ParkKind = 'conflict' | 'stuck' | 'terminated' | 'cancelled' | 'timed-out';

export type Outcome =
  /** The stage's run for this order completed (now, or earlier: then no run ID is known). */
  | { readonly type: 'completed'; readonly workflowId: string; readonly runId?: string }
  /** The message can never succeed: not JSON, fails the schema, too large, empty. */
  | { readonly type: 'poison'; readonly reason: string }
  /**
   * The order's own run failed (a function failed for good or ran out of attempts). `failures`
   * counts the failed runs this stream message started, this one included.
   */
  | {
      readonly type: 'failed';
      readonly workflowId: string;
      readonly runId: string;
      readonly failures: number;
      readonly reason: string;
    }
  /**
   * Not run, and not to be retried by itself: a conflicting second version of the order, a run
   * that cannot progress, or a run an operator terminated, cancelled or let time out.
   */
  | {
      readonly type: 'parked';
      readonly kind: ParkKind;
      readonly workflowId: string;
      readonly reason: string;
      /** Extra facts for the dead letter (for a conflict: the other version's stream sequence). */
      readonly details?: Readonly<Record<string, string>>;
    }
  /** Something went wrong that is nobody's known fault: handed back after a delay, uncharged. */
  | { readonly type: 'retry-later'; readonly workflowId?: string; readonly reason: string }
  /** The bridge is shutting down before the run completed. */
  | { readonly type: 'interrupted'; readonly workflowId?: string };

export type DeadLetterKind = 'poison' | 'failed' | ParkKind;

export type Decision =
  | { readonly verb: 'ack' }
  | { readonly verb: 'nak'; readonly delayMs: number }
  | {
      readonly verb: 'term';
      readonly deadLetter: {
        readonly kind: DeadLetterKind;
        readonly reason: string;
        readonly details?: Readonly<Record<string, string>>;
      };
    };

export interface DecisionPolicy {
  /** Failed runs of an order's own workflow before its message is dead-lettered. */
  readonly maxDeliveries: number;
  /** First nak delay, in milliseconds; doubles with each failed run. */
  readonly nakDelayMs: number;
  /** Largest nak delay, in milliseconds. */
  readonly nakDelayMaxMs: number;
}

/** The nak delay after the `failures`-th failure (1-based). */
export function nakDelay(failures: number, policy: DecisionPolicy): number {
  return Math.min(policy.nakDelayMaxMs, policy.nakDelayMs * 2 ** Math.max(0, failures - 1));
}

export function decide(outcome: Outcome, policy: DecisionPolicy): Decision {
  switch (outcome.type) {
    case 'completed':
      return { verb: 'ack' };
    case 'poison':
      return { verb: 'term', deadLetter: { kind: 'poison', reason: outcome.reason } };
    case 'failed':
      return outcome.failures >= policy.maxDeliveries
        ? {
            verb: 'term',
            deadLetter: { kind: 'failed', reason: `${outcome.reason} (after ${outcome.failures} failed runs)` },
          }
        : { verb: 'nak', delayMs: nakDelay(outcome.failures, policy) };
    case 'parked':
      return {
        verb: 'term',
        deadLetter: {
          kind: outcome.kind,
          reason: outcome.reason,
          ...(outcome.details ? { details: outcome.details } : {}),
        },
      };
    case 'retry-later':
      return { verb: 'nak', delayMs: policy.nakDelayMs };
    case 'interrupted':
      // Not done: hand it back at once so another bridge attaches to the same run.
      return { verb: 'nak', delayMs: 0 };
  }
}
