/**
 * Bridge and worker options, read from flags, then environment (ORDERFLOW_*), then the default,
 * validated once with the schemas of the option table (option-table.ts), which defines each
 * option's default and unit.
 */
import { ConfigError } from '../errors';
import type { CommandName, OptionSpec, OptionsFor } from './option-table';
import { flagKey, flagName, optionsOf } from './option-table';
import { healthOptions } from './health-options';
import { firstSet } from './validate';

/** What `orderflow bridge` runs with; each field's doc gives its default and unit. */
export type BridgeOptions = OptionsFor<'bridge'>;

/** What `orderflow worker` runs with; each field's doc gives its default and unit. */
export type WorkerOptions = OptionsFor<'worker'>;

/** Flags as commander parses them (keyed `maxInFlight`), or environment variables. */
type Source = Record<string, string | undefined>;

/**
 * One option's value: the flag if given, else the environment variable, else the default (an
 * empty string counts as not given). A value its schema refuses is a ConfigError naming the flag
 * or the variable it came from.
 */
export function readOption<T>(spec: OptionSpec<T> & { readonly default: T }, flags: Source, env: Source): T;
export function readOption<T>(spec: OptionSpec<T>, flags: Source, env: Source): T | undefined;
export function readOption<T>(spec: OptionSpec<T>, flags: Source, env: Source): T | undefined {
  const given = firstSet([flagName(spec), flags[flagKey(spec)]], [spec.env, env[spec.env]]);
  if (given === undefined) return spec.default;
  const parsed = spec.schema.safeParse(given.value);
  if (parsed.success) return parsed.data;
  throw new ConfigError(given.source, parsed.error.issues[0]?.message ?? `"${given.value}" is not valid`, spec.advice);
}

function readOptions<C extends CommandName>(command: C, flags: Source, env: Source): OptionsFor<C> {
  const values: Record<string, unknown> = {};
  for (const [key, spec] of optionsOf(command)) {
    const value = readOption(spec, flags, env);
    if (value !== undefined) values[key] = value;
  }
  // Each field was read with its own entry's schema, so the record has the entries' types.
  return values as OptionsFor<C>;
}

export function bridgeOptions(flags: Source = {}, env: Source = process.env): BridgeOptions {
  const options = readOptions('bridge', flags, env);
  return { ...options, nakDelayMaxMs: Math.max(options.nakDelayMs, options.nakDelayMaxMs) };
}

export function workerOptions(flags: Source = {}, env: Source = process.env): WorkerOptions {
  return readOptions('worker', flags, env);
}

export interface MetricsSettings {
  /** Port of /metrics, /healthz, /readyz; 0 for any free one; undefined when off. */
  readonly port?: number;
  /** Default: 127.0.0.1 (not reachable from other machines). */
  readonly host: string;
}

/** Default ports: 9464 for the bridge, 9465 for the worker. */
export function metricsSettings(flags: Source, env: Source, defaultPort: number): MetricsSettings {
  const health = healthOptions(defaultPort);
  const port = readOption(health.metricsPort, flags, env);
  const host = readOption(health.metricsHost, flags, env);
  return port === undefined ? { host } : { host, port };
}
