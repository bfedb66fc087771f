/**
 * Commander flags derived from the option table (shared/config/option-table.ts): each with its
 * help line, env variable and default, and read back validated.
 */
import type { Command } from 'commander';
import { Option } from 'commander';

import { helpText } from '../shared/config/option-doc';
import type { CommandName, OptionSpec, OptionsFor } from '../shared/config/option-table';
import { optionsOf } from '../shared/config/option-table';
import { readOptions } from '../shared/config/read-options';

/** Collects each value of a flag given more than once. */
const collect = (value: string, previous: readonly string[] = []): string[] => [...previous, value];

/**
 * Adds these options' flags to `command`. No commander default is set: the value is resolved
 * (flag, then environment, then default) when the options are read, and help states the default.
 */
export function addFlags(command: Command, name: CommandName, specs: ReadonlyArray<OptionSpec<unknown>>): Command {
  for (const spec of specs) {
    const option = new Option(spec.flag, helpText(spec, name));
    // A switch (no placeholder) arrives as the string 'true', as its schema reads the variable.
    if (!spec.flag.includes(' ')) option.preset('true');
    if (spec.repeatable) option.argParser(collect);
    command.addOption(option);
    if (spec.negation !== undefined) {
      command.addOption(new Option(spec.flag.replace(/^--/, '--no-'), spec.negation).preset('false'));
    }
  }
  return command;
}

/** Adds the flags of every table option `name` takes. */
export function addOptions(command: Command, name: CommandName): Command {
  return addFlags(
    command,
    name,
    optionsOf(name).map(([, spec]) => spec),
  );
}

/** A subcommand of `parent` (`usage`: its name and arguments, `status [orderId]`) with its table options. */
export function tableCommand(parent: Command, usage: string, name: CommandName): Command {
  return addOptions(parent.command(usage), name);
}

/** The options of `name` from the flags commander parsed, validated, over the environment. */
export function optionsFrom<C extends CommandName>(name: C, flags: Readonly<Record<string, unknown>>): OptionsFor<C> {
  return readOptions(name, flags, process.env);
}
