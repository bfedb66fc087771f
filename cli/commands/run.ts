/** `orderflow bridge` and `orderflow worker`: long-running processes that stop cleanly on SIGTERM/SIGINT. */
import os from 'node:os';

import type { Command } from 'commander';

import { bridgeOptions, metricsSettings, workerOptions } from '../../shared/config/run-options';
import { healthOptions } from '../../shared/config/health-options';
import { startHealthServer } from '../../shared/observability/health-server';
import { tracingFromEnv } from '../../shared/observability/trace-context';
import { processRegistry } from '../../shared/observability/registry';
import { registerWorkerGauges } from '../../worker/metrics';
import { Bridge } from '../../bridge/bridge';
import { closeNats } from '../../shared/nats/close';
import { connectNats, jetStreamManagerFor } from '../../shared/nats/connect';
import { trackConnection } from '../../shared/nats/connection-state';
import { connectTemporal } from '../../shared/temporal/connect';
import { ensureSupportObjects } from '../../shared/topology/support';
import { buildIdFor } from '../../worker/build-id';
import { loadPipeline } from '../../worker/functions-module';
import { functionQueues } from '../../activities/plan';
import { loggerFrom, natsFrom, temporalFrom } from '../options';
import { untilSignal } from '../stop-signals';
import { addFlags, addOptions } from '../table-flags';
import { collectStartupGarbage, favourMemoryOverSpeed } from '../../bridge/favour-memory';

type Flags = Record<string, string | undefined>;

/** The health server's flags, shared by bridge and worker; each has its own default port. */
function withHealthOptions(command: Command, name: 'bridge' | 'worker', defaultPort: number): Command {
  const { metricsPort, metricsHost } = healthOptions(defaultPort);
  return addFlags(command, name, [metricsPort, metricsHost]);
}

export function registerRun(program: Command): void {
  withHealthOptions(addOptions(program.command('bridge'), 'bridge'), 'bridge', 9464)
    .description('pull NEW and DISPATCH and run each order through its stage workflow; ack only after it completed')
    .action(async (flags: Flags, command: Command) => {
      favourMemoryOverSpeed();
      const stopRequested = untilSignal();
      const logger = loggerFrom(command);
      const options = bridgeOptions(flags);
      // The bridge runs no function, but a module that does not load is a deployment mistake: say so now.
      const { pipeline } = await loadPipeline(options.functions);
      // Loading is most of the start-up garbage: left until the collection before work, it and
      // the connections' garbage peaked together 15 MB above the working RSS in one start of three.
      collectStartupGarbage();
      const workersRun = options.functions ? pipeline : undefined;
      const metrics = metricsSettings(flags, process.env, 9464);
      const temporal = temporalFrom(command);
      const tracing = await tracingFromEnv('bridge', process.env);
      const nc = await connectNats(natsFrom(command), { name: 'orderflow bridge', reconnectForever: true });
      // Workflow starts carry the bridge's span for the message (observability/trace-context.ts).
      const client = await connectTemporal(temporal, tracing ? { clientInterceptors: tracing.clientInterceptors } : {});
      const probeClient = await connectTemporal(temporal, { retries: false });
      await ensureSupportObjects(nc, await jetStreamManagerFor(nc));
      const registry = processRegistry();
      const identity = { name: `${os.hostname()}:${process.pid}`, host: os.hostname(), pid: process.pid };
      const bridge = new Bridge(
        { nc, client, probeClient, logger, registry, identity, ...(workersRun ? { pipeline: workersRun } : {}) },
        options,
      );
      collectStartupGarbage();
      await bridge.start();
      logger.info('pipeline', {
        taskQueue: options.taskQueue,
        functionQueues: functionQueues(pipeline).join(',') || 'none',
        ...(options.functions ? { functions: options.functions } : {}),
      });
      const health =
        metrics.port === undefined
          ? undefined
          : await startHealthServer({
              host: metrics.host,
              port: metrics.port,
              registry,
              ready: () => bridge.ready,
              notReadyReasons: () => bridge.notReadyReasons,
            });
      if (health) logger.info('serving /metrics, /healthz, /readyz', { url: `http://${metrics.host}:${health.port}` });
      logger.info('shutting down', { signal: await stopRequested, inFlight: bridge.inFlight });
      await bridge.close();
      await health?.close();
      await closeNats(nc).catch(() => undefined);
      await client.connection.close();
      await probeClient.connection.close();
      await tracing?.shutdown();
    });

  withHealthOptions(addOptions(program.command('worker'), 'worker'), 'worker', 9465)
    .description('host the stage workflows and their functions (activities) on a Temporal task queue')
    .action(async (flags: Flags, command: Command) => {
      const stopRequested = untilSignal();
      const logger = loggerFrom(command);
      const options = workerOptions(flags);
      // Before connecting: a module that does not load is one line and exit 2, whatever the servers.
      const { pipeline, modulePath } = await loadPipeline(options.functions);
      const build = buildIdFor(pipeline, modulePath, options.buildId);
      const metrics = metricsSettings(flags, process.env, 9465);
      const temporal = temporalFrom(command);
      // Loaded here, not at the top: the Temporal worker's native runtime costs every other command ~30 MB.
      const { createOrderflowWorker, installRuntimeWithoutSignalHandlers } = await import('../../worker/worker.js');
      installRuntimeWithoutSignalHandlers();
      const tracing = await tracingFromEnv('worker', process.env);
      const nc = await connectNats(natsFrom(command), { name: 'orderflow worker', reconnectForever: true });
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
      const running = worker.run();
      const nats = trackConnection(nc);
      let temporalReachable = true;
      const probe = setInterval(() => {
        worker.probeTemporal().then(
          () => (temporalReachable = true),
          () => (temporalReachable = false),
        );
      }, 2000);
      const polling = (): boolean => worker.worker.getState() === 'RUNNING';
      const ready = (): boolean => polling() && nats.connected && temporalReachable;
      registerWorkerGauges(registry, () => ({ running: polling(), natsConnected: nats.connected, temporalReachable }));
      const health =
        metrics.port === undefined
          ? undefined
          : await startHealthServer({
              host: metrics.host,
              port: metrics.port,
              ready,
              registry,
            });
      logger.info('worker running', {
        taskQueue: options.taskQueue,
        role: worker.role,
        functions: worker.functions.join(',') || 'none',
        build,
        ...(health ? { metrics: `http://${metrics.host}:${health.port}` } : {}),
      });
      await Promise.race([stopRequested.then((signal) => logger.info('shutting down', { signal })), running]);
      clearInterval(probe);
      worker.shutdown();
      await running;
      await health?.close();
      await closeNats(nc).catch(() => undefined);
      await tracing?.shutdown();
      logger.info('worker stopped');
    });
}
