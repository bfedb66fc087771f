/**
 * NATS connection settings, read the way the `nats` CLI reads them: flags, then environment
 * (NATS_URL, NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_CREDS, NATS_NKEY, NATS_CERT, NATS_KEY,
 * NATS_CA), then a `nats` CLI context (NATS_CONTEXT, or the context the CLI has selected); when
 * none of them names the servers, those the caller found (a running `orderflow dev`'s), and only
 * then the default.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { z } from 'zod';

import { ConfigError } from '../errors';
import type { FoundServer, ServerChoice } from './option-table-global';
import { GLOBAL_OPTIONS } from './option-table-global';
import type { Env, Flags } from './read-options';
import { givenSources, parseValue, sourceName } from './read-options';
import { firstSet, parseSetting } from './validate';

const { natsUrl, natsCreds, natsContext } = GLOBAL_OPTIONS;

export const DEFAULT_NATS_URL = natsUrl.default.join(',');

/** The global flags NATS settings are read from (option-table-global.ts). */
export type NatsFlags = {
  natsUrl?: string;
  natsCreds?: string;
  natsContext?: string;
};

export interface NatsSettings {
  /** Servers to try, in order. Default: nats://127.0.0.1:4222. */
  readonly servers: readonly string[];
  readonly user?: string;
  readonly password?: string;
  readonly token?: string;
  /** Path of a `.creds` file (JWT + nkey seed). */
  readonly credsFile?: string;
  /** Path of a file holding an nkey seed. */
  readonly nkeySeedFile?: string;
  readonly tls?: { readonly certFile?: string; readonly keyFile?: string; readonly caFile?: string };
  /** The `nats` CLI context these settings came from, if any. */
  readonly context?: string;
  /** How the servers were chosen; natsSettings always says. */
  readonly chosenBy?: ServerChoice;
}

/** Servers found where no setting names one (a running `orderflow dev`'s), used before the default. */
export type FoundNats = FoundServer & { readonly servers: readonly string[] };
const contextFile = z
  .object({
    url: z.string().optional(),
    user: z.string().optional(),
    password: z.string().optional(),
    token: z.string().optional(),
    creds: z.string().optional(),
    nkey: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
    ca: z.string().optional(),
  })
  .passthrough();

type NatsContext = z.infer<typeof contextFile>;

/** The context's fields that a NATS_* variable overrides. */
type ContextField = 'user' | 'password' | 'token' | 'nkey' | 'cert' | 'key' | 'ca';

function contextDir(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config'), 'nats');
}

function selectedContext(env: NodeJS.ProcessEnv): string | undefined {
  try {
    return fs.readFileSync(path.join(contextDir(env), 'context.txt'), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function loadContext(name: string, setting: string, env: NodeJS.ProcessEnv): NatsContext {
  const file = path.join(contextDir(env), 'context', `${name}.json`);
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(
      setting,
      `nats context "${name}" does not exist (looked for ${file})`,
      'create it with `nats context add` or name an existing one (`nats context ls`)',
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ConfigError(setting, `${file} is not valid JSON`, 'fix or recreate the context', { cause: err });
  }
  return parseSetting(setting, contextFile, json, `fix ${file} or recreate it with \`nats context add\``);
}

function readableFile(setting: string, file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  const resolved = file.startsWith('~/') ? path.join(os.homedir(), file.slice(2)) : file;
  try {
    fs.accessSync(resolved, fs.constants.R_OK);
  } catch {
    throw new ConfigError(
      setting,
      `file ${JSON.stringify(file)} does not exist or is not readable`,
      'give the path of a readable file',
    );
  }
  return resolved;
}

/** The `nats` CLI context in use: named by flag or NATS_CONTEXT, else the one the CLI has selected. */
interface ContextInUse {
  readonly name: string | undefined;
  readonly values: NatsContext;
  /** How errors name a value that came from it: `nats context "dev" url`. */
  readonly source: (field: string) => string;
}

function contextInUse(flags: Flags, env: NodeJS.ProcessEnv): ContextInUse {
  const choice = firstSet(...givenSources(natsContext, flags, env));
  const name = choice?.value ?? selectedContext(env);
  const values = name ? loadContext(name, choice?.source ?? 'nats context', env) : {};
  return { name, values, source: (field) => `nats context "${name ?? ''}" ${field}` };
}

/** The servers: flag, NATS_URL, the context's url, else those found, else the default. */
function serversOf(flags: Flags, env: Env, context: ContextInUse, found: FoundNats | undefined) {
  const urls = firstSet(...givenSources(natsUrl, flags, env), [context.source('url'), context.values.url]);
  const [source, value, chosenBy]: [string, string, ServerChoice] = urls
    ? [urls.source, urls.value, 'settings']
    : found
      ? [found.source, found.servers.join(','), 'found']
      : [sourceName(natsUrl), DEFAULT_NATS_URL, 'default'];
  return { servers: parseValue(natsUrl, source, value), chosenBy };
}

/** A setting from its variable, else the context's field. */
function fromEnvOrContext(env: Env, variable: string, context: ContextInUse, field: ContextField) {
  return firstSet([variable, env[variable]], [context.source(field), context.values[field]]);
}

type Credentials = Pick<NatsSettings, 'user' | 'password' | 'token' | 'credsFile' | 'nkeySeedFile'>;

function credentialsOf(flags: Flags, env: Env, context: ContextInUse): Credentials {
  const creds = firstSet(...givenSources(natsCreds, flags, env), [context.source('creds'), context.values.creds]);
  const nkey = fromEnvOrContext(env, 'NATS_NKEY', context, 'nkey');
  const user = fromEnvOrContext(env, 'NATS_USER', context, 'user');
  const password = fromEnvOrContext(env, 'NATS_PASSWORD', context, 'password');
  const token = fromEnvOrContext(env, 'NATS_TOKEN', context, 'token');
  if (password && !user) {
    throw new ConfigError(
      password.source,
      'a password is set without a user',
      'set NATS_USER too, or unset the password',
    );
  }
  return {
    user: user?.value,
    password: password?.value,
    token: token?.value,
    credsFile: readableFile(creds?.source ?? '', creds?.value),
    nkeySeedFile: readableFile(nkey?.source ?? '', nkey?.value),
  };
}

function tlsOf(env: Env, context: ContextInUse): NatsSettings['tls'] {
  const cert = fromEnvOrContext(env, 'NATS_CERT', context, 'cert');
  const key = fromEnvOrContext(env, 'NATS_KEY', context, 'key');
  const ca = fromEnvOrContext(env, 'NATS_CA', context, 'ca');
  if (Boolean(cert) !== Boolean(key)) {
    throw new ConfigError(
      (cert ?? key)?.source ?? 'NATS_CERT',
      'a TLS client certificate needs both a certificate and a key',
      'set both NATS_CERT and NATS_KEY, or neither',
    );
  }
  if (!cert && !ca) return undefined;
  return {
    certFile: readableFile(cert?.source ?? '', cert?.value),
    keyFile: readableFile(key?.source ?? '', key?.value),
    caFile: readableFile(ca?.source ?? '', ca?.value),
  };
}

/**
 * Reads and validates the NATS settings; `found` are the servers to use when no setting names
 * any. Throws ConfigError on the first bad value.
 */
export function natsSettings(
  flags: NatsFlags = {},
  env: NodeJS.ProcessEnv = process.env,
  found?: FoundNats,
): NatsSettings {
  const context = contextInUse(flags, env);
  const { servers, chosenBy } = serversOf(flags, env, context, found);
  const credentials = credentialsOf(flags, env, context);
  return { servers, ...credentials, tls: tlsOf(env, context), context: context.name, chosenBy };
}
