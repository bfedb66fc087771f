/** Validating one setting at the edge: a zod schema's failure becomes a ConfigError that names the setting and the fix. */
import type { z } from 'zod';

import { ConfigError } from '../errors';

/**
 * Parses one setting with a zod schema; a failure becomes a ConfigError naming the setting, the
 * value and the fix, so the CLI can print one line and exit 2.
 */
export function parseSetting<T extends z.ZodType>(
  setting: string,
  schema: T,
  value: unknown,
  fix: string,
): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problem = result.error.issues[0]?.message ?? 'invalid value';
  throw new ConfigError(setting, `${JSON.stringify(value)} is not valid (${problem})`, fix);
}

/** The first of several candidate sources that is set, with the name of where it came from. */
export function firstSet(
  ...candidates: ReadonlyArray<readonly [source: string, value: string | undefined]>
): { source: string; value: string } | undefined {
  for (const [source, value] of candidates) {
    if (value !== undefined && value !== '') return { source, value };
  }
  return undefined;
}
