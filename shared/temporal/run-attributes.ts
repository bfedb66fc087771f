/**
 * The search attributes of a stage run (workflows/names/search-attributes.ts), next to its memo
 * (run-memo.ts): built from the run's input when the bridge or `orderflow rerun` starts it, read
 * back from a listed run, and the visibility query that finds the runs of one stream message.
 */
import type { SearchAttributePair, TypedSearchAttributes } from '@temporalio/common';
import { SearchAttributeType, defineSearchAttributeKey } from '@temporalio/common';

import { SEARCH_ATTRIBUTES } from '../../workflows/names';
import type { StageInput } from '../../workflows/types';

const KEYS = {
  orderId: defineSearchAttributeKey(SEARCH_ATTRIBUTES.orderId.name, SearchAttributeType.KEYWORD),
  stream: defineSearchAttributeKey(SEARCH_ATTRIBUTES.stream.name, SearchAttributeType.KEYWORD),
  streamSeq: defineSearchAttributeKey(SEARCH_ATTRIBUTES.streamSeq.name, SearchAttributeType.INT),
  subject: defineSearchAttributeKey(SEARCH_ATTRIBUTES.subject.name, SearchAttributeType.KEYWORD),
  delivery: defineSearchAttributeKey(SEARCH_ATTRIBUTES.delivery.name, SearchAttributeType.INT),
} as const;

/** The attributes a run started for `input` carries: its order and the message that started it. */
export function runAttributesFor(input: StageInput): SearchAttributePair[] {
  return [
    { key: KEYS.orderId, value: input.order.orderId },
    { key: KEYS.stream, value: input.source.stream },
    { key: KEYS.streamSeq, value: input.source.streamSeq },
    { key: KEYS.subject, value: input.source.subject },
    { key: KEYS.delivery, value: input.source.deliveryCount },
  ];
}

/** The message that started a run, as its attributes tell it (fields absent when not set). */
export interface RunSource {
  readonly stream?: string;
  readonly subject?: string;
  readonly streamSeq?: number;
  readonly deliveryCount?: number;
}

export function readRunAttributes(attributes: TypedSearchAttributes | undefined): RunSource {
  if (!attributes) return {};
  const stream = attributes.get(KEYS.stream);
  const subject = attributes.get(KEYS.subject);
  const streamSeq = attributes.get(KEYS.streamSeq);
  const deliveryCount = attributes.get(KEYS.delivery);
  return {
    ...(stream !== undefined ? { stream } : {}),
    ...(subject !== undefined ? { subject } : {}),
    ...(streamSeq !== undefined ? { streamSeq } : {}),
    ...(deliveryCount !== undefined ? { deliveryCount } : {}),
  };
}

/**
 * The visibility query for the runs that stream message `seq` of `stream` started. The stream
 * name is quoted as Temporal's SQL-like grammar wants; `seq` must be a positive integer.
 */
export function runsOfMessageQuery(stream: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`stream sequence ${seq} is not a positive integer`);
  const quoted = stream.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  return `${SEARCH_ATTRIBUTES.stream.name} = '${quoted}' AND ${SEARCH_ATTRIBUTES.streamSeq.name} = ${seq}`;
}
