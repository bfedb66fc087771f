/**
 * What one entry of the option table (option-table.ts) is, and how its flag and default are
 * named in help, errors and the README.
 */
import type { OptionKind } from './option-kinds';

export type CommandName = 'bridge' | 'worker' | 'dev';

export interface OptionSpec<T, C extends readonly CommandName[] = readonly CommandName[]> extends OptionKind<T> {
  /** The long flag and its placeholder, as commander takes it: `--max-in-flight <n>`. */
  readonly flag: string;
  /** The environment variable read when the flag is not given: `ORDERFLOW_MAX_IN_FLIGHT`. */
  readonly env: string;
  /** Commands that take the option. */
  readonly commands: C;
  /** Used when neither flag nor environment is set; without one the option is left out. */
  readonly default?: T;
  /** Unit of a number: `ms` (flag ends in -ms, placeholder <ms>) or `count` (placeholder <n>). */
  readonly unit?: 'ms' | 'count';
  /** What the option does, one line; per command where they use it differently. */
  readonly help: string | Readonly<Partial<Record<CommandName, string>>>;
  /** The default as help and README show it, when it is not a value of its own. */
  readonly defaultLabel?: string;
  /** README cells where they say other than the help text and the default. */
  readonly readme?: { readonly meaning?: string; readonly default?: string };
}

/** The flag without its placeholder, as errors name it: `--max-in-flight`. */
export function flagName(spec: OptionSpec<unknown>): string {
  return spec.flag.split(' ')[0] ?? spec.flag;
}

/** The key commander stores the flag's value under: `--max-in-flight <n>` -> `maxInFlight`. */
export function flagKey(spec: OptionSpec<unknown>): string {
  return flagName(spec)
    .replace(/^--/, '')
    .replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The option's default as help and README show it, or undefined when it has none. */
export function defaultLabel(spec: OptionSpec<unknown>): string | undefined {
  if (spec.defaultLabel !== undefined) return spec.defaultLabel;
  const value = spec.default;
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  throw new Error(`option ${flagName(spec)}: a default that is no number, string or list needs a defaultLabel`);
}
