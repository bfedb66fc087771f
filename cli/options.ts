/** Options every command shares (the table's `global` ones), and turning them into validated settings. */
import type { Command } from 'commander';

import type { NatsFlags, NatsSettings } from '../shared/config/nats';
import { natsSettings } from '../shared/config/nats';
import { OPTIONS } from '../shared/config/option-table';
import { givenSources, readOption } from '../shared/config/read-options';
import type { TemporalFlags, TemporalSettings } from '../shared/config/temporal';
import { temporalSettings } from '../shared/config/temporal';
import { firstSet } from '../shared/config/validate';
import type { Logger } from '../shared/log';
import { createLogger } from '../shared/log';
import { addOptions } from './table-flags';

export type GlobalFlags = NatsFlags & TemporalFlags & { logLevel?: string; logFormat?: string };

export function addGlobalOptions(program: Command): Command {
  return addOptions(program, 'global');
}

/** The flags of the root program, wherever the command sits. */
export function globalFlags(command: Command): GlobalFlags {
  return command.optsWithGlobals<GlobalFlags>();
}

/** Whether a global connection option is set, by flag or variable (not by a context or profile). */
export function globalGiven(
  command: Command,
  key: 'natsUrl' | 'natsContext' | 'temporalAddress',
  env = process.env,
): boolean {
  return firstSet(...givenSources(OPTIONS[key], globalFlags(command), env)) !== undefined;
}

export function natsFrom(command: Command, env = process.env): NatsSettings {
  return natsSettings(globalFlags(command), env);
}

export function temporalFrom(command: Command, env = process.env): TemporalSettings {
  return temporalSettings(globalFlags(command), env);
}

export function loggerFrom(command: Command, env = process.env): Logger {
  const flags = globalFlags(command);
  const level = readOption(OPTIONS.logLevel, 'global', flags, env);
  const format = readOption(OPTIONS.logFormat, 'global', flags, env);
  return createLogger({ level, ...(format ? { format } : {}) });
}
