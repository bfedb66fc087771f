/**
 * `orderflow dev`: the whole system on one machine. Starts nats-server and the Temporal dev
 * server (unless NATS_URL / TEMPORAL_ADDRESS point elsewhere), keeping their data under one
 * folder so a second run resumes, and provisions the ORDERS topology. The servers run in process
 * groups of their own, so a terminal's Ctrl-C reaches only this process, which stops the bridge,
 * then the workers, then the servers.
 */
import path from 'node:path';

import { jetstream } from '@nats-io/jetstream';

import type { BridgeOptions, WorkerOptions } from '../../shared/config/run-options';
import type { NatsSettings } from '../../shared/config/nats';
import type { TemporalSettings } from '../../shared/config/temporal';
import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import { Bridge } from '../../bridge/bridge';
import { DEFAULT_DASHBOARD_PORT, dashboardAccess, startDashboard } from '../../operate/dashboard';
import { closeNats } from '../../shared/nats/close';
import { connectNats, jetStreamManagerFor } from '../../shared/nats/connect';
import { demoOrders } from '../../shared/orders/demo';
import type { PublishResult } from '../../operate/publish/publish';
import { publishOrders } from '../../operate/publish/publish';
import { NatsServer } from '../servers/nats-server';
import { preferredOrFreePort, startWithPortRetry } from '../servers/ports';
import { TemporalServer } from '../servers/temporal-server';
import type { ProvisionReport } from '../../shared/topology/provision';
import { provisionTopology } from '../../shared/topology/provision';
import { ensureSupportObjects } from '../../shared/topology/support';
import type { Tracing } from '../../shared/observability/tracing';
import { connectTemporal } from '../../shared/temporal/connect';
import { registerSearchAttributes } from '../../shared/temporal/search-attribute-registry';
import { buildIdFor } from '../../worker/build-id';
import { loadPipeline } from '../../worker/functions-module';
import { createOrderflowWorker, installRuntimeWithoutSignalHandlers } from '../../worker/worker';
import { functionQueues } from '../../activities/plan';
import { acquireDevLock } from './run-lock';
import { StopSteps } from './stop-steps';

export interface DevOptions {
  /** Folder holding the servers' data and logs. Default: `.data` in the working directory. */
  readonly dataDir: string;
  /** Binaries to run (from scripts/tools.js). */
  readonly natsServerBinary: string;
  readonly temporalBinary: string;
  /** Use this NATS instead of starting one (NATS_URL was set). */
  readonly externalNats?: NatsSettings;
  /** Use this Temporal instead of starting one (TEMPORAL_ADDRESS was set). */
  readonly externalTemporal?: TemporalSettings;
  readonly bridge: BridgeOptions;
  readonly worker: WorkerOptions;
  /**
   * The dashboard dev serves: its address (default 127.0.0.1) and ORDERFLOW_DASHBOARD_TOKEN's
   * value, if any. It takes port 9470 when free, a free one otherwise.
   */
  readonly dashboard?: { readonly host?: string; readonly token?: string };
  /** Demo orders published once everything runs. Default: 3. */
  readonly demoOrders?: number;
  /** Spans for the bridge, workflows and functions (observability/tracing.ts); shut down with the stack. Default: off. */
  readonly tracing?: Tracing;
  readonly logger: Logger;
}

export interface DevStack {
  readonly nats: NatsSettings;
  readonly natsStarted: boolean;
  readonly temporal: { readonly address: string; readonly namespace: string; readonly uiUrl?: string };
  readonly temporalStarted: boolean;
  readonly provision: ProvisionReport;
  readonly demo: readonly PublishResult[];
  /** Where the dashboard is served. */
  readonly dashboard: { readonly url: string };
  readonly logs: { readonly nats?: string; readonly temporal?: string };
  /** Stops what dev started, in reverse order; a step that fails is logged. Never rejects. Idempotent. */
  stop(): Promise<void>;
}

const STANDARD_PORTS = { nats: 4222, temporal: 7233, temporalUi: 8233 } as const;

export async function startDev(options: DevOptions): Promise<DevStack> {
  const { dataDir, logger } = options;
  // First: a module that does not load should fail before any server starts.
  const { pipeline, modulePath } = await loadPipeline(options.worker.functions);
  const build = buildIdFor(pipeline, modulePath, options.worker.buildId);
  // Also before any server starts: a dashboard bind that would be unsafe is refused at once.
  const dashboardHost = options.dashboard?.host ?? '127.0.0.1';
  const dashboardRules = dashboardAccess(dashboardHost, options.dashboard?.token);
  const runDir = path.join(dataDir, 'run');
  const release = acquireDevLock(dataDir, runDir);
  const steps = new StopSteps(logger);
  steps.add('data folder lock', release);
  const stop = (): Promise<void> => steps.stop();
  // Added first so it stops last: the spans of everything stopped before it are flushed.
  if (options.tracing?.enabled) steps.add('tracing', () => options.tracing!.shutdown());

  try {
    let nats: NatsSettings;
    let natsServer: NatsServer | undefined;
    const logs = {
      nats: path.join(dataDir, 'logs', 'nats-server.log'),
      temporal: path.join(dataDir, 'logs', 'temporal.log'),
    };
    if (options.externalNats) {
      nats = options.externalNats;
      logger.info('using the NATS server from the settings', { servers: nats.servers.join(',') });
    } else {
      natsServer = await startWithPortRetry(async () =>
        NatsServer.start({
          binary: options.natsServerBinary,
          port: await preferredOrFreePort(STANDARD_PORTS.nats),
          storeDir: path.join(dataDir, 'nats'),
          logFile: logs.nats,
          pidRegistryDir: runDir,
          ownProcessGroup: true,
        }),
      );
      steps.add('nats-server', () => natsServer!.stop());
      nats = { servers: [natsServer.url] };
      logger.info('nats-server started', { url: natsServer.url, pid: natsServer.process?.pid });
    }

    let temporal: DevStack['temporal'];
    let temporalServer: TemporalServer | undefined;
    if (options.externalTemporal) {
      temporal = options.externalTemporal;
      logger.info('using the Temporal server from the settings', { address: temporal.address });
    } else {
      temporalServer = await startWithPortRetry(async () =>
        TemporalServer.start({
          binary: options.temporalBinary,
          port: await preferredOrFreePort(STANDARD_PORTS.temporal),
          uiPort: await preferredOrFreePort(STANDARD_PORTS.temporalUi),
          dbFile: path.join(dataDir, 'temporal', 'temporal.db'),
          logFile: logs.temporal,
          pidRegistryDir: runDir,
          ownProcessGroup: true,
        }),
      );
      steps.add('Temporal dev server', () => temporalServer!.stop());
      temporal = { address: temporalServer.address, namespace: 'default', uiUrl: temporalServer.uiUrl };
      logger.info('Temporal dev server started', {
        address: temporal.address,
        ui: temporal.uiUrl,
        pid: temporalServer.process?.pid,
      });
    }

    const nc = await connectNats(nats, { name: 'orderflow dev', reconnectForever: true });
    steps.add('NATS connection', () => closeNats(nc));
    const jsm = await jetStreamManagerFor(nc);
    const provision = await provisionTopology(jsm, nc.info?.version ?? 'unknown');
    await ensureSupportObjects(nc, jsm);

    const temporalSettings = options.externalTemporal ?? { ...temporal, connection: {} };
    installRuntimeWithoutSignalHandlers();
    // One worker for the pipeline's queue and one for each queue its functions name.
    for (const taskQueue of [options.worker.taskQueue, ...functionQueues(pipeline)]) {
      const worker = await createOrderflowWorker({
        nc,
        temporal: temporalSettings,
        options: { ...options.worker, taskQueue },
        pipeline,
        build,
        ...(options.tracing ? { tracing: options.tracing } : {}),
      });
      const workerRun = worker.run();
      // A worker that fails on its own is said at once; its stop step then reports it again.
      void workerRun.catch((err: unknown) => logger.error('worker stopped', { taskQueue, error: messageOf(err) }));
      steps.add(`worker ${taskQueue}`, async () => {
        worker.shutdown();
        await workerRun;
      });
      logger.info('worker running', { taskQueue, role: worker.role, functions: worker.functions.join(','), build });
    }
    const client = await connectTemporal(temporalSettings, {
      ...(options.tracing ? { clientInterceptors: options.tracing.clientInterceptors } : {}),
    });
    steps.add('Temporal client', () => client.connection.close());
    // Before the bridge starts: it gives runs their search attributes only when they are registered.
    await registerSearchAttributes(client);
    const probeClient = await connectTemporal(temporalSettings, { retries: false });
    steps.add('Temporal probe client', () => probeClient.connection.close());
    const bridge = new Bridge({ nc, client, probeClient, logger, pipeline }, options.bridge);
    await bridge.start();
    steps.add('bridge', () => bridge.close());
    const dashboard = await startDashboard({
      nc,
      client,
      probeClient,
      access: dashboardRules,
      port: await preferredOrFreePort(DEFAULT_DASHBOARD_PORT, dashboardHost),
      taskQueue: options.worker.taskQueue,
      ...(temporal.uiUrl ? { temporalUiUrl: temporal.uiUrl } : {}),
      logger,
    });
    steps.add('dashboard', () => dashboard.close());
    logger.info('dashboard serving', { url: dashboard.url });

    const demo = await publishOrders(jetstream(nc), demoOrders(options.demoOrders ?? 3));
    return {
      demo,
      dashboard: { url: dashboard.url },
      nats,
      natsStarted: Boolean(natsServer),
      temporal,
      temporalStarted: Boolean(temporalServer),
      provision,
      logs: { ...(natsServer ? { nats: logs.nats } : {}), ...(temporalServer ? { temporal: logs.temporal } : {}) },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
