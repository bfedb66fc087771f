/**
 * Reading options from the table (option-table.ts): the flag if given, else the environment
 * variable, else the command's default (an empty string counts as not given), each validated
 * with its entry's schema. A value the schema refuses is a ConfigError naming the flag or the
 * variable it came from.
 */
import { ConfigError } from '../errors';
import type { OptionKind, RawValue } from './option-kinds';
import type { CommandName, OptionKey, OptionSpec, OptionsFor } from './option-table';
import { defaultFor, flagKey, flagName, optionsOf } from './option-table';
import { firstSet } from './validate';

/**
 * Flags as commander parses them, keyed as it keys them (`maxInFlight`): text, a switch (`true`,
 * or `false` for its `--no-` form) or the texts of a repeated flag.
 */
export type Flags = Readonly<Record<string, unknown>>;

/** Environment variables. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Parses a value that came from `source` (a flag, a variable, a positional argument). */
export function parseValue<T>(kind: OptionKind<T>, source: string, value: RawValue): T {
  const parsed = kind.schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const own = issue?.code === 'custom' ? (issue.params as { advice?: unknown } | undefined)?.advice : undefined;
  const problem = issue?.message ?? `${JSON.stringify(value)} is not valid`;
  throw new ConfigError(source, problem, typeof own === 'string' ? own : kind.advice);
}

/** How errors name an option when nothing was given for it: its variable, else its flag. */
export function sourceName(spec: OptionSpec<unknown>): string {
  return spec.env ?? flagName(spec);
}

/** The flag's and the variable's value, each named as errors name it, for a caller that has more sources. */
export function givenSources(
  spec: OptionSpec<unknown>,
  flags: Flags,
  env: Env,
): Array<readonly [source: string, value: string | undefined]> {
  const flag = flags[flagKey(spec)];
  const text =
    typeof flag === 'boolean' ? String(flag) : Array.isArray(flag) ? undefined : (flag as string | undefined);
  return [[flagName(spec), text], ...(spec.env ? [[spec.env, env[spec.env]] as const] : [])];
}

function given(spec: OptionSpec<unknown>, flags: Flags, env: Env): { source: string; value: RawValue } | undefined {
  const flag = flags[flagKey(spec)];
  if (Array.isArray(flag)) return flag.length ? { source: flagName(spec), value: flag } : undefined;
  return firstSet(...givenSources(spec, flags, env));
}

/** One option's value for `command`, or undefined when it is not given and has no default. */
export function readOption<T>(
  spec: OptionSpec<T> & { readonly default: T },
  command: CommandName,
  flags: Flags,
  env: Env,
): T;
export function readOption<T>(spec: OptionSpec<T>, command: CommandName, flags: Flags, env: Env): T | undefined;
export function readOption<T>(spec: OptionSpec<T>, command: CommandName, flags: Flags, env: Env): T | undefined {
  const value = given(spec, flags, env);
  return value === undefined ? defaultFor(spec, command) : parseValue(spec, value.source, value.value);
}

/** Every option `command` takes (but those in `except`), typed as the table defines them. */
export function readOptions<C extends CommandName>(command: C, flags: Flags, env: Env): OptionsFor<C>;
export function readOptions<C extends CommandName, X extends OptionKey>(
  command: C,
  flags: Flags,
  env: Env,
  except: readonly X[],
): Omit<OptionsFor<C>, X>;
export function readOptions(
  command: CommandName,
  flags: Flags,
  env: Env,
  except: readonly OptionKey[] = [],
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of optionsOf(command)) {
    if (except.includes(key)) continue;
    const value = readOption(spec, command, flags, env);
    if (value !== undefined) values[key] = value;
  }
  // Each field was read with its own entry's schema: the record has the types the overloads state.
  return values;
}
