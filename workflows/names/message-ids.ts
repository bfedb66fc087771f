/**
 * Every Nats-Msg-Id orderflow generates, defined once. JetStream drops a publish whose ID it saw
 * within the duplicate window, so a generated ID that a user's value could also produce would
 * silently drop someone's message. Intake messages carry the order ID itself (the user's own
 * value); every ID orderflow generates starts with `orderflow/`, and '/' can never appear in a
 * valid order ID (see ORDER_ID_PATTERN), so the two namespaces cannot meet.
 *
 * Plain data and string functions: imported by workflows, activities and the bridge alike.
 */

/** Characters an order ID may hold. '/' is deliberately absent: it marks orderflow's own IDs. */
export const ORDER_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;

/** Prefix of every message ID orderflow generates; unreachable by a valid order ID. */
const GENERATED_ID_PREFIX = 'orderflow/';

/** Intake (ORDERS.received): the order ID, so a publisher's retry of the same order is dropped. */
export function intakeMsgId(orderId: string): string {
  return orderId;
}

/**
 * A stage's output (ORDERS.processed, ORDERS.completed): one per order, stage and revision of the
 * order's content, so a corrected order redriven after a failure is not taken for the old one.
 */
export function stageOutputMsgId(stage: string, orderId: string, revision: string): string {
  return `${GENERATED_ID_PREFIX}out/${stage}/${revision}/${orderId}`;
}

const STAGE_OUTPUT_ID = new RegExp(`^${GENERATED_ID_PREFIX}out/([^/]+)/[^/]*/([^/]+)$`);

/** The stage and order of a stage output's message ID (stageOutputMsgId); undefined for any other ID. */
export function stageOutputOf(msgId: string): { readonly stage: string; readonly orderId: string } | undefined {
  const match = STAGE_OUTPUT_ID.exec(msgId);
  return match ? { stage: match[1]!, orderId: match[2]! } : undefined;
}

/** A dead letter in ORDERS_DLQ: one per consumer and stream message, whatever the delivery. */
export function deadLetterMsgId(consumer: string, streamSeq: number): string {
  return `${GENERATED_ID_PREFIX}dlq/${consumer}/${streamSeq}`;
}

/** A dead letter put back into ORDERS: one per dead letter. */
export function redriveMsgId(deadLetterId: number): string {
  return `${GENERATED_ID_PREFIX}redrive/${deadLetterId}`;
}
