/**
 * Temporal connection settings, read the way Temporal's environment configuration reads them
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS*, TEMPORAL_PROFILE,
 * TEMPORAL_CONFIG_FILE and its TOML profiles), with flags on top.
 */
import type { ClientConnectConfig } from '@temporalio/envconfig';
import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import { z } from 'zod';

import { ConfigError, messageOf } from '../errors';
import { firstSet, parseSetting } from './validate';

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

export interface TemporalFlags {
  temporalAddress?: string;
  temporalNamespace?: string;
}

export interface TemporalSettings {
  /** host:port of the Temporal frontend. Default: 127.0.0.1:7233. */
  readonly address: string;
  /** Default: `default`. */
  readonly namespace: string;
  /** Connection options for @temporalio/client and @temporalio/worker (TLS, API key, metadata). */
  readonly connection: ClientConnectConfig['connectionOptions'];
}

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/, 'expected host:port')
  .refine((v) => {
    const port = Number(v.slice(v.lastIndexOf(':') + 1));
    return port > 0 && port < 65536;
  }, 'port must be 1-65535');

const namespaceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, 'expected a namespace name');

/** Reads and validates the Temporal settings. Throws ConfigError on the first bad value. */
export function temporalSettings(flags: TemporalFlags = {}, env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  let profile;
  try {
    profile = loadClientConfigProfile({
      ...(env.TEMPORAL_PROFILE ? { profile: env.TEMPORAL_PROFILE } : {}),
      overrideEnvVars: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
    });
  } catch (err) {
    throw new ConfigError(
      env.TEMPORAL_CONFIG_FILE ? 'TEMPORAL_CONFIG_FILE' : 'Temporal configuration',
      messageOf(err),
      'fix the TOML file or the TEMPORAL_* variables (see `temporal config` in the Temporal docs)',
      { cause: err },
    );
  }
  const address = firstSet(['--temporal-address', flags.temporalAddress], ['TEMPORAL_ADDRESS', profile.address]);
  const namespace = firstSet(
    ['--temporal-namespace', flags.temporalNamespace],
    ['TEMPORAL_NAMESPACE', profile.namespace],
  );
  const resolvedAddress = parseSetting(
    address?.source ?? 'TEMPORAL_ADDRESS',
    hostPort,
    address?.value ?? DEFAULT_TEMPORAL_ADDRESS,
    'use host:port, for example 127.0.0.1:7233 or my-ns.a1b2c.tmprl.cloud:7233',
  );
  const resolvedNamespace = parseSetting(
    namespace?.source ?? 'TEMPORAL_NAMESPACE',
    namespaceName,
    namespace?.value ?? DEFAULT_TEMPORAL_NAMESPACE,
    'use the name of an existing Temporal namespace, for example `default`',
  );
  const { connectionOptions } = toClientOptions({ ...profile, address: resolvedAddress });
  return { address: resolvedAddress, namespace: resolvedNamespace, connection: connectionOptions };
}
