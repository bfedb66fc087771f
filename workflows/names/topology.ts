/**
 * The names of the NATS objects of the pipeline: the stream and its subjects, the consumers, the
 * monitor's delivery subject, the dead-letter stream and the buckets. Their configuration (limits,
 * ack wait, replicas) lives in shared/config/topology.ts; the names live here because workflows,
 * activities and the bridge all use them.
 */

export const STREAM = 'ORDERS';

export const SUBJECTS = {
  received: 'ORDERS.received',
  processed: 'ORDERS.processed',
  completed: 'ORDERS.completed',
} as const;

export const CONSUMERS = { new: 'NEW', dispatch: 'DISPATCH', monitor: 'MONITOR' } as const;

export const MONITOR_SUBJECT = 'monitor.ORDERS';

/** Dead letters: messages the bridge terminated, kept with their bytes until an operator acts. */
export const DLQ_STREAM = 'ORDERS_DLQ';
export const DLQ_SUBJECT_PREFIX = 'orderflow.dlq';

/**
 * The subject of one stream message's dead letter: one subject per consumer and stream sequence,
 * so "is it recorded already?" is a last-message lookup, whatever the duplicate window. Earlier
 * versions recorded on `orderflow.dlq.<consumer>`; the stream's `orderflow.dlq.>` holds both.
 */
export function deadLetterSubject(consumer: string, streamSeq: number): string {
  return `${DLQ_SUBJECT_PREFIX}.${consumer}.${streamSeq}`;
}

/**
 * Object store of the dead letters that do not fit one message (a payload near the server's max
 * payload, large headers): their original bytes and headers, one object per dead letter.
 */
export const DLQ_PAYLOADS_BUCKET = 'ORDERFLOW_DLQ_PAYLOADS';

/**
 * Key/value bucket of recorded function results (one key per order, stage, function and
 * revision) and of each stage output's intent and result (keys.ts).
 */
export const EFFECTS_BUCKET = 'ORDERFLOW_EFFECTS';

/**
 * Key/value bucket of operators' stage pauses (`orderflow pause`): one key per paused stage (its
 * name), holding who paused it, why and until when; every bridge watches it.
 */
export const PAUSES_BUCKET = 'ORDERFLOW_PAUSES';
