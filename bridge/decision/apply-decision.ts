/**
 * Carries out a decision (decision.ts) on the message: a confirmed ack, a nak with its delay, a
 * durable dead letter and then the terminate, or nothing (left to the ack wait); and counts and
 * logs it. With the keep-alive ticker, the only code that answers JetStream about a message. A
 * dead letter that cannot be recorded is never terminated: that is an outcome of its own, decided
 * and applied in turn (a nak, uncharged), so the message is tried again.
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';

import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import type { ServerFeatures } from '../../shared/nats/server-features';
import type { BridgeCounters } from '../counters';
import { recordDeadLetter } from '../../shared/dead-letters/dead-letters';
import { nakAfter, terminate } from './acks';
import type { Decision, DecisionPolicy, FinalDecision, Outcome } from './decision';
import { decideFinal } from './decision';

export interface ApplyContext {
  readonly js: JetStreamClient;
  /** The stage's consumer (the dead letter's subject holds it). */
  readonly consumer: string;
  /** What the connected server understands, for the form of nak and term (acks.ts). */
  readonly features: Pick<ServerFeatures, 'nakWithDelay' | 'termWithReason'>;
  /** Decides what carrying out a decision learns (a dead letter not recorded). */
  readonly policy: DecisionPolicy;
  readonly counters: BridgeCounters;
  /** Observes seconds from the message's arrival in the stream to its confirmed ack. */
  readonly endToEnd: { observe(seconds: number): void };
}

type DeadLetterSpec = Extract<Decision, { readonly verb: 'term' }>['deadLetter'];

/** What an applied decision returns once its verb is sent: nothing left to wait for. */
const SENT: Promise<void> = Promise.resolve();

/** The fields of every line about the outcome. */
function fieldsOf(outcome: Outcome): { outcome: Outcome['type']; workflowId?: string } {
  return { outcome: outcome.type, ...('workflowId' in outcome ? { workflowId: outcome.workflowId } : {}) };
}

/**
 * Decides what becomes of `msg` after `outcome` and carries it out, for an outcome reached outside
 * the message's handler: a standby's hand-back, an unexpected error, a dead letter not recorded.
 * As with applyDecision, a nak is sent (or throws) before this returns.
 */
export function settle(msg: JsMsg, outcome: Outcome, ctx: ApplyContext, log: Logger): Promise<void> {
  return applyDecision(msg, outcome, decideFinal(outcome, ctx.policy), ctx, log);
}

/**
 * Carries out `decision` for `outcome` on `msg`, logging with `log` (the message's logger, with its
 * stream sequence and delivery on every line). A nak, or leaving the message, is done when this
 * returns, and a nak that cannot be sent throws here, not later; an ack and a term resolve once
 * the server has answered.
 */
export function applyDecision(
  msg: JsMsg,
  outcome: Outcome,
  decision: FinalDecision,
  ctx: ApplyContext,
  log: Logger,
): Promise<void> {
  switch (decision.verb) {
    case 'ack':
      return ack(msg, outcome, ctx, log);
    case 'nak':
      nakAfter(msg, decision.delayMs, ctx.features);
      countHandBack(outcome, decision.delayMs, ctx, log);
      return SENT;
    case 'term':
      return deadLetter(msg, outcome, decision.deadLetter, ctx, log);
    case 'leave':
      log.error('message left for redelivery after an unexpected error', {
        streamSeq: msg.seq,
        ...(outcome.type === 'unexpected' ? { error: outcome.error } : {}),
      });
      return SENT;
  }
}

async function ack(msg: JsMsg, outcome: Outcome, ctx: ApplyContext, log: Logger): Promise<void> {
  const confirmed = await msg.ackAck().catch((err: unknown) => {
    log.warn('ack not confirmed; the redelivery will find the run completed', {
      ...fieldsOf(outcome),
      error: messageOf(err),
    });
    return false;
  });
  if (!confirmed) return;
  ctx.counters.acked += 1;
  ctx.endToEnd.observe(Math.max(0, Date.now() - msg.info.timestampNanos / 1e6) / 1000);
  log.info('order stage completed and acked', fieldsOf(outcome));
}

/** Counts and logs a nak that was sent, as its outcome warrants. */
function countHandBack(outcome: Outcome, delayMs: number, ctx: ApplyContext, log: Logger): void {
  switch (outcome.type) {
    case 'not-started':
      // Never started here, so never counted: the pull logs how many it handed back.
      return;
    case 'dead-letter-unrecorded':
      ctx.counters.naked += 1;
      log.error('dead letter not recorded; message handed back', { ...fieldsOf(outcome.of), error: outcome.error });
      return;
    default:
      ctx.counters.naked += 1;
      log[outcome.type === 'interrupted' ? 'info' : 'warn']('order not done; handed back', {
        ...fieldsOf(outcome),
        delayMs,
        ...('reason' in outcome ? { reason: outcome.reason } : {}),
        ...(outcome.type === 'failed' ? { failures: outcome.failures } : {}),
      });
  }
}

/** Records the dead letter durably, and only then terminates the message. */
async function deadLetter(
  msg: JsMsg,
  outcome: Outcome,
  letter: DeadLetterSpec,
  ctx: ApplyContext,
  log: Logger,
): Promise<void> {
  let recorded: Awaited<ReturnType<typeof recordDeadLetter>>;
  try {
    recorded = await recordDeadLetter(ctx.js, ctx.consumer, msg, {
      kind: letter.kind,
      reason: letter.reason,
      ...('workflowId' in outcome && outcome.workflowId ? { workflowId: outcome.workflowId } : {}),
      ...(letter.details ? { details: letter.details } : {}),
    });
  } catch (err) {
    // Without a durable record the message must not go: decided again as what it now is.
    return settle(msg, { type: 'dead-letter-unrecorded', of: outcome, error: messageOf(err) }, ctx, log);
  }
  terminate(msg, letter.reason, ctx.features);
  ctx.counters.terminated += 1;
  log.error('order dead-lettered', {
    ...fieldsOf(outcome),
    kind: letter.kind,
    reason: letter.reason,
    deadLetter: recorded.id,
    // An earlier delivery recorded it and died before terminating: one record, not two.
    ...(recorded.status === 'already-recorded' ? { alreadyRecorded: true } : {}),
  });
}
