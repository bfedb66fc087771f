/** `orderflow worker`: a long-running process that stops cleanly on SIGTERM/SIGINT. */
import type { Command } from 'commander';
import type { Registry } from 'prom-client';

import type { MetricsSettings } from '../../shared/config/run-options';
import { metricsSettings, workerOptions } from '../../shared/config/run-options';
import type { HealthServer } from '../../shared/observability/health-server';
import { healthServerLine, startHealthServer } from '../../shared/observability/health-server';
import { tracingFromEnv } from '../../shared/observability/trace-context';
import { processRegistry } from '../../shared/observability/registry';
import { registerWorkerGauges } from '../../worker/metrics';
import type { NatsConnection } from '@nats-io/nats-core';
import { closeNats } from '../../shared/nats/close';
import { jetStreamManagerFor } from '../../shared/nats/connect';
import { trackConnection } from '../../shared/nats/connection-state';
import { ensureSupportObjects } from '../../shared/topology/support';
import type { OrderflowWorker } from '../../worker/worker';
import { buildIdFor } from '../../worker/build-id';
import { loadPipeline } from '../../worker/functions-module';
import type { Logger } from '../../shared/log';
import { loggerFrom, serversFrom, toLog } from '../options';
import { untilSignal } from '../stop-signals';
import { tableCommand } from '../table-flags';

type Flags = Record<string, unknown>;

/** How often Temporal is probed for /readyz, in ms. */
const PROBE_EVERY_MS = 2000;

/**
 * The worker's readiness: polling, with NATS connected and Temporal answering its last probe;
 * also its gauges. `stop` ends the probing.
 */
function watchReadiness(worker: OrderflowWorker, nc: NatsConnection, registry: Registry) {
  const nats = trackConnection(nc);
  let temporalReachable = true;
  const probe = setInterval(() => {
    worker.probeTemporal().then(
      () => (temporalReachable = true),
      () => (temporalReachable = false),
    );
  }, PROBE_EVERY_MS);
  const polling = (): boolean => worker.worker.getState() === 'RUNNING';
  registerWorkerGauges(registry, () => ({ running: polling(), natsConnected: nats.connected, temporalReachable }));
  return {
    ready: (): boolean => polling() && nats.connected && temporalReachable,
    stop: (): void => clearInterval(probe),
  };
}

/** /metrics, /healthz and /readyz of the worker, unless its port is `off`; on a free port when its default is taken. */
async function serveHealth(
  metrics: MetricsSettings,
  registry: Registry,
  ready: () => boolean,
  logger: Logger,
): Promise<HealthServer | undefined> {
  if (metrics.port === undefined) return undefined;
  const named = metrics.portNamedBy === undefined ? {} : { portNamedBy: metrics.portNamedBy };
  const health = await startHealthServer({ host: metrics.host, port: metrics.port, ...named, ready, registry });
  if (health.taken !== undefined) logger.info(healthServerLine(health));
  return health;
}

export function registerWorker(program: Command): void {
  tableCommand(program, 'worker', 'worker')
    .description('host the stage workflows and their functions (activities) on a Temporal task queue')
    .action(async (flags: Flags, command: Command) => {
      const stopRequested = untilSignal();
      const logger = loggerFrom(command);
      const options = workerOptions(flags);
      // Before connecting: a module that does not load is one line and exit 2, whatever the servers.
      const { pipeline, modulePath } = await loadPipeline(options.functions);
      const build = buildIdFor(pipeline, modulePath, options.buildId);
      const metrics = metricsSettings(flags, process.env, 'worker');
      const { temporal, connectNats } = serversFrom(command, 'nats+temporal', toLog(logger));
      // Loaded here, not at the top: the Temporal worker's native runtime costs every other command ~30 MB.
      const { createOrderflowWorker, installRuntimeWithoutSignalHandlers } = await import('../../worker/worker.js');
      installRuntimeWithoutSignalHandlers();
      const tracing = await tracingFromEnv('worker', process.env);
      const nc = await connectNats({ name: 'orderflow worker', reconnectForever: true });
      await ensureSupportObjects(nc, await jetStreamManagerFor(nc));
      const registry = processRegistry();
      const worker = await createOrderflowWorker({
        nc,
        temporal,
        options,
        pipeline,
        build,
        registry,
        ...(tracing ? { tracing } : {}),
      });
      const readiness = watchReadiness(worker, nc, registry);
      // Before polling: a port named that is taken stops the worker before it takes a task.
      const health = await serveHealth(metrics, registry, readiness.ready, logger).catch(async (err: unknown) => {
        readiness.stop();
        await closeNats(nc).catch(() => undefined);
        throw err;
      });
      const running = worker.run();
      logger.info('worker running', {
        taskQueue: options.taskQueue,
        role: worker.role,
        functions: worker.functions.join(',') || 'none',
        build,
        ...(health ? { metrics: `http://${metrics.host}:${health.port}` } : {}),
      });
      await Promise.race([stopRequested.then((signal) => logger.info('shutting down', { signal })), running]);
      readiness.stop();
      worker.shutdown();
      await running;
      await health?.close();
      await closeNats(nc).catch(() => undefined);
      await tracing?.shutdown();
      logger.info('worker stopped');
    });
}
