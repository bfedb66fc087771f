/**
 * Bridge and worker options, each with its default and unit, read from flags then environment
 * (ORDERFLOW_*), validated once.
 */
import { ConfigError } from '../errors';
import type { StageName } from '../../workflows/stages';
import { STAGES } from '../../workflows/stages';

export interface BridgeOptions {
  /** Messages one bridge holds at once per stage; at most the consumer's max ack pending. Default: 32. */
  readonly maxInFlight: number;
  /**
   * Failed runs of an order's own workflow before its message is dead-lettered. Redeliveries
   * after a crash, a shutdown or a lapsed ack wait, and the system's faults, are not counted. Default: 5.
   */
  readonly maxDeliveries: number;
  /** First nak delay after a failed workflow, in ms; doubles per delivery. Default: 2000. */
  readonly nakDelayMs: number;
  /** Largest nak delay, in ms. Default: 60000. */
  readonly nakDelayMaxMs: number;
  /** At shutdown, how long in-flight orders may still finish, in ms. Default: 30000. */
  readonly shutdownGraceMs: number;
  /** How long one pull waits for messages, in ms. Default: 2000. */
  readonly fetchExpiresMs: number;
  /** Temporal task queue of the stage workflows. Default: `orderflow`. */
  readonly taskQueue: string;
  /** Stages this bridge runs. Default: all (process, dispatch). */
  readonly stages: readonly StageName[];
  /** A run whose workflow task keeps failing this long is parked as a `stuck` dead letter, in ms. Default: 300000. */
  readonly stuckAfterMs: number;
  /** How often a run still going after this long is checked for a failing workflow task, in ms. Default: 10000. */
  readonly stuckCheckMs: number;
  /** How often the task queue is checked for a polling worker, in ms. Default: 5000. */
  readonly workerCheckMs: number;
  /** A worker not seen polling for this long is gone, in ms (an idle long poll lasts ~70 s). Default: 120000. */
  readonly workerStaleMs: number;
  /**
   * While intake is paused, consumers are paused at the server (2.11+) this far ahead, renewed every
   * third of it: how long a pause outlives a bridge that died holding it, in ms. Default: 30000.
   */
  readonly pauseLeaseMs: number;
}

export interface WorkerOptions {
  /** Temporal task queue. Default: `orderflow`. */
  readonly taskQueue: string;
  /** Activities running at once. Default: 100. */
  readonly maxConcurrentActivities: number;
  /** Workflow tasks running at once. Default: 40. */
  readonly maxConcurrentWorkflowTasks: number;
  /** At shutdown, how long running activities may still finish, in ms. Default: 30000. */
  readonly shutdownGraceMs: number;
}

export const DEFAULT_TASK_QUEUE = 'orderflow';

type Source = Record<string, string | undefined>;

function intSetting(
  flags: Source,
  env: Source,
  flag: string,
  variable: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const fromFlag = flags[flag];
  const raw = fromFlag ?? env[variable];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
    throw new ConfigError(
      fromFlag !== undefined ? `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : variable,
      `"${raw}" is not a whole number from ${min} to ${max}`,
      'give a number in that range',
    );
  }
  return n;
}

function taskQueueSetting(flags: Source, env: Source): string {
  const value = flags.taskQueue ?? env.ORDERFLOW_TASK_QUEUE ?? DEFAULT_TASK_QUEUE;
  if (!/^[\w.:-]{1,200}$/.test(value)) {
    throw new ConfigError(
      flags.taskQueue ? '--task-queue' : 'ORDERFLOW_TASK_QUEUE',
      `"${value}" is not a task queue name`,
      'use letters, digits and . _ : -',
    );
  }
  return value;
}

export function bridgeOptions(flags: Source = {}, env: Source = process.env): BridgeOptions {
  const stagesRaw = flags.stages ?? env.ORDERFLOW_STAGES ?? Object.keys(STAGES).join(',');
  const stages = stagesRaw.split(',').map((s) => s.trim());
  const unknown = stages.filter((s) => !(s in STAGES));
  if (unknown.length || stages.length === 0) {
    throw new ConfigError(
      flags.stages ? '--stages' : 'ORDERFLOW_STAGES',
      `unknown stage(s) ${unknown.join(', ')}`,
      `use ${Object.keys(STAGES).join(', ')}`,
    );
  }
  const nakDelayMs = intSetting(flags, env, 'nakDelayMs', 'ORDERFLOW_NAK_DELAY_MS', 2000, 0, 3_600_000);
  return {
    maxInFlight: intSetting(flags, env, 'maxInFlight', 'ORDERFLOW_MAX_IN_FLIGHT', 32, 1, 10_000),
    maxDeliveries: intSetting(flags, env, 'maxDeliveries', 'ORDERFLOW_MAX_DELIVERIES', 5, 1, 1000),
    nakDelayMs,
    nakDelayMaxMs: Math.max(
      nakDelayMs,
      intSetting(flags, env, 'nakDelayMaxMs', 'ORDERFLOW_NAK_DELAY_MAX_MS', 60_000, 0, 86_400_000),
    ),
    shutdownGraceMs: intSetting(flags, env, 'shutdownGraceMs', 'ORDERFLOW_SHUTDOWN_GRACE_MS', 30_000, 0, 3_600_000),
    fetchExpiresMs: intSetting(flags, env, 'fetchExpiresMs', 'ORDERFLOW_FETCH_EXPIRES_MS', 2000, 500, 60_000),
    taskQueue: taskQueueSetting(flags, env),
    stages: stages as StageName[],
    stuckAfterMs: intSetting(flags, env, 'stuckAfterMs', 'ORDERFLOW_STUCK_AFTER_MS', 300_000, 0, 86_400_000),
    stuckCheckMs: intSetting(flags, env, 'stuckCheckMs', 'ORDERFLOW_STUCK_CHECK_MS', 10_000, 100, 3_600_000),
    workerCheckMs: intSetting(flags, env, 'workerCheckMs', 'ORDERFLOW_WORKER_CHECK_MS', 5000, 100, 3_600_000),
    workerStaleMs: intSetting(flags, env, 'workerStaleMs', 'ORDERFLOW_WORKER_STALE_MS', 120_000, 1000, 86_400_000),
    pauseLeaseMs: intSetting(flags, env, 'pauseLeaseMs', 'ORDERFLOW_PAUSE_LEASE_MS', 30_000, 1000, 3_600_000),
  };
}

export function workerOptions(flags: Source = {}, env: Source = process.env): WorkerOptions {
  return {
    taskQueue: taskQueueSetting(flags, env),
    maxConcurrentActivities: intSetting(flags, env, 'maxActivities', 'ORDERFLOW_MAX_ACTIVITIES', 100, 1, 10_000),
    maxConcurrentWorkflowTasks: intSetting(
      flags,
      env,
      'maxWorkflowTasks',
      'ORDERFLOW_MAX_WORKFLOW_TASKS',
      40,
      2,
      10_000,
    ),
    shutdownGraceMs: intSetting(flags, env, 'shutdownGraceMs', 'ORDERFLOW_SHUTDOWN_GRACE_MS', 30_000, 0, 3_600_000),
  };
}

export interface MetricsSettings {
  /** Port of /metrics, /healthz, /readyz; 0 for any free one; undefined when off. */
  readonly port?: number;
  /** Default: 127.0.0.1 (not reachable from other machines). */
  readonly host: string;
}

/** Default ports: 9464 for the bridge, 9465 for the worker. */
export function metricsSettings(flags: Source, env: Source, defaultPort: number): MetricsSettings {
  const raw = flags.metricsPort ?? env.ORDERFLOW_METRICS_PORT;
  const host = flags.metricsHost ?? env.ORDERFLOW_METRICS_HOST ?? '127.0.0.1';
  if (raw === 'off') return { host };
  return { host, port: intSetting(flags, env, 'metricsPort', 'ORDERFLOW_METRICS_PORT', defaultPort, 0, 65_535) };
}
