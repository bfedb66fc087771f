/**
 * The option table as people read it: each flag's help line, and the README's markdown table of a
 * command's options (a unit test checks README.md holds exactly these, so it cannot drift).
 */
import type { CommandName, OptionSpec } from './option-table';
import { defaultLabel, flagName, optionsOf } from './option-table';

/** What the option does for `command`; the shared text when it does the same for all. */
function helpFor(spec: OptionSpec<unknown>, command: CommandName): string {
  const help = typeof spec.help === 'string' ? spec.help : spec.help[command];
  if (help === undefined) throw new Error(`option ${flagName(spec)} has no help for ${command}`);
  return help;
}

/** The help line of a flag: `what it does [env: VARIABLE] (default: value)`. */
export function helpText(spec: OptionSpec<unknown>, command: CommandName): string {
  const shown = defaultLabel(spec);
  return `${helpFor(spec, command)} [env: ${spec.env}]${shown === undefined ? '' : ` (default: ${shown})`}`;
}

function readmeDefault(spec: OptionSpec<unknown>): string {
  if (spec.readme?.default !== undefined) return spec.readme.default;
  const shown = defaultLabel(spec);
  if (shown === undefined) return '';
  // A value one would type is code (`orderflow`); a number or a description is plain text.
  return typeof spec.default === 'string' || Array.isArray(spec.default) ? `\`${shown}\`` : shown;
}

/** Rows of cells, each column padded to its widest cell, as Prettier lays out markdown tables. */
function markdownTable(rows: ReadonlyArray<readonly string[]>): string {
  const cells = rows.map((row) => row.map((cell) => cell.replace(/\|/g, '\\|')));
  const widths = cells[0]?.map((_, i) => Math.max(3, ...cells.map((row) => row[i]?.length ?? 0))) ?? [];
  const line = (row: readonly string[]): string => `| ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const [header, ...body] = cells;
  return [line(header ?? []), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The README's table of `command`'s options: option, env, default, meaning. */
export function readmeTable(command: CommandName): string {
  return markdownTable([
    ['option', 'env', 'default', 'meaning'],
    ...optionsOf(command).map(([, spec]) => [
      `\`${spec.flag}\``,
      `\`${spec.env}\``,
      readmeDefault(spec),
      spec.readme?.meaning ?? helpFor(spec, command),
    ]),
  ]);
}
