/**
 * Options every command shares (the table's `global` ones), and turning them into validated
 * settings: the servers a command connects to, chosen by flag, then variable, then `nats` context
 * or Temporal profile, then a running `orderflow dev`'s file in the data folder, then the default,
 * and said in one line when a server was not named.
 */
import path from 'node:path';

import type { NatsConnection } from '@nats-io/nats-core';
import type { Command } from 'commander';

import type { DevLookup, DevServers } from '../local/dev/servers-file';
import { DEV_SERVERS_FILE, findRunningDev, streamMismatch } from '../local/dev/servers-file';
import type { NatsFlags, NatsSettings } from '../shared/config/nats';
import { natsSettings } from '../shared/config/nats';
import { OPTIONS } from '../shared/config/option-table';
import { givenSources, readOption } from '../shared/config/read-options';
import type { TemporalFlags, TemporalSettings } from '../shared/config/temporal';
import { temporalSettings } from '../shared/config/temporal';
import { firstSet } from '../shared/config/validate';
import type { Logger } from '../shared/log';
import { createLogger } from '../shared/log';
import type { NatsConnectOptions } from '../shared/nats/connect';
import { connectNats, jetStreamManagerFor } from '../shared/nats/connect';
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

/** One line about the servers a command chose: on stderr, or in the log of a long-running command. */
export interface Notice {
  readonly level: 'info' | 'warn';
  readonly text: string;
}
export type Say = (notice: Notice) => void;

/** `orderflow: ...` on stderr: stdout stays the command's output (its --json). */
export const toStderr: Say = ({ level, text }) =>
  void process.stderr.write(`orderflow: ${level === 'warn' ? 'warning: ' : ''}${text}\n`);

/** As log lines, for the bridge, the worker and the dashboard. */
export const toLog =
  (logger: Logger): Say =>
  ({ level, text }) =>
    logger[level](text);

/** The data folder of `orderflow dev` as the other commands look for it: ORDERFLOW_DATA_DIR, else ./.data. */
function devFolder(env: NodeJS.ProcessEnv): { readonly shown: string; readonly dir: string } {
  const shown = readOption(OPTIONS.dataDir, 'dev', {}, env);
  return { shown, dir: path.resolve(shown) };
}

/** The orderflow dev running in the data folder, or why there is none. */
function lookUpDev(env: NodeJS.ProcessEnv): DevLookup & { readonly shown: string } {
  const { shown, dir } = devFolder(env);
  return { ...findRunningDev(dir, shown), shown };
}

/**
 * Whether the command would use the NATS of an orderflow dev running in the data folder: one
 * runs there, and no flag, variable or `nats` context names a NATS server.
 */
export function usesDevNats(command: Command, env = process.env): boolean {
  return lookUpDev(env).running && natsSettings(globalFlags(command), env).chosenBy !== 'settings';
}

/** The NATS a command connects to, chosen and said by serversFrom. */
export interface NatsServers {
  readonly nats: NatsSettings;
  /** The running dev whose servers were used, when one was. */
  readonly dev?: DevServers;
  /**
   * Connects to NATS; when a running dev's file chose it, also says when the ORDERS stream there
   * is not the one that dev provisioned.
   */
  readonly connectNats: (options: NatsConnectOptions) => Promise<NatsConnection>;
}

/** NATS and Temporal, chosen and said by serversFrom. */
export interface AllServers extends NatsServers {
  readonly temporal: TemporalSettings;
}

type Chosen = readonly [what: string, where: string, by: NatsSettings['chosenBy']];

/** What names each server, as the default's notice lists them. */
const NAMERS: Readonly<Record<string, string>> = {
  NATS: '--nats-url, NATS_URL, a nats context',
  Temporal: '--temporal-address, TEMPORAL_ADDRESS, a Temporal profile',
};

/** One line for the servers dev's file chose, or one for those left to the default; nothing when all were named. */
function sayChoice(say: Say, lookup: DevLookup & { shown: string }, chosen: readonly Chosen[]): void {
  const by = (choice: Chosen[2]) => chosen.filter(([, , b]) => b === choice);
  const listed = (servers: readonly Chosen[]) => servers.map(([what, where]) => `${what} ${where}`).join(', ');
  const found = by('found');
  if (found.length) say({ level: 'info', text: `using orderflow dev's servers (${lookup.shown}): ${listed(found)}` });
  const defaults = by('default');
  if (defaults.length === 0 || lookup.running) return;
  const them = defaults.length > 1 ? ['defaults', 'them'] : ['default', 'it'];
  const namers = defaults.map(([what]) => NAMERS[what]).join('; ');
  say({
    level: 'info',
    text: `using the ${them[0]} ${listed(defaults)}: nothing names ${them[1]} (${namers}) and ${lookup.why}`,
  });
}

/**
 * The servers a command uses (`uses`: NATS alone, or NATS and Temporal): each as its flag, its
 * variable, a `nats` context or Temporal profile names it; else the running orderflow dev's in
 * the data folder; else the default. A server not named is said in one line (`say`).
 */
export function serversFrom(command: Command, uses: 'nats', say?: Say): NatsServers;
export function serversFrom(command: Command, uses: 'nats+temporal', say?: Say): AllServers;
export function serversFrom(
  command: Command,
  uses: 'nats' | 'nats+temporal',
  say: Say = toStderr,
  env = process.env,
): NatsServers | AllServers {
  const flags = globalFlags(command);
  const lookup = lookUpDev(env);
  const dev = lookup.running ? lookup.servers : undefined;
  const source = `orderflow dev's ${path.join(lookup.shown, DEV_SERVERS_FILE)}`;
  const nats = natsSettings(flags, env, dev && { source, servers: dev.nats.servers });
  const temporal =
    uses === 'nats+temporal'
      ? temporalSettings(
          flags,
          env,
          dev && { source, address: dev.temporal.address, namespace: dev.temporal.namespace },
        )
      : undefined;
  const namespace = temporal && temporal.namespace !== 'default' ? ` namespace ${temporal.namespace}` : '';
  sayChoice(say, lookup, [
    ['NATS', nats.servers.join(','), nats.chosenBy],
    ...(temporal ? [['Temporal', `${temporal.address}${namespace}`, temporal.chosenBy] as const] : []),
  ]);
  const usedDev = dev && (nats.chosenBy === 'found' || temporal?.chosenBy === 'found') ? dev : undefined;
  const connect = async (options: NatsConnectOptions): Promise<NatsConnection> => {
    const nc = await connectNats(nats, options);
    if (dev && nats.chosenBy === 'found') {
      // A heads-up only: a check that cannot be made leaves the command to report what fails.
      const at = nats.servers.join(',');
      const why = await jetStreamManagerFor(nc)
        .then((jsm) => streamMismatch(jsm, at, dev, lookup.shown))
        .catch(() => undefined);
      if (why) say({ level: 'warn', text: why });
    }
    return nc;
  };
  return { nats, ...(temporal ? { temporal } : {}), ...(usedDev ? { dev: usedDev } : {}), connectNats: connect };
}

export function loggerFrom(command: Command, env = process.env): Logger {
  const flags = globalFlags(command);
  const level = readOption(OPTIONS.logLevel, 'global', flags, env);
  const format = readOption(OPTIONS.logFormat, 'global', flags, env);
  return createLogger({ level, ...(format ? { format } : {}) });
}
