/**
 * `orderflow dev`: the whole system on one machine. Starts nats-server and the Temporal dev
 * server (unless NATS_URL / TEMPORAL_ADDRESS point elsewhere), keeping their data under one
 * folder so a second run resumes, and provisions the ORDERS topology. The servers run in process
 * groups of their own, so a terminal's Ctrl-C reaches only this process, which stops the bridge,
 * then the workers, then the servers (used-servers.ts). While it runs, it serves /metrics, /healthz
 * and /readyz for its bridge and workers together (health.ts), and says where its servers are in
 * the data folder (servers-file.ts) for the other commands run there.
 */
import path from 'node:path';

import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';

import type { Registry } from 'prom-client';

import type { BridgeOptions, MetricsSettings, WorkerOptions } from '../../shared/config/run-options';
import type { NatsSettings } from '../../shared/config/nats';
import type { TemporalSettings } from '../../shared/config/temporal';
import type { Logger } from '../../shared/log';
import { Bridge } from '../../bridge/bridge';
import type { DashboardAccess, RunningDashboard } from '../../operate/dashboard';
import { DEFAULT_DASHBOARD_PORT, dashboardAccess, startDashboard } from '../../operate/dashboard';
import { closeNats } from '../../shared/nats/close';
import { connectNats, jetStreamManagerFor } from '../../shared/nats/connect';
import { demoOrders } from '../../shared/orders/demo';
import type { PublishResult } from '../../operate/publish/publish';
import { publishOrders } from '../../operate/publish/publish';
import { preferredOrFreePort } from '../servers/ports';
import type { ProvisionReport } from '../../shared/topology/provision';
import { provisionTopology } from '../../shared/topology/provision';
import { ensureSupportObjects } from '../../shared/topology/support';
import type { Tracing } from '../../shared/observability/tracing';
import { componentRegistry } from '../../shared/observability/registry';
import { connectTemporal } from '../../shared/temporal/connect';
import { registerSearchAttributes } from '../../shared/temporal/search-attribute-registry';
import type { Pipeline } from '../../activities/define';
import type { DevTemporal } from './used-servers';
import { natsFor, temporalFor } from './used-servers';
import { acquireDevLock } from './run-lock';
import type { DevHealthAddress } from './health';
import { healthAddress, serveDevHealth } from './health';
import { recordDevServers, streamCreated } from './servers-file';
import { StopSteps } from './stop-steps';
import type { DevFunctions, DevWorkers } from './dev-workers';
import { loadDevFunctions, startDevWorkers } from './dev-workers';

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
   * Reload the workers in place when the --functions module (required then) or a file of the
   * user's it imports is saved (local/dev/watch/). Default: off.
   */
  readonly watch?: boolean;
  /**
   * The dashboard dev serves: its address (default 127.0.0.1), its port and ORDERFLOW_DASHBOARD_TOKEN's
   * value, if any. Without a port it takes 9470 when free, a free one otherwise; a port given
   * (ORDERFLOW_DASHBOARD_PORT) is used or refused, never swapped for another.
   */
  readonly dashboard?: { readonly host?: string; readonly port?: number; readonly token?: string };
  /**
   * /metrics, /healthz and /readyz of the bridge and workers together: the port (9466 when the
   * user named none: a free one if it is taken; undefined: none) and the address. Default: none.
   */
  readonly metrics?: MetricsSettings;
  /** Demo orders published once everything runs. Default: 3. */
  readonly demoOrders?: number;
  /** Spans for the bridge, workflows and functions (shared/observability/tracing.ts); shut down with the stack. Default: off. */
  readonly tracing?: Tracing;
  readonly logger: Logger;
}

export interface DevStack {
  readonly nats: NatsSettings;
  readonly natsStarted: boolean;
  readonly temporal: DevTemporal;
  readonly temporalStarted: boolean;
  readonly provision: ProvisionReport;
  readonly demo: readonly PublishResult[];
  /** Where the dashboard is served. */
  readonly dashboard: { readonly url: string };
  /** Where /metrics, /healthz and /readyz are served (health.ts), unless off. */
  readonly metrics?: DevHealthAddress;
  /** The data folder, where other commands find these servers (servers-file.ts). */
  readonly dataDir: string;
  readonly logs: { readonly nats?: string; readonly temporal?: string };
  /** Stops what dev started, in reverse order; a step that fails is logged. Never rejects. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the whole system: servers (or the ones the settings name), topology, workers, bridge,
 * dashboard, health server, the record of where it all is, then the demo orders. Rejects, once
 * what it started is stopped, when a step fails.
 */
export async function startDev(options: DevOptions): Promise<DevStack> {
  const { dataDir, logger } = options;
  // First: a module that does not load should fail before any server starts.
  const functions = await loadDevFunctions(options.worker, options.watch === true, logger);
  // Also before any server starts: a dashboard bind that would be unsafe is refused at once.
  const dashboardHost = options.dashboard?.host ?? '127.0.0.1';
  const dashboardRules = dashboardAccess(dashboardHost, options.dashboard?.token);
  const runDir = path.join(dataDir, 'run');
  const release = acquireDevLock(dataDir, runDir);
  const steps = new StopSteps(logger);
  const stop = (): Promise<void> => steps.stop();
  steps.add('data folder lock', release);
  steps.add('functions watch', () => functions.watched?.module.close());
  // Added first so it stops last: the spans of everything stopped before it are flushed.
  if (options.tracing?.enabled) steps.add('tracing', () => options.tracing!.shutdown());

  try {
    const logs = {
      nats: path.join(dataDir, 'logs', 'nats-server.log'),
      temporal: path.join(dataDir, 'logs', 'temporal.log'),
    };
    const nats = await natsFor(options, { runDir, logFile: logs.nats }, steps);
    const temporal = await temporalFor(options, { runDir, logFile: logs.temporal }, steps);

    const { nc, provision, streamCreatedAt } = await provisioned(nats.settings, steps);
    const temporalSettings = options.externalTemporal ?? { ...temporal.settings, connection: {} };
    const { workers, clients } = await startRunners({ nc, temporal: temporalSettings }, functions, options, steps);
    const dashboard = await serveDashboard(
      { nc, ...clients, access: dashboardRules, host: dashboardHost, temporalUiUrl: temporal.settings.uiUrl },
      options,
      steps,
    );
    const health = await serveDevHealth(
      { bridge: clients.bridge, workers: () => workers.current(), registries: [workers.registry, clients.registry] },
      options.metrics,
      logger,
    );
    if (health) steps.add('health server', () => health.close());
    const stack = {
      dashboard: { url: dashboard.url },
      ...(health ? { metrics: healthAddress(health) } : {}),
      nats: nats.settings,
      natsStarted: nats.started,
      temporal: temporal.settings,
      temporalStarted: temporal.started,
      provision,
      dataDir,
      logs: { ...(nats.started ? { nats: logs.nats } : {}), ...(temporal.started ? { temporal: logs.temporal } : {}) },
      stop,
    };
    // Stopped first: no command finds servers that are going.
    steps.add('servers file', recordDevServers(stack, streamCreatedAt));
    const demo = await publishOrders(jetstream(nc), demoOrders(options.demoOrders ?? 3));
    return { ...stack, demo };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * dev's NATS connection, with the topology and the objects beside it provisioned; also the creation
 * time of the ORDERS stream, which tells it apart from any other.
 */
async function provisioned(settings: NatsSettings, steps: StopSteps) {
  const nc = await connectNats(settings, { name: 'orderflow dev', reconnectForever: true });
  steps.add('NATS connection', () => closeNats(nc));
  const jsm = await jetStreamManagerFor(nc);
  const provision = await provisionTopology(jsm, nc.info?.version ?? 'unknown');
  await ensureSupportObjects(nc, jsm);
  return { nc, provision, streamCreatedAt: await streamCreated(jsm) };
}

/** What dev's bridge is built on, once the servers run. */
interface Connected {
  readonly nc: NatsConnection;
  readonly temporal: TemporalSettings;
  /** The pipeline whose function queues the bridge watches for workers; none: only its own queue. */
  readonly pipeline: Pipeline | undefined;
}

/**
 * The workers, then the bridge on its Temporal clients; with --watch, the workers reload from then
 * on. The bridge watches the function queues for workers only without --watch: with it, the queues
 * may change at each reload, and dev runs a worker for each of them whatever they are.
 */
async function startRunners(
  { nc, temporal }: Omit<Connected, 'pipeline'>,
  functions: DevFunctions,
  options: DevOptions,
  steps: StopSteps,
): Promise<{ workers: DevWorkers; clients: DevBridge }> {
  const tracing = options.tracing ? { tracing: options.tracing } : {};
  const deps = { nc, temporal, options: options.worker, logger: options.logger, ...tracing };
  const workers = await startDevWorkers(functions, deps, steps);
  const pipeline = options.watch ? undefined : functions.pipeline;
  const clients = await startBridge({ nc, temporal, pipeline }, options, steps);
  workers.watch(clients.client);
  return { workers, clients };
}

/** The bridge's Temporal clients (the dashboard shares them). */
interface TemporalClients {
  readonly client: Client;
  readonly probeClient: Client;
}

/** The bridge, its clients and the registry of its metrics. */
interface DevBridge extends TemporalClients {
  readonly bridge: Bridge;
  readonly registry: Registry;
}

/** The Temporal clients, the search attributes registered, then the bridge started on them. */
async function startBridge(
  { nc, temporal, pipeline }: Connected,
  options: DevOptions,
  steps: StopSteps,
): Promise<DevBridge> {
  const client = await connectTemporal(temporal, {
    ...(options.tracing ? { clientInterceptors: options.tracing.clientInterceptors } : {}),
  });
  steps.add('Temporal client', () => client.connection.close());
  // Before the bridge starts: it gives runs their search attributes only when they are registered.
  await registerSearchAttributes(client);
  const probeClient = await connectTemporal(temporal, { retries: false });
  steps.add('Temporal probe client', () => probeClient.connection.close());
  // A registry of its own: its gauges share names with a worker's.
  const registry = componentRegistry();
  const bridge = new Bridge(
    { nc, client, probeClient, logger: options.logger, ...(pipeline ? { pipeline } : {}), registry },
    options.bridge,
  );
  await bridge.start();
  steps.add('bridge', () => bridge.close());
  return { client, probeClient, bridge, registry };
}

/** The dashboard, on port 9470 when free, a free one otherwise. */
async function serveDashboard(
  deps: TemporalClients & {
    readonly nc: NatsConnection;
    readonly access: DashboardAccess;
    readonly host: string;
    readonly temporalUiUrl: string | undefined;
  },
  options: DevOptions,
  steps: StopSteps,
): Promise<RunningDashboard> {
  const dashboard = await startDashboard({
    nc: deps.nc,
    client: deps.client,
    probeClient: deps.probeClient,
    access: deps.access,
    port: options.dashboard?.port ?? (await preferredOrFreePort(DEFAULT_DASHBOARD_PORT, deps.host)),
    taskQueue: options.worker.taskQueue,
    ...(deps.temporalUiUrl ? { temporalUiUrl: deps.temporalUiUrl } : {}),
    logger: options.logger,
  });
  steps.add('dashboard', () => dashboard.close());
  options.logger.info('dashboard serving', { url: dashboard.url });
  return dashboard;
}
