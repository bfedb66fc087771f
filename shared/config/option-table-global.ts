/**
 * The options every command takes: where NATS and Temporal are, and how to log. The NATS and
 * Temporal ones are read by nats.ts and temporal.ts: the flag, its variable, a `nats` context or a
 * Temporal profile, then (for every command but dev) the servers of an `orderflow dev` running in
 * the data folder, then the default; the log ones as any other option.
 */
import { hostPort, namespaceName, natsServers } from './connection-kinds';
import { choice, text } from './option-kinds';
import { option } from './option-spec';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/**
 * How a server was chosen: named by the settings (a flag, its variable, a `nats` context or a
 * Temporal profile, in that order), found where none names one (the file of an `orderflow dev`
 * running in the data folder), or else the default.
 */
export type ServerChoice = 'settings' | 'found' | 'default';

/** A server found where no setting names one; `source` names where, in errors and notices. */
export interface FoundServer {
  readonly source: string;
}

/* The order of the entries is the order of the flags in help and of the rows in the README. */
export const GLOBAL_OPTIONS = {
  /**
   * NATS servers to try, in order (over a `nats` context's url, which is over a running
   * `orderflow dev`'s servers). Default: nats://127.0.0.1:4222.
   */
  natsUrl: option({
    flag: '--nats-url <urls>',
    env: 'NATS_URL',
    commands: ['global'],
    ...natsServers(),
    default: ['nats://127.0.0.1:4222'],
    help: "NATS server(s), comma-separated; when unset, a nats context's url, else a running orderflow dev's",
    readme: {
      meaning:
        "NATS server(s), comma-separated; when unset, a `nats` context's url, else a running [`orderflow dev`](#orderflow-dev)'s",
    },
  }),
  /** Path of a `.creds` file (JWT + nkey seed), over a `nats` context's creds. Default: none. */
  natsCreds: option({
    flag: '--nats-creds <file>',
    env: 'NATS_CREDS',
    commands: ['global'],
    ...text('give the path of a readable file'),
    help: 'NATS credentials file (JWT + nkey)',
  }),
  /** The `nats` CLI context to connect with. Default: the `nats` CLI's selected context. */
  natsContext: option({
    flag: '--nats-context <name>',
    env: 'NATS_CONTEXT',
    commands: ['global'],
    ...text('name an existing context (`nats context ls`)'),
    help: 'a `nats` CLI context to connect with',
    defaultLabel: "the `nats` CLI's selected context",
    readme: {
      meaning:
        'a `nats` CLI context (`~/.config/nats/context/<name>.json`); the `NATS_*` variables override its values',
    },
  }),
  /**
   * host:port of the Temporal frontend (over a Temporal profile's address, which is over a running
   * `orderflow dev`'s Temporal). Default: 127.0.0.1:7233.
   */
  temporalAddress: option({
    flag: '--temporal-address <host:port>',
    env: 'TEMPORAL_ADDRESS',
    commands: ['global'],
    ...hostPort(),
    default: '127.0.0.1:7233',
    help: "Temporal frontend; when unset, a Temporal profile's address, else a running orderflow dev's",
    readme: {
      meaning:
        "Temporal frontend; when unset, a Temporal profile's address, else a running [`orderflow dev`](#orderflow-dev)'s",
    },
  }),
  /** Temporal namespace (over a Temporal profile's namespace; with a running dev's address, its namespace). Default: default. */
  temporalNamespace: option({
    flag: '--temporal-namespace <name>',
    env: 'TEMPORAL_NAMESPACE',
    commands: ['global'],
    ...namespaceName(),
    default: 'default',
    help: 'Temporal namespace',
  }),
  /** The least severe log line written. Default: info. */
  logLevel: option({
    flag: '--log-level <level>',
    env: 'ORDERFLOW_LOG_LEVEL',
    commands: ['global'],
    ...choice(LOG_LEVELS, 'log level', `use one of ${LOG_LEVELS.join(', ')}`),
    default: 'info',
    help: 'debug, info, warn or error',
  }),
  /** One JSON object per line, or readable lines. Default: pretty on a terminal, else json. */
  logFormat: option({
    flag: '--log-format <format>',
    env: 'ORDERFLOW_LOG_FORMAT',
    commands: ['global'],
    ...choice(['json', 'pretty'], 'log format', 'use json or pretty'),
    help: 'json or pretty',
    defaultLabel: 'pretty on a terminal, else json',
    readme: { default: '`pretty` on a terminal, else `json`' },
  }),
};
