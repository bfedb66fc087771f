/**
 * Carries out a decision (decision.ts) on the message: a confirmed ack, a nak with its delay, or a
 * durable dead letter and then the terminate. A dead letter that cannot be recorded is never
 * terminated: the message is handed back, uncharged, and tried again.
 */
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';

import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import type { BridgeCounters } from '../counters';
import { recordDeadLetter } from '../../shared/dead-letters/dead-letters';
import type { Decision, Outcome } from './decision';

export interface ApplyContext {
  readonly js: JetStreamClient;
  /** The stage's consumer (the dead letter's subject holds it). */
  readonly consumer: string;
  readonly nak: (msg: JsMsg, delayMs: number) => void;
  readonly terminate: (msg: JsMsg, reason: string) => void;
  /** Delay of the nak when a dead letter could not be recorded, in ms. */
  readonly nakDelayMs: number;
  readonly counters: BridgeCounters;
  /** Observes seconds from the message's arrival in the stream to its confirmed ack. */
  readonly endToEnd: { observe(seconds: number): void };
}

export async function applyDecision(
  msg: JsMsg,
  outcome: Outcome,
  decision: Decision,
  ctx: ApplyContext,
  /** The message's logger (its stream sequence and delivery on every line). */
  log: Logger,
): Promise<void> {
  const fields = { outcome: outcome.type, ...('workflowId' in outcome ? { workflowId: outcome.workflowId } : {}) };
  switch (decision.verb) {
    case 'ack': {
      const confirmed = await msg.ackAck().catch((err: unknown) => {
        log.warn('ack not confirmed; the redelivery will find the run completed', {
          ...fields,
          error: messageOf(err),
        });
        return false;
      });
      if (confirmed) {
        ctx.counters.acked += 1;
        ctx.endToEnd.observe(Math.max(0, Date.now() - msg.info.timestampNanos / 1e6) / 1000);
        log.info('order stage completed and acked', fields);
      }
      return;
    }
    case 'nak':
      ctx.nak(msg, decision.delayMs);
      ctx.counters.naked += 1;
      log[outcome.type === 'interrupted' ? 'info' : 'warn']('order not done; handed back', {
        ...fields,
        delayMs: decision.delayMs,
        ...('reason' in outcome ? { reason: outcome.reason } : {}),
        ...(outcome.type === 'failed' ? { failures: outcome.failures } : {}),
      });
      return;
    case 'term': {
      const letter = decision.deadLetter;
      let recorded: Awaited<ReturnType<typeof recordDeadLetter>>;
      try {
        recorded = await recordDeadLetter(ctx.js, ctx.consumer, msg, {
          kind: letter.kind,
          reason: letter.reason,
          ...('workflowId' in outcome && outcome.workflowId ? { workflowId: outcome.workflowId } : {}),
          ...(letter.details ? { details: letter.details } : {}),
        });
      } catch (err) {
        // Without a durable record the message must not go: hand it back, uncharged, and try again.
        ctx.nak(msg, ctx.nakDelayMs);
        ctx.counters.naked += 1;
        log.error('dead letter not recorded; message handed back', { ...fields, error: messageOf(err) });
        return;
      }
      ctx.terminate(msg, letter.reason);
      ctx.counters.terminated += 1;
      log.error('order dead-lettered', {
        ...fields,
        kind: letter.kind,
        reason: letter.reason,
        deadLetter: recorded.id,
        // An earlier delivery recorded it and died before terminating: one record, not two.
        ...(recorded.status === 'already-recorded' ? { alreadyRecorded: true } : {}),
      });
      return;
    }
  }
}
