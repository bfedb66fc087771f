/** Commander flags derived from the option table: each with its help line, env variable and default. */
import type { Command } from 'commander';
import { Option } from 'commander';

import { helpText } from '../shared/config/option-doc';
import type { CommandName, OptionSpec } from '../shared/config/option-table';
import { optionsOf } from '../shared/config/option-table';

/**
 * Adds these options' flags to `command`. No commander default is set: the value is resolved
 * (flag, then environment, then default) when the options are read, and help states the default.
 */
export function addFlags(command: Command, name: CommandName, specs: ReadonlyArray<OptionSpec<unknown>>): Command {
  for (const spec of specs) {
    const option = new Option(spec.flag, helpText(spec, name));
    // A switch (no placeholder) arrives as the string 'true', as its schema reads the variable.
    if (!spec.flag.includes(' ')) option.preset('true');
    command.addOption(option);
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
