/**
 * Bridge and worker options, read from flags, then environment (ORDERFLOW_*), then the default,
 * validated once with the schemas of the option table (option-table.ts), which defines each
 * option's default and unit.
 */
import type { OptionsFor } from './option-table';
import { OPTIONS } from './option-table';
import type { Env, Flags } from './read-options';
import { givenSources, readOption, readOptions } from './read-options';
import { firstSet } from './validate';

/** The health server's options, which configure the process's server, not the bridge or worker. */
const HEALTH = ['metricsPort', 'metricsHost'] as const;
type HealthKey = (typeof HEALTH)[number];

/** What `orderflow bridge` runs with; each field's doc gives its default and unit. */
export type BridgeOptions = Omit<OptionsFor<'bridge'>, HealthKey>;

/** What `orderflow worker` runs with; each field's doc gives its default and unit. */
export type WorkerOptions = Omit<OptionsFor<'worker'>, HealthKey>;

export function bridgeOptions(flags: Flags = {}, env: Env = process.env): BridgeOptions {
  const options = readOptions('bridge', flags, env, HEALTH);
  return { ...options, nakDelayMaxMs: Math.max(options.nakDelayMs, options.nakDelayMaxMs) };
}

export function workerOptions(flags: Flags = {}, env: Env = process.env): WorkerOptions {
  return readOptions('worker', flags, env, HEALTH);
}

export interface MetricsSettings {
  /** Port of /metrics, /healthz, /readyz; 0 for any free one; undefined when off. */
  readonly port?: number;
  /** The flag or variable that named the port; undefined for the command's default. */
  readonly portNamedBy?: string;
  /** Default: 127.0.0.1 (not reachable from other machines). */
  readonly host: string;
}

/** Default ports: 9464 for the bridge, 9465 for the worker, 9466 for dev. */
export function metricsSettings(flags: Flags, env: Env, command: 'bridge' | 'worker' | 'dev'): MetricsSettings {
  const port = readOption(OPTIONS.metricsPort, command, flags, env);
  const host = readOption(OPTIONS.metricsHost, command, flags, env);
  const namedBy = firstSet(...givenSources(OPTIONS.metricsPort, flags, env))?.source;
  if (port === undefined) return { host };
  return namedBy === undefined ? { host, port } : { host, port, portNamedBy: namedBy };
}
