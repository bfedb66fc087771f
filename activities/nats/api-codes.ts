/**
 * The JetStream API error codes orderflow acts on, named once. A JetStreamApiError carries the
 * server's code (nats-server's errors.json) as `code`; decisions are made on these names, never on
 * an error's text.
 */
import { JetStreamApiError } from '@nats-io/jetstream';

const JS_API_CODES = {
  /** The consumer named does not exist (JSConsumerNotFoundErr). */
  consumerNotFound: 10014,
  /** A message get found nothing at that sequence or on that subject (JSNoMessageFoundErr). */
  noMessageFound: 10037,
  /** The message is larger than the stream's max_msg_size (JSStreamMessageExceedsMaximumErr). */
  messageTooLarge: 10054,
  /** The stream named does not exist (JSStreamNotFoundErr). */
  streamNotFound: 10059,
  /** Nats-Expected-Stream names another stream than the one storing the subject (JSStreamNotMatchErr). */
  streamNotMatch: 10060,
  /** Nats-Expected-Last-Sequence or -Last-Subject-Sequence did not hold (JSStreamWrongLastSequenceErrF). */
  wrongLastSequence: 10071,
  /** The message's headers are over 64 KiB, JetStream's limit (JSStreamHeaderExceedsMaximumErr). */
  headerTooLarge: 10097,
} as const;

export type JsApiCodeName = keyof typeof JS_API_CODES;

/** Whether `err` is the JetStream API's answer with one of the named codes. */
export function isJsApiError(err: unknown, ...names: readonly JsApiCodeName[]): err is JetStreamApiError {
  return err instanceof JetStreamApiError && names.some((name) => JS_API_CODES[name] === err.code);
}
