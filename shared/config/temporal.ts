/**
 * Temporal connection settings, read the way Temporal's environment configuration reads them
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE,
 * TEMPORAL_CONFIG_FILE and its TOML profiles), with flags on top; when none of them names the
 * address, the Temporal the caller found (a running `orderflow dev`'s), and only then the default.
 *
 * @temporalio/envconfig does the merging (environment over the TOML profile). orderflow reads the
 * file itself first so that its errors can name where a bad value came from, and it is stricter
 * than the SDK in two places: a TEMPORAL_CONFIG_FILE that does not exist is an error (the SDK
 * silently falls back to no file), and empty TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE count as unset.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { ClientConfig, ClientConfigProfile, ClientConnectConfig } from '@temporalio/envconfig';
import { loadClientConfig, loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';

import { ConfigError, messageOf } from '../errors';
import type { FoundServer, ServerChoice } from './option-table-global';
import { GLOBAL_OPTIONS } from './option-table-global';
import type { Env } from './read-options';
import { givenSources, parseValue, sourceName } from './read-options';
import { firstSet } from './validate';

const { temporalAddress, temporalNamespace } = GLOBAL_OPTIONS;

export const DEFAULT_TEMPORAL_ADDRESS = temporalAddress.default;
export const DEFAULT_TEMPORAL_NAMESPACE = temporalNamespace.default;

/** The global flags Temporal settings are read from (option-table-global.ts). */
export type TemporalFlags = {
  temporalAddress?: string;
  temporalNamespace?: string;
};

export interface TemporalSettings {
  /** host:port of the Temporal frontend. Default: 127.0.0.1:7233. */
  readonly address: string;
  /** Default: `default`. */
  readonly namespace: string;
  /** Connection options for @temporalio/client and @temporalio/worker (TLS, API key, metadata). */
  readonly connection: ClientConnectConfig['connectionOptions'];
  /** How the address was chosen; temporalSettings always says. */
  readonly chosenBy?: ServerChoice;
}

/**
 * A Temporal found where no setting names one (a running `orderflow dev`'s), used before the
 * default; its namespace only with its address.
 */
export type FoundTemporal = FoundServer & { readonly address: string; readonly namespace: string };

const DEFAULT_PROFILE = 'default';
const TOML_HELP = 'see "Environment configuration" in the Temporal docs';

/**
 * Where Temporal looks for temporal.toml when TEMPORAL_CONFIG_FILE is unset, as @temporalio/envconfig
 * computes it: <config dir>/temporalio/temporal.toml, the config dir being XDG_CONFIG_HOME (if
 * absolute) or HOME/.config on Linux, HOME/Library/Application Support on macOS, APPDATA on Windows.
 */
function defaultConfigFile(env: NodeJS.ProcessEnv): string | undefined {
  let dir: string | undefined;
  switch (os.platform()) {
    case 'win32':
      dir = env.APPDATA || undefined;
      break;
    case 'darwin':
      dir = env.HOME ? path.join(env.HOME, 'Library', 'Application Support') : undefined;
      break;
    default:
      if (env.XDG_CONFIG_HOME) dir = path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : undefined;
      else dir = env.HOME ? path.join(env.HOME, '.config') : undefined;
  }
  return dir === undefined ? undefined : path.join(dir, 'temporalio', 'temporal.toml');
}

interface ConfigFile {
  /** The path read or looked for; undefined when no location can be worked out (no HOME). */
  readonly path: string | undefined;
  /** True when TEMPORAL_CONFIG_FILE named the file. */
  readonly explicit: boolean;
  /** The file's text; undefined when the default file does not exist. */
  readonly text: string | undefined;
}

function readConfigFile(env: NodeJS.ProcessEnv): ConfigFile {
  const explicit = env.TEMPORAL_CONFIG_FILE || undefined;
  const file = explicit ?? defaultConfigFile(env);
  if (file === undefined) return { path: undefined, explicit: false, text: undefined };
  try {
    return { path: file, explicit: explicit !== undefined, text: fs.readFileSync(file, 'utf8') };
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing && explicit === undefined) return { path: file, explicit: false, text: undefined };
    const defaultFile = defaultConfigFile(env);
    throw new ConfigError(
      explicit !== undefined ? 'TEMPORAL_CONFIG_FILE' : `Temporal config file ${file}`,
      missing
        ? `file ${JSON.stringify(file)} does not exist`
        : `cannot read ${JSON.stringify(file)} (${messageOf(err)})`,
      missing
        ? 'give the path of an existing temporal.toml, create the file, or unset TEMPORAL_CONFIG_FILE' +
            (defaultFile ? ` to use ${defaultFile}` : '')
        : 'make it a readable TOML file',
      { cause: err },
    );
  }
}

/**
 * One line on what is wrong with a config file. The TOML parser's message spans several lines (it
 * quotes the source); the SDK fails with a TypeError on a file that parses but has no profile table.
 */
function tomlProblem(err: unknown): string {
  if (err instanceof TypeError) return 'it has no [profile.<name>] table';
  const { line, column } = err as { line?: unknown; column?: unknown };
  const first = messageOf(err).split('\n')[0] ?? '';
  return typeof line === 'number' && typeof column === 'number' ? `${first} at line ${line}, column ${column}` : first;
}

/** The profiles of the config file, if there is one. */
function configOf(file: ConfigFile, fileSetting: string): ClientConfig {
  if (file.text === undefined) return { profiles: {} };
  try {
    return loadClientConfig({ configSource: { data: file.text } });
  } catch (err) {
    throw new ConfigError(
      fileSetting,
      `${JSON.stringify(file.path)} is not a valid Temporal config file (${tomlProblem(err)})`,
      `fix the TOML (${TOML_HELP})`,
      { cause: err },
    );
  }
}

/** The profile TEMPORAL_PROFILE names (or `default`) in the file; a named one that is not there is an error. */
function fileProfileOf(
  config: ClientConfig,
  file: ConfigFile,
  profileName: string,
  env: Env,
): ClientConfigProfile | undefined {
  if (Object.hasOwn(config.profiles, profileName)) return config.profiles[profileName];
  if (!env.TEMPORAL_PROFILE) return undefined;
  const quoted = JSON.stringify(profileName);
  const unset = `or unset TEMPORAL_PROFILE to use "${DEFAULT_PROFILE}"`;
  if (file.text === undefined) {
    throw new ConfigError(
      'TEMPORAL_PROFILE',
      `profile ${quoted} is asked for, but there is no Temporal config file` +
        (file.path ? ` (looked for ${file.path})` : ' (HOME is not set)'),
      `create the file with a [profile.${profileName}] table, set TEMPORAL_CONFIG_FILE to a file that has one, ` +
        unset,
    );
  }
  const names = Object.keys(config.profiles).map((n) => JSON.stringify(n));
  throw new ConfigError(
    'TEMPORAL_PROFILE',
    `profile ${quoted} is not in ${file.path} (${names.length ? `it has ${names.join(', ')}` : 'it has no profiles'})`,
    `name a profile the file has, add a [profile.${profileName}] table to it, ${unset}`,
  );
}

/**
 * The profile with the TEMPORAL_* variables applied over it, as the SDK merges them. Without a
 * file profile (no file, or no [profile.default] in it) the variables alone make the profile.
 */
function mergedProfile(
  file: ConfigFile,
  fileProfile: ClientConfigProfile | undefined,
  profileName: string,
  env: Env,
  fileSetting: string,
): ClientConfigProfile {
  try {
    return loadClientConfigProfile({
      ...(file.text !== undefined && fileProfile !== undefined
        ? { profile: profileName, configSource: { data: file.text } }
        : { disableFile: true }),
      overrideEnvVars: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    });
  } catch (err) {
    throw new ConfigError(
      fileProfile !== undefined ? fileSetting : 'Temporal configuration',
      messageOf(err),
      `fix the TOML file or the TEMPORAL_* variables (${TOML_HELP})`,
      { cause: err },
    );
  }
}

/** A global option's value: flag, variable, the file profile's field, else the one found, else the table's default. */
function resolved(
  spec: typeof temporalAddress | typeof temporalNamespace,
  flags: TemporalFlags,
  env: Env,
  fromFile: readonly [source: string, value: string | undefined],
  found: readonly [source: string, value: string] | undefined,
): { readonly value: string; readonly chosenBy: ServerChoice } {
  const given = firstSet(...givenSources(spec, flags, env), fromFile);
  const [source, value, chosenBy]: [string, string, ServerChoice] = given
    ? [given.source, given.value, 'settings']
    : found
      ? [found[0], found[1], 'found']
      : [sourceName(spec), spec.default, 'default'];
  return { value: parseValue(spec, source, value), chosenBy };
}

/**
 * Reads and validates the Temporal settings; `found` is the Temporal to use when no setting names
 * an address. Throws ConfigError on the first bad value.
 */
export function temporalSettings(
  flags: TemporalFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  found?: FoundTemporal,
): TemporalSettings {
  const file = readConfigFile(env);
  const fileSetting = file.explicit ? 'TEMPORAL_CONFIG_FILE' : `Temporal config file ${file.path ?? ''}`;
  const profileName = env.TEMPORAL_PROFILE || DEFAULT_PROFILE;
  const fileProfile = fileProfileOf(configOf(file, fileSetting), file, profileName, env);
  const profile = mergedProfile(file, fileProfile, profileName, env, fileSetting);
  const fromFile = (field: 'address' | 'namespace') =>
    [`Temporal config file ${file.path ?? ''} (profile ${profileName}) ${field}`, fileProfile?.[field]] as const;
  const address = resolved(temporalAddress, flags, env, fromFile('address'), found && [found.source, found.address]);
  // The namespace found belongs to the Temporal found: with an address named, the default.
  const foundNamespace = address.chosenBy === 'found' && found ? ([found.source, found.namespace] as const) : undefined;
  const namespace = resolved(temporalNamespace, flags, env, fromFile('namespace'), foundNamespace);
  const { connectionOptions } = toClientOptions({ ...profile, address: address.value });
  return {
    address: address.value,
    namespace: namespace.value,
    connection: connectionOptions,
    chosenBy: address.chosenBy,
  };
}
