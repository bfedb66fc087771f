/**
 * What becomes of one message: the whole contract. Everything the bridge learns about a message
 * that settles its fate is an `Outcome`, and `decide` maps each to the one thing done to the
 * message, a `Decision`. Only the order's own failures are charged (count toward the bound); the
 * system's faults (Temporal away, no worker, a crash, a shutdown) never are.
 *
 * Who carries out each verb. Nothing else answers JetStream about a message, except the keep-alive
 * ticker (consumer/working-ticker.ts), which says "in progress" for every message held:
 * - `ack`, `nak`, `term` and `leave`: apply-decision.ts, once the message's handling has ended;
 * - `hold`: the message's handler (consumer/handle-message.ts), which keeps the message (the ticker
 *   keeps it alive), waits for the stage's intake gate to open and tries the order again. It is
 *   the handler's because the retry needs what the handler holds: the order's input, its span,
 *   the signal that ends its calls at shutdown.
 *
 * Carrying out a decision can meet a fact of its own: a `term` whose dead letter cannot be
 * recorded must not terminate (the message would be gone with no record of it). The applier then
 * reports the outcome `dead-letter-unrecorded`, decided here like any other (a nak, uncharged) and
 * applied in turn: a second decision for the same message, so that no verb is ever chosen outside
 * `decide`. Every other outcome is reached by the handler, except `unexpected` (the stage consumer,
 * when handling throws) and `not-started` (the stage consumer, for the standby pull's hand-back).
 */

/** Dead letters parked for an operator to decide, other than poison and failed. */
export type ParkKind = 'conflict' | 'stuck' | 'terminated' | 'cancelled' | 'timed-out';

export type Outcome =
  /** The stage's run for this order completed (now, or earlier: then no run ID is known). */
  | { readonly type: 'completed'; readonly workflowId: string; readonly runId?: string }
  /** The message can never succeed: not JSON, fails the schema, too large, empty. */
  | { readonly type: 'poison'; readonly reason: string }
  /**
   * The order's own run failed: a function ran out of attempts, or `rejected` it (a
   * NonRetryableError, a result JSON would change, a needed result missing), which no later run
   * would change. `failures` counts the failed runs this stream message started, this one included.
   */
  | {
      readonly type: 'failed';
      readonly workflowId: string;
      readonly runId: string;
      readonly failures: number;
      readonly reason: string;
      readonly rejected?: boolean;
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
  | { readonly type: 'interrupted'; readonly workflowId?: string }
  /**
   * A Temporal call failed by the system's fault (Temporal away, throttling, refusing, no worker),
   * reported to the health watch, which closed the stage's intake gate.
   */
  | { readonly type: 'system-fault'; readonly workflowId: string }
  /**
   * Warm standby: received while this bridge pulled but never started, because the pull stopped
   * (shutdown, intake closed). The pull counts and logs these together.
   */
  | { readonly type: 'not-started' }
  /** Handling the message failed in a way nothing foresaw (a bug, a connection closed under it). */
  | { readonly type: 'unexpected'; readonly error: string }
  /**
   * Carrying out a `term` failed: the dead letter for `of` could not be recorded (the dead-letter
   * stream unreachable, say), so the message was not terminated.
   */
  | { readonly type: 'dead-letter-unrecorded'; readonly of: Outcome; readonly error: string };

export type DeadLetterKind = 'poison' | 'failed' | ParkKind;

export type Decision =
  /** A confirmed ack (`ackAck`): the message is done. */
  | { readonly verb: 'ack' }
  /** Handed back for redelivery after `delayMs` (0: at once). */
  | { readonly verb: 'nak'; readonly delayMs: number }
  /** Recorded as a dead letter, and only then terminated (never redelivered). */
  | {
      readonly verb: 'term';
      readonly deadLetter: {
        readonly kind: DeadLetterKind;
        readonly reason: string;
        readonly details?: Readonly<Record<string, string>>;
      };
    }
  /** Kept, told "in progress" by the ticker, and tried again once the stage's intake gate opens. */
  | { readonly verb: 'hold' }
  /** Nothing is sent: JetStream redelivers the message once its ack wait lapses. */
  | { readonly verb: 'leave' };

/** Every decision but `hold`, which only the message's handler can carry out. */
export type FinalDecision = Exclude<Decision, { readonly verb: 'hold' }>;

export interface DecisionPolicy {
  /** Failed runs of an order's own workflow before its message is dead-lettered. */
  readonly maxDeliveries: number;
  /** First nak delay, in milliseconds; doubles with each failed run. */
  readonly nakDelayMs: number;
  /** Largest nak delay, in milliseconds. */
  readonly nakDelayMaxMs: number;
}

/** The decisions that carry nothing of their own, made once for every message. */
const ACK: Decision = { verb: 'ack' };
const NAK_AT_ONCE: Decision = { verb: 'nak', delayMs: 0 };
const HOLD: Decision = { verb: 'hold' };
const LEAVE: Decision = { verb: 'leave' };

/** The nak delay after the `failures`-th failure (1-based). */
export function nakDelay(failures: number, policy: DecisionPolicy): number {
  return Math.min(policy.nakDelayMaxMs, policy.nakDelayMs * 2 ** Math.max(0, failures - 1));
}

export function decide(outcome: Outcome, policy: DecisionPolicy): Decision {
  switch (outcome.type) {
    case 'completed':
      return ACK;
    case 'poison':
      return { verb: 'term', deadLetter: { kind: 'poison', reason: outcome.reason } };
    case 'failed':
      // A rejection is final: another run would call the same functions again (a declined card
      // charged again under its key) only to be rejected again.
      if (outcome.rejected) {
        return { verb: 'term', deadLetter: { kind: 'failed', reason: `${outcome.reason} (rejected: not run again)` } };
      }
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
      return NAK_AT_ONCE;
    case 'system-fault':
      // Not the order's fault, and no other bridge could do better: it waits here, uncharged.
      return HOLD;
    case 'not-started':
      // Another bridge (the next one pinned) takes it now.
      return NAK_AT_ONCE;
    case 'unexpected':
      // Where it failed is unknown (a verb may even have gone out): nothing more is sent, and if the
      // message was not settled JetStream redelivers it after the ack wait. Logged, never lost.
      return LEAVE;
    case 'dead-letter-unrecorded':
      // Never terminated without its record: handed back, uncharged, and dead-lettered again later.
      return { verb: 'nak', delayMs: policy.nakDelayMs };
  }
}

/** `decide`, for an outcome reached where it cannot be held: anywhere but in the handler's loop. */
export function decideFinal(outcome: Outcome, policy: DecisionPolicy): FinalDecision {
  const decision = decide(outcome, policy);
  if (decision.verb === 'hold') throw new Error(`a ${outcome.type} outcome is held only by its message's handler`);
  return decision;
}
