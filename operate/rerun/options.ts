/**
 * The settings of `orderflow rerun`, read once from its table options (and ORDERFLOW_TASK_QUEUE;
 * shared/config/option-table-history.ts) and validated there, so the rest of operate/rerun works
 * with typed values: which stage (from the subject), which range of its history, which orders in
 * it, under which incident tag, and whether the functions apply their effects again.
 */
import type { StageName } from '../../workflows/names';
import { STAGES } from '../../workflows/names';
import type { RERUN_SCOPES } from '../../shared/config/option-table-history';
import type { Env, Flags } from '../../shared/config/read-options';
import { readOptions } from '../../shared/config/read-options';
import { ConfigError, UsageError } from '../../shared/errors';
import { rangeOf } from '../replay/range';
import type { ReplayOptions } from '../replay/replay';

/** Which orders of the range run again. */
export type RerunScope = (typeof RERUN_SCOPES)[number];

export interface RerunOptions {
  /** The stage that runs again: the one whose input subject the range reads. */
  readonly stage: StageName;
  /** The range, on the stage's input subject (`subject` is always set). */
  readonly range: ReplayOptions & { readonly subject: string };
  readonly only: RerunScope;
  /** The incident tag (RERUN_TAG_PATTERN): part of each rerun's workflow ID. */
  readonly tag: string;
  /** Functions get keys carrying the tag, so their effects apply again. Default: false. */
  readonly reapply: boolean;
  /** Messages read from the range at most; a range holding more is refused. Default: 10,000. */
  readonly limit: number;
  /** Runs started (and runs described while planning) at once. Default: 16. */
  readonly concurrency: number;
  /** Start without asking. Default: false. */
  readonly yes: boolean;
  /** Temporal task queue of the stage workflows, as the bridge's. Default: orderflow. */
  readonly taskQueue: string;
}

/** The options from rerun's flags (as commander parses them) and `env`, `now` being when it started. */
export function rerunOptions(flags: Flags, env: Env, now = Date.now()): RerunOptions {
  const values = readOptions('rerun', flags, env);
  if (values.tag === undefined) throw new ConfigError('--tag', 'missing', 'name the incident, e.g. --tag INC-42');
  if (values.until && values.untilSeq) throw new UsageError('give --until or --until-seq, not both');
  const stage = values.rerunStage;
  return {
    stage,
    range: { subject: STAGES[stage].inputSubject, ...rangeOf(values, now) },
    only: values.only,
    tag: values.tag,
    reapply: values.reapply ?? false,
    limit: values.limit,
    concurrency: values.concurrency,
    yes: values.yes ?? false,
    taskQueue: values.taskQueue,
  };
}
