/** Options every command shares, and turning them into validated settings. */
import type { Command } from 'commander';
import { Option } from 'commander';

import type { NatsFlags, NatsSettings } from '../shared/config/nats';
import { natsSettings } from '../shared/config/nats';
import type { TemporalFlags, TemporalSettings } from '../shared/config/temporal';
import { temporalSettings } from '../shared/config/temporal';
import { ConfigError } from '../shared/errors';
import type { LogLevel, Logger } from '../shared/log';
import { createLogger } from '../shared/log';

export interface GlobalFlags extends NatsFlags, TemporalFlags {
  logLevel?: string;
  logFormat?: string;
}

export function addGlobalOptions(program: Command): Command {
  return program
    .addOption(
      new Option(
        '--nats-url <urls>',
        'NATS server(s), comma-separated [env: NATS_URL] (default: nats://127.0.0.1:4222)',
      ),
    )
    .addOption(new Option('--nats-creds <file>', 'NATS credentials file [env: NATS_CREDS]'))
    .addOption(new Option('--nats-context <name>', 'a `nats` CLI context to connect with [env: NATS_CONTEXT]'))
    .addOption(
      new Option(
        '--temporal-address <host:port>',
        'Temporal frontend [env: TEMPORAL_ADDRESS] (default: 127.0.0.1:7233)',
      ),
    )
    .addOption(
      new Option('--temporal-namespace <name>', 'Temporal namespace [env: TEMPORAL_NAMESPACE] (default: default)'),
    )
    .addOption(
      new Option('--log-level <level>', 'debug, info, warn or error [env: ORDERFLOW_LOG_LEVEL] (default: info)'),
    )
    .addOption(
      new Option('--log-format <format>', 'json or pretty [env: ORDERFLOW_LOG_FORMAT] (default: pretty on a terminal)'),
    );
}

/** The flags of the root program, wherever the command sits. */
export function globalFlags(command: Command): GlobalFlags {
  return command.optsWithGlobals<GlobalFlags>();
}

export function natsFrom(command: Command, env = process.env): NatsSettings {
  return natsSettings(globalFlags(command), env);
}

export function temporalFrom(command: Command, env = process.env): TemporalSettings {
  return temporalSettings(globalFlags(command), env);
}

const levels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export { intFlag } from '../shared/config/validate';

export function loggerFrom(command: Command, env = process.env): Logger {
  const flags = globalFlags(command);
  const level = flags.logLevel ?? env.ORDERFLOW_LOG_LEVEL ?? 'info';
  if (!levels.includes(level as LogLevel)) {
    throw new ConfigError(
      flags.logLevel ? '--log-level' : 'ORDERFLOW_LOG_LEVEL',
      `"${level}" is not a log level`,
      `use one of ${levels.join(', ')}`,
    );
  }
  const format = flags.logFormat ?? env.ORDERFLOW_LOG_FORMAT;
  if (format !== undefined && format !== 'json' && format !== 'pretty') {
    throw new ConfigError(
      flags.logFormat ? '--log-format' : 'ORDERFLOW_LOG_FORMAT',
      `"${format}" is not a log format`,
      'use json or pretty',
    );
  }
  return createLogger({ level: level as LogLevel, ...(format ? { format } : {}) });
}
