/**
 * The settings of `orderflow rerun`, read once from its flags (and ORDERFLOW_TASK_QUEUE) and
 * validated here, so the rest of operate/rerun works with typed values: which stage (from the
 * subject), which range of its history, which orders in it, under which incident tag, and whether
 * the functions apply their effects again.
 */
import { z } from 'zod';

import type { StageName } from '../../workflows/names';
import { RERUN_TAG_PATTERN, STAGES, STAGE_NAMES, SUBJECTS } from '../../workflows/names';
import { intFlag } from '../../shared/config/validate';
import { readOption } from '../../shared/config/run-options';
import { OPTIONS } from '../../shared/config/option-table';
import { ConfigError, UsageError } from '../../shared/errors';
import { parsePointInTime } from '../replay/range';
import type { ReplayOptions } from '../replay/replay';

/** Which orders of the range run again. */
export const RERUN_SCOPES = ['failed', 'dead-lettered', 'all'] as const;
export type RerunScope = (typeof RERUN_SCOPES)[number];

/** Messages read from the range at most, by default: 10,000. */
export const DEFAULT_RERUN_LIMIT = 10_000;
/** Runs started at once, by default: 16. */
export const DEFAULT_RERUN_CONCURRENCY = 16;

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

/** The flags as commander parses them. */
export interface RerunFlags {
  readonly since?: string;
  readonly fromSeq?: string;
  readonly until?: string;
  readonly untilSeq?: string;
  readonly subject?: string;
  readonly order?: string;
  readonly only?: string;
  readonly tag?: string;
  readonly reapply?: boolean;
  readonly limit?: string;
  readonly concurrency?: string;
  readonly yes?: boolean;
  readonly taskQueue?: string;
}

const tagSchema = z.string().regex(RERUN_TAG_PATTERN);

function stageOfSubject(subject: string): StageName {
  const stage = STAGE_NAMES.find((name) => STAGES[name].inputSubject === subject);
  if (stage) return stage;
  throw new ConfigError(
    '--subject',
    `no stage reads "${subject}"`,
    `use ${STAGE_NAMES.map((name) => `${STAGES[name].inputSubject} (${name})`).join(' or ')}`,
  );
}

function tagOf(value: string | undefined): string {
  if (value === undefined) throw new ConfigError('--tag', 'missing', 'name the incident, e.g. --tag INC-42');
  if (!tagSchema.safeParse(value).success) {
    throw new ConfigError(
      '--tag',
      `"${value}" is not a tag`,
      'use 1 to 24 letters, digits, _ or -, e.g. INC-42 (it becomes part of workflow IDs and idempotency keys)',
    );
  }
  return value;
}

function scopeOf(value: string | undefined): RerunScope {
  const only = value ?? 'failed';
  if ((RERUN_SCOPES as readonly string[]).includes(only)) return only as RerunScope;
  throw new ConfigError('--only', `"${only}" is not a selection`, `use ${RERUN_SCOPES.join(', ')}`);
}

function rangeOf(flags: RerunFlags, subject: string, now: number): RerunOptions['range'] {
  if (flags.since && flags.fromSeq) throw new UsageError('give --since or --from-seq, not both');
  if (flags.until && flags.untilSeq) throw new UsageError('give --until or --until-seq, not both');
  const seq = (flag: string, value: string): number => intFlag(flag, value, 1, Number.MAX_SAFE_INTEGER);
  const range = {
    subject,
    ...(flags.fromSeq ? { fromSeq: seq('--from-seq', flags.fromSeq) } : {}),
    ...(flags.since ? { since: parsePointInTime('--since', flags.since, now) } : {}),
    ...(flags.untilSeq ? { untilSeq: seq('--until-seq', flags.untilSeq) } : {}),
    ...(flags.until ? { until: parsePointInTime('--until', flags.until, now) } : {}),
    ...(flags.order ? { orderId: flags.order } : {}),
  };
  if (range.fromSeq && range.untilSeq && range.untilSeq < range.fromSeq) {
    throw new ConfigError(
      '--until-seq',
      `${range.untilSeq} comes before --from-seq ${range.fromSeq}`,
      'give a range that moves forward',
    );
  }
  if (range.since && range.until && range.until < range.since) {
    throw new ConfigError(
      '--until',
      `${range.until.toISOString()} comes before --since ${range.since.toISOString()}`,
      'give a range that moves forward',
    );
  }
  return range;
}

export function rerunOptions(
  flags: RerunFlags,
  env: Readonly<Record<string, string | undefined>>,
  now = Date.now(),
): RerunOptions {
  const subject = flags.subject ?? SUBJECTS.received;
  return {
    stage: stageOfSubject(subject),
    range: rangeOf(flags, subject, now),
    only: scopeOf(flags.only),
    tag: tagOf(flags.tag),
    reapply: flags.reapply ?? false,
    limit: flags.limit === undefined ? DEFAULT_RERUN_LIMIT : intFlag('--limit', flags.limit, 1, 1_000_000),
    concurrency:
      flags.concurrency === undefined ? DEFAULT_RERUN_CONCURRENCY : intFlag('--concurrency', flags.concurrency, 1, 256),
    yes: flags.yes ?? false,
    taskQueue: readOption(OPTIONS.taskQueue, { taskQueue: flags.taskQueue }, env),
  };
}
