/**
 * The memo every stage run carries: which stream message started it and which revision of the
 * order it runs. Written by the bridge at start, read back to tell a redelivery from an identical
 * repeat from a conflicting second message, and by `status` for the order's timeline.
 */
import type { StageInput } from '../../workflows/types';

export interface RunMemo {
  readonly stream?: string;
  readonly subject?: string;
  /** Stream sequence of the message that started the run. */
  readonly streamSeq?: number;
  /** That message's delivery count when it started the run. */
  readonly deliveryCount?: number;
  /** The order's revision (shared/orders/revision.ts); absent on runs started before revisions existed. */
  readonly revision?: string;
}

export function runMemoFor(input: StageInput): Record<string, unknown> {
  const memo: RunMemo = {
    stream: input.source.stream,
    subject: input.source.subject,
    streamSeq: input.source.streamSeq,
    deliveryCount: input.source.deliveryCount,
    revision: input.revision,
  };
  return { ...memo };
}

/** A run's memo as decoded by the client, narrowed field by field (anything else is ignored). */
export function readRunMemo(memo: unknown): RunMemo {
  const m = (memo ?? {}) as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
  const out: { -readonly [K in keyof RunMemo]: RunMemo[K] } = {};
  if (str(m.stream)) out.stream = str(m.stream);
  if (str(m.subject)) out.subject = str(m.subject);
  if (num(m.streamSeq) !== undefined) out.streamSeq = num(m.streamSeq);
  if (num(m.deliveryCount) !== undefined) out.deliveryCount = num(m.deliveryCount);
  if (str(m.revision)) out.revision = str(m.revision);
  return out;
}
