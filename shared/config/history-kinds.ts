/**
 * The kinds of value `replay` and `rerun` take to name a part of the ORDERS history: points in
 * time, subjects, the stage a rerun runs again and its incident tag (option-kinds.ts says how a
 * kind is read).
 */
import { z } from 'zod';

import type { StageName } from '../../workflows/names';
import { RERUN_TAG_PATTERN, STAGES, STAGE_NAMES } from '../../workflows/names';
import type { OptionKind } from './option-kinds';

/** A point in the stream's history: that long before now, in ms, or a time. */
export type PointInTime = { readonly agoMs: number } | { readonly at: Date };

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function readPoint(raw: string): PointInTime | undefined {
  const duration = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(raw.trim());
  if (duration) return { agoMs: Number(duration[1]) * (UNITS[duration[2] ?? ''] ?? 0) };
  const time = Date.parse(raw);
  if (/^\d{4}-\d{2}-\d{2}/.test(raw) && !Number.isNaN(time)) return { at: new Date(time) };
  return undefined;
}

/** The time a point names, `now` being when the command started. */
export function pointAt(point: PointInTime, now: number): Date {
  return 'at' in point ? point.at : new Date(now - point.agoMs);
}

/** "<n><unit>" (that long ago: 10m, 2h, 1d) or an ISO 8601 date-time. */
export function pointInTime(): OptionKind<PointInTime> {
  return {
    schema: z.string().transform((raw, ctx) => {
      const point = readPoint(raw);
      if (point) return point;
      ctx.issues.push({ code: 'custom', input: raw, message: `"${raw}" is neither a duration nor a time` });
      return z.NEVER;
    }),
    advice: 'use a duration such as 10m, 2h, 1d, or an ISO 8601 time such as 2026-11-25T10:00:00Z',
  };
}

/** A deadline: that long from now, in ms, or a time (`orderflow pause --until`). */
export type Deadline = { readonly inMs: number } | { readonly at: Date };

/** The time a deadline names, `now` being when the command started. */
export function deadlineAt(deadline: Deadline, now: number): Date {
  return 'at' in deadline ? deadline.at : new Date(now + deadline.inMs);
}

/** "<n><unit>" (that long from now: 30m, 2h, 1d) or an ISO 8601 date-time; written as pointInTime is. */
export function deadline(): OptionKind<Deadline> {
  return {
    schema: z.string().transform((raw, ctx) => {
      const point = readPoint(raw);
      if (point) return 'at' in point ? point : { inMs: point.agoMs };
      ctx.issues.push({ code: 'custom', input: raw, message: `"${raw}" is neither a duration nor a time` });
      return z.NEVER;
    }),
    advice: 'use a duration from now such as 30m, 2h, 1d, or an ISO 8601 time such as 2026-11-25T10:00:00Z',
  };
}

/** One subject of the ORDERS stream, without wildcards: `ORDERS.received`. */
export function ordersSubject(): OptionKind<string> {
  return {
    schema: z.string().regex(/^ORDERS\.[^.*>\s]+$/, {
      error: (issue) => `"${String(issue.input)}" is not a subject of the ORDERS stream`,
    }),
    advice: 'use ORDERS.received, ORDERS.processed or ORDERS.completed',
  };
}

/** A plain subject outside ORDERS.*, where re-published messages cannot feed the stream again. */
export function subjectOutsideOrders(): OptionKind<string> {
  return {
    schema: z.string().refine((raw) => !/^ORDERS\./.test(raw) && !/[*>\s]/.test(raw), {
      error: (issue) => `"${String(issue.input)}" would feed the ORDERS stream again or is not a plain subject`,
    }),
    advice: 'use a subject outside ORDERS.*, e.g. monitor.ORDERS.replay',
  };
}

/** The stage whose input subject is given: `ORDERS.processed` -> dispatch. */
export function stageBySubject(): OptionKind<StageName> {
  return {
    schema: z.string().transform((raw, ctx) => {
      const stage = STAGE_NAMES.find((name) => STAGES[name].inputSubject === raw);
      if (stage) return stage;
      ctx.issues.push({ code: 'custom', input: raw, message: `no stage reads "${raw}"` });
      return z.NEVER;
    }),
    advice: `use ${STAGE_NAMES.map((name) => `${STAGES[name].inputSubject} (${name})`).join(' or ')}`,
  };
}

/** A rerun's incident tag (RERUN_TAG_PATTERN): part of each rerun's workflow ID. */
export function rerunTag(): OptionKind<string> {
  return {
    schema: z.string().regex(RERUN_TAG_PATTERN, { error: (issue) => `"${String(issue.input)}" is not a tag` }),
    advice: 'use 1 to 24 letters, digits, _ or -, e.g. INC-42 (it becomes part of workflow IDs and idempotency keys)',
  };
}
