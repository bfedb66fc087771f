/**
 * The search attributes every stage run carries, so that Temporal's visibility answers "which
 * runs did stream message n produce" in one query. Registered on the namespace by `orderflow
 * provision`; set by the bridge and `orderflow rerun` when they are registered. Plain data.
 */

/** A search attribute's name on the namespace and its indexed type (Temporal's IndexedValueType). */
export interface SearchAttributeName {
  readonly name: string;
  readonly type: 'KEYWORD' | 'INT';
}

export const SEARCH_ATTRIBUTES = {
  orderId: { name: 'OrderflowOrderId', type: 'KEYWORD' },
  /** The stream of the message that started the run. */
  stream: { name: 'OrderflowStream', type: 'KEYWORD' },
  /** That message's stream sequence. */
  streamSeq: { name: 'OrderflowStreamSeq', type: 'INT' },
  /** That message's subject. */
  subject: { name: 'OrderflowSubject', type: 'KEYWORD' },
  /** That message's delivery count when it started the run (1 = first delivery). */
  delivery: { name: 'OrderflowDelivery', type: 'INT' },
} as const satisfies Record<string, SearchAttributeName>;
