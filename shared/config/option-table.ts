/**
 * Every option of every command, defined once: its flag, environment variable, value (a zod
 * schema), default, unit, help text and the commands that take it. The CLI flags
 * (cli/table-flags.ts), their help, the README tables (option-doc.ts) and the options' types
 * (OptionsFor: BridgeOptions, WorkerOptions, ...) are all derived from this table. Its entries
 * live in one file per group of commands; the order here is the order of flags in help and of
 * rows in the README.
 */
import type { CommandName, OptionSpec } from './option-spec';
import { GLOBAL_OPTIONS } from './option-table-global';
import { HISTORY_OPTIONS } from './option-table-history';
import { LOCAL_OPTIONS } from './option-table-local';
import { OPERATE_OPTIONS } from './option-table-operate';
import { RUN_OPTIONS } from './option-table-run';

export type { CommandName, OptionSpec } from './option-spec';
export { COMMAND_NAMES, defaultFor, defaultLabel, flagKey, flagName } from './option-spec';

export const OPTIONS = {
  ...GLOBAL_OPTIONS,
  ...LOCAL_OPTIONS,
  ...HISTORY_OPTIONS,
  ...RUN_OPTIONS,
  ...OPERATE_OPTIONS,
};

type Table = typeof OPTIONS;
export type OptionKey = keyof Table;

type UsedBy<C extends CommandName, K extends OptionKey> = C extends Table[K]['commands'][number] ? K : never;
/** An option with a default for every command, or one of `C`'s own. */
type Defaulted<C extends CommandName, K extends OptionKey> = undefined extends Table[K]['default']
  ? C extends keyof Table[K]['defaults']
    ? K
    : never
  : K;
type ValueOf<K extends OptionKey> = Table[K] extends OptionSpec<infer T> ? T : never;

/**
 * The parsed options of one command: a field per option it takes, named as in the table,
 * optional when the option has no default for it. (`keyof Table` is spelled out, not
 * `OptionKey`, so that each field keeps its entry's doc comment.)
 */
export type OptionsFor<C extends CommandName> = {
  readonly [K in keyof Table as UsedBy<C, K> & Defaulted<C, K>]: ValueOf<K>;
} & { readonly [K in keyof Table as Exclude<UsedBy<C, K>, Defaulted<C, K>>]?: ValueOf<K> };

/** The table's entries a command takes, in table order. */
export function optionsOf(command: CommandName): ReadonlyArray<readonly [OptionKey, OptionSpec<unknown>]> {
  return (Object.entries(OPTIONS) as Array<[OptionKey, OptionSpec<unknown>]>).filter(([, spec]) =>
    spec.commands.includes(command),
  );
}
