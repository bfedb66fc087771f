/**
 * NATS connection settings, read the way the `nats` CLI reads them: flags, then environment
 * (NATS_URL, NATS_USER, NATS_PASSWORD, NATS_TOKEN, NATS_CREDS, NATS_NKEY, NATS_CERT, NATS_KEY,
 * NATS_CA), then a `nats` CLI context (NATS_CONTEXT, or the context the CLI has selected).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { z } from 'zod';

import { ConfigError } from '../errors';
import { firstSet, parseSetting } from './validate';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export interface NatsFlags {
  natsUrl?: string;
  natsCreds?: string;
  natsContext?: string;
}

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
}

const serverUrl = z.string().refine((value) => {
  const withScheme = /^[a-z]+:\/\//i.test(value) ? value : `nats://${value}`;
  try {
    const url = new URL(withScheme);
    const port = url.port === '' ? 4222 : Number(url.port);
    return ['nats:', 'tls:', 'ws:', 'wss:'].includes(url.protocol) && url.hostname !== '' && port > 0 && port < 65536;
  } catch {
    return false;
  }
}, 'expected nats://host:port, tls://host:port or host:port');

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

/** Reads and validates the NATS settings. Throws ConfigError on the first bad value. */
export function natsSettings(flags: NatsFlags = {}, env: NodeJS.ProcessEnv = process.env): NatsSettings {
  const contextChoice = firstSet(['--nats-context', flags.natsContext], ['NATS_CONTEXT', env.NATS_CONTEXT]);
  const contextName = contextChoice?.value ?? selectedContext(env);
  const context = contextName ? loadContext(contextName, contextChoice?.source ?? 'nats context', env) : {};
  const ctxSource = `nats context "${contextName ?? ''}"`;

  const urls = firstSet(['--nats-url', flags.natsUrl], ['NATS_URL', env.NATS_URL], [`${ctxSource} url`, context.url]);
  const servers = (urls?.value ?? DEFAULT_NATS_URL)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (servers.length === 0) {
    throw new ConfigError(
      urls?.source ?? 'NATS_URL',
      'no server given',
      'set it to nats://host:port (comma-separated for several)',
    );
  }
  for (const server of servers) {
    parseSetting(
      urls?.source ?? 'NATS_URL',
      serverUrl,
      server,
      'use nats://host:port, comma-separated for several servers',
    );
  }

  const creds = firstSet(
    ['--nats-creds', flags.natsCreds],
    ['NATS_CREDS', env.NATS_CREDS],
    [`${ctxSource} creds`, context.creds],
  );
  const nkey = firstSet(['NATS_NKEY', env.NATS_NKEY], [`${ctxSource} nkey`, context.nkey]);
  const user = firstSet(['NATS_USER', env.NATS_USER], [`${ctxSource} user`, context.user]);
  const password = firstSet(['NATS_PASSWORD', env.NATS_PASSWORD], [`${ctxSource} password`, context.password]);
  const token = firstSet(['NATS_TOKEN', env.NATS_TOKEN], [`${ctxSource} token`, context.token]);
  if (password && !user) {
    throw new ConfigError(
      password.source,
      'a password is set without a user',
      'set NATS_USER too, or unset the password',
    );
  }
  const cert = firstSet(['NATS_CERT', env.NATS_CERT], [`${ctxSource} cert`, context.cert]);
  const key = firstSet(['NATS_KEY', env.NATS_KEY], [`${ctxSource} key`, context.key]);
  const ca = firstSet(['NATS_CA', env.NATS_CA], [`${ctxSource} ca`, context.ca]);
  if (Boolean(cert) !== Boolean(key)) {
    throw new ConfigError(
      (cert ?? key)?.source ?? 'NATS_CERT',
      'a TLS client certificate needs both a certificate and a key',
      'set both NATS_CERT and NATS_KEY, or neither',
    );
  }
  const tls =
    cert || ca
      ? {
          certFile: readableFile(cert?.source ?? '', cert?.value),
          keyFile: readableFile(key?.source ?? '', key?.value),
          caFile: readableFile(ca?.source ?? '', ca?.value),
        }
      : undefined;

  return {
    servers,
    user: user?.value,
    password: password?.value,
    token: token?.value,
    credsFile: readableFile(creds?.source ?? '', creds?.value),
    nkeySeedFile: readableFile(nkey?.source ?? '', nkey?.value),
    tls,
    context: contextName,
  };
}
