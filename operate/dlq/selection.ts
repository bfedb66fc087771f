/**
 * Which dead letters `orderflow dlq list` and `dlq purge` act on: all of them, or those of a kind,
 * of a stage's consumer, with the IDs or ID ranges named (`12`, `12-20`); every condition given
 * must hold. After a rerun, say, the `failed` dead letters of the process stage in the range it
 * covered can be purged and nothing else.
 */
import type { StageName } from '../../workflows/names';
import { STAGES } from '../../workflows/names';
import { streamSequence } from '../../shared/config/option-kinds';
import { parseValue } from '../../shared/config/read-options';
import { UsageError } from '../../shared/errors';
import type { DeadLetterRecord } from './dead-letter-store';

/** Dead letter IDs from `from` to `to`, both included. */
export interface IdRange {
  readonly from: number;
  readonly to: number;
}

export interface DeadLetterSelection {
  /** IDs and ranges of IDs; empty or absent: any ID. */
  readonly ids?: readonly IdRange[];
  readonly kind?: string;
  /** Dead letters of this stage's consumer (process: NEW, dispatch: DISPATCH). */
  readonly stage?: StageName;
}

/** A dead letter ID (`12`) or a range of them (`12-20`), as given on the command line. */
export function idRange(text: string): IdRange {
  const [first, second, ...rest] = text.split('-');
  if (rest.length || first === undefined)
    throw new UsageError(`"${text}" is not a dead letter id or range; give an id (12) or a range (12-20)`);
  const from = parseValue(streamSequence(), 'dead letter id', first);
  const to = second === undefined ? from : parseValue(streamSequence(), 'dead letter id', second);
  if (to < from) throw new UsageError(`the range ${text} ends before it starts; give it low-high (${to}-${from})`);
  return { from, to };
}

/** Whether the selection names anything narrower than every dead letter. */
export function isNarrowed(selection: DeadLetterSelection): boolean {
  return Boolean(selection.ids?.length || selection.kind || selection.stage);
}

/** Whether `record` is one of the dead letters `selection` names. */
export function selects(
  selection: DeadLetterSelection,
  record: Pick<DeadLetterRecord, 'id' | 'kind' | 'consumer'>,
): boolean {
  const { ids, kind, stage } = selection;
  if (ids?.length && !ids.some((r) => record.id >= r.from && record.id <= r.to)) return false;
  if (kind !== undefined && record.kind !== kind) return false;
  return stage === undefined || record.consumer === STAGES[stage].consumer;
}

/** The selection in words, for a confirmation: `of kind failed, of stage process (NEW), with id 3-9`. */
export function describeSelection(selection: DeadLetterSelection): string {
  const { ids, kind, stage } = selection;
  const parts = [
    ...(kind !== undefined ? [`of kind ${kind}`] : []),
    ...(stage !== undefined ? [`of stage ${stage} (${STAGES[stage].consumer})`] : []),
    ...(ids?.length
      ? [`with id ${ids.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)).join(', ')}`]
      : []),
  ];
  return parts.join(', ');
}
