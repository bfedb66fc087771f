/**
 * What one entry of the option table (option-table.ts) is, and how its flag and default are
 * named in help, errors and the README.
 */
import type { OptionKind } from './option-kinds';

/**
 * Every command that takes options, as typed after `orderflow`; `global` is the program's own
 * options, which every command takes (the connection settings and the logs).
 */
export const COMMAND_NAMES = [
  'global',
  'dev',
  'init',
  'provision',
  'publish',
  'bridge',
  'worker',
  'plan',
  'status',
  'dlq list',
  'dlq redrive',
  'dlq purge',
  'monitor',
  'dashboard',
  'replay',
  'rerun',
  'pause',
  'resume',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

/**
 * Unit of a number: `ms` (flag ends in -ms, placeholder <ms>), `s` (placeholder <s>), `count`
 * (placeholder <n>) or `seq`, a stream sequence (placeholder <n>).
 */
export type OptionUnit = 'ms' | 's' | 'count' | 'seq';

export interface OptionSpec<T, C extends readonly CommandName[] = readonly CommandName[]> extends OptionKind<T> {
  /** The long flag and its placeholder, as commander takes it: `--max-in-flight <n>`. */
  readonly flag: string;
  /** The environment variable read when the flag is not given: `ORDERFLOW_MAX_IN_FLIGHT`; none when absent. */
  readonly env?: string;
  /** Commands that take the option. */
  readonly commands: C;
  /** Used when neither flag nor environment is set; without one the option is left out. */
  readonly default?: T;
  /** A default of each command's own, where they differ (the health server's port). */
  readonly defaults?: Readonly<Partial<Record<CommandName, T>>>;
  readonly unit?: OptionUnit;
  /** What the option does, one line; per command where they use it differently. */
  readonly help: string | Readonly<Partial<Record<CommandName, string>>>;
  /** The default as help and README show it, when it is not a value of its own. */
  readonly defaultLabel?: string;
  /** README cells where they say other than the help text and the default. */
  readonly readme?: { readonly meaning?: string; readonly default?: string };
  /** Help of the switch's `--no-` form, for a switch that can also be turned off explicitly. */
  readonly negation?: string;
  /** The flag may be given more than once; its schema reads the list of values. */
  readonly repeatable?: boolean;
}

/** An empty record of per-command defaults: the option's default, if any, is the same for all. */
type NoDefaults = Readonly<Record<never, never>>;

/**
 * Keeps each entry's literal types (its commands, whether it has a default, and for which
 * commands) for the derived option types, checks that its defaults are values its schema yields,
 * and that it has help for each of its commands.
 */
export function option<
  T,
  const C extends readonly CommandName[],
  const D extends T | undefined = undefined,
  const P extends Readonly<Partial<Record<C[number], T>>> = NoDefaults,
>(
  spec: OptionSpec<T, C> & {
    readonly default?: D;
    readonly defaults?: P;
    readonly help: string | Readonly<Record<C[number], string>>;
  },
): OptionSpec<T, C> & { readonly default: D; readonly defaults: P } {
  return spec as OptionSpec<T, C> & { readonly default: D; readonly defaults: P };
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

/** The option's default for `command`: its own, else the one all its commands share. */
export function defaultFor<T>(spec: OptionSpec<T>, command: CommandName): T | undefined {
  return spec.defaults?.[command] ?? spec.default;
}

function shown(value: unknown, spec: OptionSpec<unknown>): string {
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'number' || typeof value === 'string') return String(value);
  throw new Error(`option ${flagName(spec)}: a default that is no number, string or list needs a defaultLabel`);
}

/**
 * The option's default as help and README show it, or undefined when it has none. Without a
 * command, per-command defaults are listed: `9464 (bridge), 9465 (worker)`.
 */
export function defaultLabel(spec: OptionSpec<unknown>, command?: CommandName): string | undefined {
  if (spec.defaultLabel !== undefined) return spec.defaultLabel;
  if (command !== undefined) {
    const value = defaultFor(spec, command);
    return value === undefined ? undefined : shown(value, spec);
  }
  const own = Object.entries(spec.defaults ?? {});
  if (own.length) return own.map(([name, value]) => `${shown(value, spec)} (${name})`).join(', ');
  return spec.default === undefined ? undefined : shown(spec.default, spec);
}
