/**
 * dev's /metrics, /healthz and /readyz: one endpoint for its bridge and its workers, as
 * `orderflow bridge` and `orderflow worker` each serve theirs. /metrics is the workers' registry
 * (their function metrics, told apart by task_queue, and the process metrics) with the bridge's;
 * /readyz is ready while the bridge is and every worker polls.
 */
import type { Registry } from 'prom-client';

import type { Bridge } from '../../bridge/bridge';
import type { MetricsSettings } from '../../shared/config/run-options';
import type { Logger } from '../../shared/log';
import type { HealthServer } from '../../shared/observability/health-server';
import { healthServerLine, startHealthServer } from '../../shared/observability/health-server';
import type { OrderflowWorker } from '../../worker/worker';

/** What the endpoint reports on. */
export interface DevHealthTargets {
  readonly bridge: Bridge;
  /** The workers running at the time of asking (with --watch, a reload may add or stop one). */
  readonly workers: () => ReadonlyArray<{ readonly taskQueue: string; readonly worker: OrderflowWorker }>;
  /** The workers' registry and the bridge's, served as one. */
  readonly registries: readonly Registry[];
}

/** Where the endpoint is; `taken`: the default port was, so a free one is used. */
export interface DevHealthAddress {
  readonly url: string;
  readonly taken?: number;
}

export function healthAddress(health: HealthServer): DevHealthAddress {
  return {
    url: `http://${health.host}:${health.port}`,
    ...(health.taken === undefined ? {} : { taken: health.taken }),
  };
}

/**
 * Serves the endpoint, unless the port is off: on the port named (an error when taken), else on
 * the default, or a free one when that is taken.
 */
export async function serveDevHealth(
  { bridge, workers, registries }: DevHealthTargets,
  metrics: MetricsSettings | undefined,
  logger: Logger,
): Promise<HealthServer | undefined> {
  if (metrics?.port === undefined) return undefined;
  const notPolling = (): string[] =>
    workers()
      .filter(({ worker }) => worker.worker.getState() !== 'RUNNING')
      .map(({ taskQueue, worker }) => `worker ${taskQueue}: ${worker.worker.getState().toLowerCase()}, not polling`);
  const health = await startHealthServer({
    host: metrics.host,
    port: metrics.port,
    ...(metrics.portNamedBy === undefined ? {} : { portNamedBy: metrics.portNamedBy }),
    registry: registries,
    ready: () => bridge.ready && notPolling().length === 0,
    notReadyReasons: () => [...bridge.notReadyReasons, ...notPolling()],
  });
  logger.info(healthServerLine(health), { url: healthAddress(health).url });
  return health;
}
