/**
 * The answers a consumer sends for a JetStream message, in the form the server it talks to
 * understands (server-features.ts). nats.js sends what it is asked whatever the server's version,
 * and a server that does not know a form ignores it without an error: `+TERM <reason>` before
 * 2.10.4 leaves the message pending, redelivered after every ack wait, forever. Ack (`ackAck`) and
 * `working()` have one form on every supported server and need nothing here.
 */
import type { JsMsg } from '@nats-io/jetstream';

import type { ServerFeatures } from '../../shared/nats/server-features';

/**
 * Longest reason sent with `+TERM`, in characters. The server only copies it into the terminated
 * advisory; the whole reason belongs in the dead letter.
 */
export const TERM_REASON_MAX_CHARS = 200;

/** Which `+TERM` went out: with the reason, or plain because the server would ignore a reason. */
export type TermForm = 'with-reason' | 'plain';

/** Terminates `msg` (never redelivered), with the reason where the server takes one. */
export function terminate(
  msg: Pick<JsMsg, 'term'>,
  reason: string,
  features: Pick<ServerFeatures, 'termWithReason'>,
): TermForm {
  // One line: the advisory is read by people and by line-oriented tools.
  const line = reason.replace(/\s+/g, ' ').trim().slice(0, TERM_REASON_MAX_CHARS);
  if (features.termWithReason && line) {
    msg.term(line);
    return 'with-reason';
  }
  msg.term();
  return 'plain';
}

/**
 * Hands `msg` back for redelivery after `delayMs` milliseconds (0: at once). Where the server has
 * no nak delay (before 2.7.1) it is a plain nak, redelivered at once: no caller waits instead, so
 * there a backoff costs deliveries.
 */
export function nakAfter(
  msg: Pick<JsMsg, 'nak'>,
  delayMs: number,
  features: Pick<ServerFeatures, 'nakWithDelay'>,
): void {
  // Whole milliseconds: the server reads the delay as integer nanoseconds, and a fraction makes
  // the whole delay unreadable, which it treats as a plain nak.
  const delay = Math.max(0, Math.round(delayMs));
  if (delay > 0 && features.nakWithDelay) msg.nak(delay);
  else msg.nak();
}
