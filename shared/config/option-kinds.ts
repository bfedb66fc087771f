/**
 * The kinds of value an option takes, as zod schemas from the raw flag or environment string to
 * the typed value. A schema's first issue message is the problem a ConfigError prints; `advice`
 * is what it tells the user to do (an issue may carry its own, as `params.advice`).
 */
import { z } from 'zod';

import type { StageName } from '../../workflows/names';
import { STAGE_NAMES } from '../../workflows/names';

/** What a flag or variable holds before parsing: its text, or each text of a flag given several times. */
export type RawValue = string | readonly string[];

export interface OptionKind<T> {
  /** Parses the raw value; fails with the problem as its first issue's message. */
  readonly schema: z.ZodType<T, RawValue>;
  /** What to do about a value the schema refuses, e.g. "give a number in that range". */
  readonly advice: string;
}

/** A whole number from `min` to `max`, written in decimal digits only (no sign, no exponent). */
export function wholeNumber(min: number, max: number): OptionKind<number> {
  return {
    schema: z
      .string()
      .refine((raw) => /^\d+$/.test(raw.trim()) && Number(raw) >= min && Number(raw) <= max, {
        error: (issue) => `"${String(issue.input)}" is not a whole number from ${min} to ${max}`,
      })
      .transform(Number),
    advice: 'give a number in that range',
  };
}

/** A stream sequence (or a dead letter's ID, its sequence in ORDERS_DLQ): a whole number from 1. */
export function streamSequence(): OptionKind<number> {
  return wholeNumber(1, Number.MAX_SAFE_INTEGER);
}

/** A TCP port, 0 for any free one, or `off` (read as undefined: no server). */
export function portOrOff(): OptionKind<number | undefined> {
  return {
    schema: z
      .string()
      .refine((raw) => raw === 'off' || (/^\d+$/.test(raw.trim()) && Number(raw) <= 65_535), {
        error: (issue) => `"${String(issue.input)}" is not a whole number from 0 to 65535`,
      })
      .transform((raw) => (raw === 'off' ? undefined : Number(raw))),
    advice: 'give a number in that range',
  };
}

/** Any text: a host, a name, an ID, a path whose use says whether it is right. */
export function text(advice: string): OptionKind<string> {
  return { schema: z.string(), advice };
}

/** Each text of a flag given once or more (`--item a --item b`). */
export function texts(advice: string): OptionKind<readonly string[]> {
  return { schema: z.array(z.string()).readonly(), advice };
}

/** One of a few words: `"x" is not a <noun>`. */
export function choice<const V extends string>(values: readonly V[], noun: string, advice: string): OptionKind<V> {
  return {
    schema: z.string().refine((raw): raw is V => (values as readonly string[]).includes(raw), {
      error: (issue) => `"${String(issue.input)}" is not a ${noun}`,
    }),
    advice,
  };
}

/** An http(s) URL, without trailing slashes (a path is joined to it). */
export function httpUrl(advice: string): OptionKind<string> {
  const isHttp = (raw: string): boolean => {
    try {
      return ['http:', 'https:'].includes(new URL(raw).protocol);
    } catch {
      return false;
    }
  };
  return {
    schema: z
      .string()
      .refine(isHttp, { error: (issue) => `"${String(issue.input)}" is not an http(s) URL` })
      .transform((raw) => raw.replace(/\/+$/, '')),
    advice,
  };
}

/** A Temporal task queue name: what Temporal accepts, narrowed to characters safe in logs and URLs. */
export function taskQueueName(): OptionKind<string> {
  return {
    schema: z.string().regex(/^[\w.:-]{1,200}$/, {
      error: (issue) => `"${String(issue.input)}" is not a task queue name`,
    }),
    advice: 'use letters, digits and . _ : -',
  };
}

function isStage(name: string): name is StageName {
  return (STAGE_NAMES as readonly string[]).includes(name);
}

/** A comma-separated list of stage names, e.g. `process,dispatch`. */
export function stageList(): OptionKind<readonly StageName[]> {
  return {
    schema: z
      .string()
      .transform((raw) => raw.split(',').map((s) => s.trim()))
      .refine((names) => names.every(isStage), {
        error: (issue) => `unknown stage(s) ${(issue.input as string[]).filter((s) => !isStage(s)).join(', ')}`,
      })
      // The refinement above has checked every name; zod's refine does not narrow the type.
      .transform((names) => names as StageName[]),
    advice: `use ${STAGE_NAMES.join(', ')}`,
  };
}

/**
 * The path of a JavaScript or TypeScript module (TypeScript is compiled as it loads). Only the
 * extension is checked here: whether the file exists and what it exports is for whoever loads it.
 */
export function moduleFile(): OptionKind<string> {
  return {
    schema: z.string().regex(/\.[cm]?[jt]s$/, {
      error: (issue) => `"${String(issue.input)}" is not a JavaScript or TypeScript module`,
    }),
    advice: 'name a .js, .mjs, .cjs, .ts, .mts or .cts file',
  };
}

/** A build ID, recorded with each stage run: 1 to 128 letters, digits and . _ + - @ / (a scoped package's name@version fits). */
export function buildId(): OptionKind<string> {
  return {
    schema: z.string().regex(/^[A-Za-z0-9._+@/-]{1,128}$/, {
      error: (issue) => `"${String(issue.input)}" is not a build ID`,
    }),
    advice: 'use 1 to 128 letters, digits and . _ + - @ /',
  };
}

/**
 * An on/off switch: the flag alone (commander hands it over as `true`, table-flags.ts) or the
 * variable set to true/false, 1/0, yes/no.
 */
export function onOff(): OptionKind<boolean> {
  const values: Readonly<Record<string, boolean>> = {
    true: true,
    '1': true,
    yes: true,
    false: false,
    '0': false,
    no: false,
  };
  return {
    schema: z
      .string()
      .refine((raw) => raw.trim().toLowerCase() in values, {
        error: (issue) => `"${String(issue.input)}" is neither on nor off`,
      })
      .transform((raw) => values[raw.trim().toLowerCase()] === true),
    advice: 'use true or false',
  };
}
