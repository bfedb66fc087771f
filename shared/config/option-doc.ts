/**
 * The option table as people read it: each flag's help line, and the README's markdown table of a
 * command's options. In README.md each table follows a marker naming its commands
 * (`<!-- options: provision -->`, then a blank line); a unit test checks every marked table is the one rendered
 * here, and that every command's options have one, so they cannot drift.
 */
import type { CommandName, OptionSpec } from './option-table';
import { COMMAND_NAMES, defaultLabel, flagName, optionsOf } from './option-table';

/** What the option does for `command`; the shared text when it does the same for all. */
function helpFor(spec: OptionSpec<unknown>, command: CommandName): string {
  const help = typeof spec.help === 'string' ? spec.help : spec.help[command];
  if (help === undefined) throw new Error(`option ${flagName(spec)} has no help for ${command}`);
  return help;
}

/** The help line of a flag: `what it does [env: VARIABLE] (default: value)`. */
export function helpText(spec: OptionSpec<unknown>, command: CommandName): string {
  const shown = defaultLabel(spec, command);
  const env = spec.env === undefined ? '' : ` [env: ${spec.env}]`;
  return `${helpFor(spec, command)}${env}${shown === undefined ? '' : ` (default: ${shown})`}`;
}

function readmeDefault(spec: OptionSpec<unknown>, command: CommandName): string {
  if (spec.readme?.default !== undefined) return spec.readme.default;
  const shown = defaultLabel(spec, command);
  if (shown === undefined) return '';
  // A value one would type is code (`orderflow`); a number or a description is plain text.
  const value = spec.defaultLabel === undefined ? (spec.defaults?.[command] ?? spec.default) : undefined;
  return typeof value === 'string' || Array.isArray(value) ? `\`${shown}\`` : shown;
}

/** The flag as the README shows it: `--max-in-flight <n>`, `--[no-]search-attributes`. */
function readmeFlag(spec: OptionSpec<unknown>): string {
  return `\`${spec.negation === undefined ? spec.flag : spec.flag.replace(/^--/, '--[no-]')}\``;
}

/** Rows of cells, each column padded to its widest cell, as Prettier lays out markdown tables. */
function markdownTable(rows: ReadonlyArray<readonly string[]>): string {
  const cells = rows.map((row) => row.map((cell) => cell.replace(/\|/g, '\\|')));
  const widths = cells[0]?.map((_, i) => Math.max(3, ...cells.map((row) => row[i]?.length ?? 0))) ?? [];
  const line = (row: readonly string[]): string => `| ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [header, ...body] = cells;
  return [line(header ?? []), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The rows without the columns that are empty in every row (no option has an env, or a default). */
function withoutEmptyColumns(rows: ReadonlyArray<readonly string[]>): string[][] {
  const [header = [], ...body] = rows;
  const kept = header.map((_, i) => body.some((row) => (row[i] ?? '') !== ''));
  return rows.map((row) => row.filter((_, i) => kept[i]));
}

/**
 * The README's table of the options of `commands`: option, env, default, meaning (with a
 * command column first when it covers several, as `dlq`'s subcommands).
 */
export function readmeTable(...commands: readonly CommandName[]): string {
  const several = commands.length > 1;
  const rows = commands.flatMap((command) =>
    optionsOf(command).map(([, spec]) => [
      ...(several ? [`\`${command}\``] : []),
      readmeFlag(spec),
      spec.env === undefined ? '' : `\`${spec.env}\``,
      readmeDefault(spec, command),
      spec.readme?.meaning ?? helpFor(spec, command),
    ]),
  );
  return markdownTable(
    withoutEmptyColumns([[...(several ? ['command'] : []), 'option', 'env', 'default', 'meaning'], ...rows]),
  );
}

/** A marker, the blank line Prettier keeps after it, and the table's lines. */
const MARKED_TABLE = /^<!-- options: ([^>]+?) -->\n\n(?:\|.*\n)*/gm;

/** The commands of each marked table in `readme`, in order. */
export function markedTables(readme: string): CommandName[][] {
  return [...readme.matchAll(MARKED_TABLE)].map((m) => commandsOf(m[1] ?? ''));
}

function commandsOf(marker: string): CommandName[] {
  return marker.split(',').map((name) => {
    const command = COMMAND_NAMES.find((known) => known === name.trim());
    if (command === undefined) throw new Error(`README marks options of an unknown command "${name.trim()}"`);
    return command;
  });
}

/** `readme` with every marked table rendered anew from the option table. */
export function withReadmeTables(readme: string): string {
  return readme.replace(
    MARKED_TABLE,
    (_, marker: string) => `<!-- options: ${marker} -->\n\n${readmeTable(...commandsOf(marker))}\n`,
  );
}
