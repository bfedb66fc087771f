/**
 * What became of one message, and the one place that maps it to a JetStream verb.
 */
export type Outcome =
  /** The stage's workflow completed (now, or in an earlier delivery: then no run ID is known). */
  | { readonly type: 'completed'; readonly workflowId: string; readonly runId?: string }
  /** The message can never succeed: not JSON, fails the schema, too large, empty. */
  | { readonly type: 'poison'; readonly reason: string }
  /** The workflow failed (a function failed for good or ran out of attempts). */
  | { readonly type: 'failed'; readonly workflowId: string; readonly reason: string }
  /** The bridge is shutting down before the workflow completed. */
  | { readonly type: 'interrupted'; readonly workflowId?: string };

export type Decision =
  | { readonly verb: 'ack' }
  | { readonly verb: 'nak'; readonly delayMs: number }
  | { readonly verb: 'term'; readonly deadLetter: { readonly kind: 'poison' | 'failed'; readonly reason: string } };

export interface DecisionPolicy {
  /** Deliveries a failing message gets before it is dead-lettered. */
  readonly maxDeliveries: number;
  /** First nak delay, in milliseconds; doubles with each delivery. */
  readonly nakDelayMs: number;
  /** Largest nak delay, in milliseconds. */
  readonly nakDelayMaxMs: number;
}

export function nakDelay(deliveryCount: number, policy: DecisionPolicy): number {
  return Math.min(policy.nakDelayMaxMs, policy.nakDelayMs * 2 ** Math.max(0, deliveryCount - 1));
}

export function decide(outcome: Outcome, deliveryCount: number, policy: DecisionPolicy): Decision {
  switch (outcome.type) {
    case 'completed':
      return { verb: 'ack' };
    case 'poison':
      return { verb: 'term', deadLetter: { kind: 'poison', reason: outcome.reason } };
    case 'failed':
      return deliveryCount >= policy.maxDeliveries
        ? {
            verb: 'term',
            deadLetter: { kind: 'failed', reason: `${outcome.reason} (after ${deliveryCount} deliveries)` },
          }
        : { verb: 'nak', delayMs: nakDelay(deliveryCount, policy) };
    case 'interrupted':
      // Not done: hand it back at once so another bridge attaches to the same workflow.
      return { verb: 'nak', delayMs: 0 };
  }
}
