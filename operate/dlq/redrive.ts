/**
 * Redriving dead letters, shared by `orderflow dlq redrive` and the dashboard: a corrected payload
 * passes the stage's own validation before anything is published, so a correction that would be
 * dead-lettered again is refused (and the dead letter stays), whichever way it was given.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';

import { decodeStageMessage } from '../../shared/orders/decode';
import { InvalidInputError } from '../../shared/errors';
import { STAGES } from '../../workflows/names';
import { orderIdOf } from '../../workflows/order-id';
import type { DeadLetterRecord } from './dead-letter-store';
import { getDeadLetter, redriveDeadLetter } from './dead-letter-store';

/**
 * Throws an InvalidInputError when `bytes`, published on `subject`, would be dead-lettered again.
 * `source` names the correction in the message (a file name, or "the corrected payload").
 */
export function checkCorrectedPayload(bytes: Uint8Array, subject: string, source: string): void {
  const stage = Object.values(STAGES).find((s) => s.inputSubject === subject);
  if (!stage) return;
  const decoded = decodeStageMessage(stage.name, bytes);
  if (!decoded.ok)
    throw new InvalidInputError(`${source} would be dead-lettered again (${decoded.reason}); nothing was redriven`);
}

export interface RedriveOutcome {
  readonly record: DeadLetterRecord;
  /** The order ID of what was put back (a corrected payload may name one its dead letter did not). */
  readonly orderId?: string;
  /** The new message's sequence in ORDERS. */
  readonly seq: number;
  readonly duplicate: boolean;
}

/** Redrives dead letter `id`, with `payload` (validated first) in place of its own bytes when given. */
export async function redriveOne(
  js: JetStreamClient,
  jsm: JetStreamManager,
  id: number,
  corrected?: { readonly payload: Uint8Array; readonly source: string },
): Promise<RedriveOutcome> {
  const record = await getDeadLetter(jsm, id);
  if (corrected) checkCorrectedPayload(corrected.payload, record.subject, corrected.source);
  const ack = await redriveDeadLetter(js, jsm, record, corrected?.payload);
  const orderId = orderIdOf(corrected?.payload ?? record.payload);
  return { record, ...ack, ...(orderId ? { orderId } : {}) };
}
