/** `orderflow bridge`: a long-running process that stops cleanly on SIGTERM/SIGINT. */
import os from 'node:os';

import type { Command } from 'commander';

import { bridgeOptions, metricsSettings } from '../../shared/config/run-options';
import type { BridgeOptions, MetricsSettings } from '../../shared/config/run-options';
import type { HealthServer } from '../../shared/observability/health-server';
import { healthServerLine, startHealthServer } from '../../shared/observability/health-server';
import { tracingFromEnv } from '../../shared/observability/trace-context';
import { processRegistry } from '../../shared/observability/registry';
import { Bridge } from '../../bridge/bridge';
import type { Logger } from '../../shared/log';
import { closeNats } from '../../shared/nats/close';
import { jetStreamManagerFor } from '../../shared/nats/connect';
import { connectTemporal } from '../../shared/temporal/connect';
import { ensureSupportObjects } from '../../shared/topology/support';
import { loadPipeline } from '../../worker/functions-module';
import { functionQueues } from '../../activities/plan';
import { loggerFrom, serversFrom, toLog } from '../options';
import { untilSignal } from '../stop-signals';
import { tableCommand } from '../table-flags';
import { collectStartupGarbage, favourMemoryOverSpeed } from '../../bridge/favour-memory';

type Flags = Record<string, unknown>;

/** A bridge connected and started, with the connections to close once it has stopped. */
async function startBridge(options: BridgeOptions, command: Command, logger: Logger) {
  // The bridge runs no function, but a module that does not load is a deployment mistake: say so now.
  const { pipeline } = await loadPipeline(options.functions);
  // Loading is most of the start-up garbage: left until the collection before work, it and
  // the connections' garbage peaked together 15 MB above the working RSS in one start of three.
  collectStartupGarbage();
  const { temporal, connectNats } = serversFrom(command, 'nats+temporal', toLog(logger));
  const tracing = await tracingFromEnv('bridge', process.env);
  const nc = await connectNats({ name: 'orderflow bridge', reconnectForever: true });
  // Workflow starts carry the bridge's span for the message (observability/trace-context.ts).
  const client = await connectTemporal(temporal, tracing ? { clientInterceptors: tracing.clientInterceptors } : {});
  const probeClient = await connectTemporal(temporal, { retries: false });
  await ensureSupportObjects(nc, await jetStreamManagerFor(nc));
  const registry = processRegistry();
  const identity = { name: `${os.hostname()}:${process.pid}`, host: os.hostname(), pid: process.pid };
  const workersRun = options.functions ? { pipeline } : {};
  const bridge = new Bridge({ nc, client, probeClient, logger, registry, identity, ...workersRun }, options);
  collectStartupGarbage();
  await bridge.start();
  logger.info('pipeline', {
    taskQueue: options.taskQueue,
    functionQueues: functionQueues(pipeline, options.taskQueue).join(',') || 'none',
    ...(options.functions ? { functions: options.functions } : {}),
  });
  const closeConnections = async (): Promise<void> => {
    await closeNats(nc).catch(() => undefined);
    await client.connection.close();
    await probeClient.connection.close();
    await tracing?.shutdown();
  };
  return { bridge, registry, closeConnections };
}

/** /metrics, /healthz and /readyz of the bridge, unless its port is `off`; on a free port when its default is taken. */
async function serveHealth(
  metrics: MetricsSettings,
  started: Awaited<ReturnType<typeof startBridge>>,
  logger: Logger,
): Promise<HealthServer | undefined> {
  if (metrics.port === undefined) return undefined;
  const { bridge, registry } = started;
  const health = await startHealthServer({
    host: metrics.host,
    port: metrics.port,
    ...(metrics.portNamedBy === undefined ? {} : { portNamedBy: metrics.portNamedBy }),
    registry,
    ready: () => bridge.ready,
    notReadyReasons: () => bridge.notReadyReasons,
  });
  if (health.taken !== undefined) logger.info(healthServerLine(health));
  logger.info('serving /metrics, /healthz, /readyz', { url: `http://${metrics.host}:${health.port}` });
  return health;
}

export function registerBridge(program: Command): void {
  tableCommand(program, 'bridge', 'bridge')
    .description('pull NEW and DISPATCH and run each order through its stage workflow; ack only after it completed')
    .action(async (flags: Flags, command: Command) => {
      favourMemoryOverSpeed();
      const stopRequested = untilSignal();
      const logger = loggerFrom(command);
      const options = bridgeOptions(flags);
      const metrics = metricsSettings(flags, process.env, 'bridge');
      const started = await startBridge(options, command, logger);
      const health = await serveHealth(metrics, started, logger);
      logger.info('shutting down', { signal: await stopRequested, inFlight: started.bridge.inFlight });
      await started.bridge.close();
      await health?.close();
      await started.closeConnections();
    });
}
