/**
 * The range of the ORDERS history `replay` and `rerun` read, from their table options (since,
 * from-seq, until, until-seq, order; shared/config/option-table-history.ts), and what `replay`
 * is asked to do with it.
 */
import type { OptionsFor } from '../../shared/config/option-table';
import type { PointInTime } from '../../shared/config/history-kinds';
import { pointAt } from '../../shared/config/history-kinds';
import type { Env, Flags } from '../../shared/config/read-options';
import { readOptions } from '../../shared/config/read-options';
import { ConfigError, UsageError } from '../../shared/errors';
import type { ReplayOptions } from './replay';

/** The range's options, as both commands read them. */
export type RangeValues = Pick<OptionsFor<'replay'>, 'since' | 'fromSeq' | 'until' | 'untilSeq' | 'order'>;

/** Where a range starts and ends, and the order it is narrowed to. */
export type HistoryRange = Pick<ReplayOptions, 'fromSeq' | 'since' | 'untilSeq' | 'until' | 'orderId'>;

function point(value: PointInTime | undefined, now: number): Date | undefined {
  return value === undefined ? undefined : pointAt(value, now);
}

/** The range, `now` being when the command started; one that runs backwards is refused. */
export function rangeOf(values: RangeValues, now: number): HistoryRange {
  if (values.since && values.fromSeq) throw new UsageError('give --since or --from-seq, not both');
  const since = point(values.since, now);
  const until = point(values.until, now);
  const { fromSeq, untilSeq } = values;
  if (fromSeq && untilSeq && untilSeq < fromSeq) {
    throw new ConfigError(
      '--until-seq',
      `${untilSeq} comes before --from-seq ${fromSeq}`,
      'give a range that moves forward',
    );
  }
  if (since && until && until < since) {
    throw new ConfigError(
      '--until',
      `${until.toISOString()} comes before --since ${since.toISOString()}`,
      'give a range that moves forward',
    );
  }
  return {
    ...(fromSeq ? { fromSeq } : {}),
    ...(since ? { since } : {}),
    ...(untilSeq ? { untilSeq } : {}),
    ...(until ? { until } : {}),
    ...(values.order ? { orderId: values.order } : {}),
  };
}

/** What `orderflow replay` is asked: the range and how to read it, and where to re-publish it if anywhere. */
export interface ReplayRequest {
  readonly options: ReplayOptions;
  /** A subject outside ORDERS.* to re-publish each message to, instead of printing it. */
  readonly to?: string;
}

export function replayRequest(flags: Flags, env: Env, now = Date.now()): ReplayRequest {
  const values = readOptions('replay', flags, env);
  const options: ReplayOptions = {
    ...rangeOf(values, now),
    ...(values.replaySubject ? { subject: values.replaySubject } : {}),
    pace: values.pace,
  };
  return values.to ? { options, to: values.to } : { options };
}
