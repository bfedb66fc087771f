/**
 * A Temporal worker for a pipeline: on the pipeline's task queue it hosts the stage workflows and
 * the functions without a queue of their own; on a queue the pipeline's functions name, only
 * those functions (activities/host.ts). Any number may run on the same task queue.
 */
import fs from 'node:fs';
import path from 'node:path';

import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
import type { WorkerOptions as WorkerCreateOptions } from '@temporalio/worker';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Registry } from 'prom-client';

import type { Pipeline } from '../activities/define';
import demoPipeline from '../activities/demo';
import type { EffectStore } from '../activities/effects';
import { kvEffectStore } from '../activities/effects';
import { kvPermitStore } from '../activities/permits';
import type { WorkerRole } from '../activities/host';
import { createActivities, hostedFunctions, workerRole } from '../activities/host';
import { queueRatePerSecond } from '../activities/plan';
import type { WorkerOptions } from '../shared/config/run-options';
import type { TemporalSettings } from '../shared/config/temporal';
import { EFFECTS_BUCKET } from '../workflows/names';
import { ServerUnreachableError, messageOf } from '../shared/errors';
import { componentRegistry } from '../shared/observability/registry';
import type { Tracing } from '../shared/observability/tracing';
import { FunctionMetrics } from './metrics';
import { buildIdFor } from './build-id';
import { workerTracing } from './tracing';

/** Written by `npm run build` / the pretest step (see bundle.ts); bundled at start when absent. */
export const PREBUILT_BUNDLE = path.resolve(__dirname, '../workflow-bundle.js');
export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface OrderflowWorkerDeps {
  readonly nc: NatsConnection;
  readonly temporal: TemporalSettings;
  readonly options: WorkerOptions;
  /** The pipeline whose functions (and, on the pipeline's queue, workflows) this worker hosts. Default: the demo. */
  readonly pipeline?: Pipeline;
  /** Reported with each plan and result. Default: derived from the pipeline (build-id.ts). */
  readonly build?: string;
  /** A pre-built workflow bundle to load. Default: PREBUILT_BUNDLE when it exists, else bundle at start. */
  readonly workflowBundlePath?: string;
  /** Replaces the KV-backed effect store (tests inject slow or failing ones). */
  readonly wrapEffects?: (store: EffectStore) => EffectStore;
  /**
   * Where the per-function metrics go (worker/metrics.ts); workers sharing one are told apart by
   * their task queue. Default: a registry of the worker's own.
   */
  readonly registry?: Registry;
  /** Spans for the workflows and functions (shared/observability/tracing.ts). Default: off. */
  readonly tracing?: Tracing;
  /**
   * The activities to register instead of the pipeline's: `orderflow dev` registers one that hands
   * each task to the build serving when it starts (local/dev/worker-hosts.ts). Default: those
   * buildActivities makes of the pipeline.
   */
  readonly activities?: ActivityTable;
}

/** A worker's activities by activity type; `default` takes any other type. */
export type ActivityTable = ReturnType<typeof createActivities>;

export interface OrderflowWorker {
  readonly worker: Worker;
  readonly role: WorkerRole;
  /** Names of the functions hosted here. */
  readonly functions: readonly string[];
  /** Holds the per-function metrics. */
  readonly registry: Registry;
  /** Runs until shutdown() and closes the Temporal connection after. */
  run(): Promise<void>;
  /** Stops polling; running activities get the shutdown grace period. Idempotent. */
  shutdown(): void;
  /** Resolves when Temporal answers within 2 s, rejects otherwise. */
  probeTemporal(): Promise<unknown>;
}

/**
 * The Temporal runtime, installed so that it leaves SIGINT/SIGTERM to orderflow's entry points,
 * which stop the bridge before the workers. Call before any worker or native connection exists.
 */
export function installRuntimeWithoutSignalHandlers(options: { readonly quiet?: boolean } = {}): void {
  try {
    // Quiet (the testing kit): the SDK's lines about expected failures would fill a user's test output.
    const logger = options.quiet ? new DefaultLogger('ERROR') : undefined;
    Runtime.install({ shutdownSignals: [], ...(logger ? { logger } : {}) });
  } catch {
    // already installed (a second worker in the same process)
  }
}

/** The worker's own connection to Temporal. Throws ServerUnreachableError when it cannot be made. */
async function connectWorker(temporal: TemporalSettings): Promise<NativeConnection> {
  try {
    return await NativeConnection.connect({ ...temporal.connection, address: temporal.address });
  } catch (err) {
    throw new ServerUnreachableError('Temporal', temporal.address, messageOf(err), { cause: err });
  }
}

/** The workflows a worker loads: none on a queue of functions only, else the bundle, else the sources to bundle. */
function workflowsFor(role: WorkerRole, bundlePath: string | undefined): Partial<WorkerCreateOptions> {
  if (role === 'functions') return {};
  return bundlePath ? { workflowBundle: { codePath: bundlePath } } : { workflowsPath: WORKFLOWS_PATH };
}

/**
 * A rate-limited function's queue: the server starts at most its rate of tasks a second for all
 * the queue's workers together (each poll carries it; the last poller's value wins, and every
 * worker of one pipeline sends the same).
 */
function queueRateLimit(pipeline: Pipeline, taskQueue: string): Partial<WorkerCreateOptions> {
  const perSecond = queueRatePerSecond(pipeline, taskQueue);
  return perSecond === undefined ? {} : { maxTaskQueueActivitiesPerSecond: perSecond };
}

/**
 * The activities of the pipeline's functions (and, on the pipeline's queue, of its stages) on the
 * worker's queue, reporting `deps.build`, their metrics in `registry`.
 */
export async function buildActivities(
  deps: Pick<OrderflowWorkerDeps, 'nc' | 'options' | 'pipeline' | 'build' | 'wrapEffects'>,
  registry: Registry,
): Promise<ActivityTable> {
  const bucket = await new Kvm(deps.nc).open(EFFECTS_BUCKET);
  const store = kvEffectStore(bucket);
  const pipeline = deps.pipeline ?? demoPipeline;
  const taskQueue = deps.options.taskQueue;
  const observer = FunctionMetrics.in(registry);
  observer.hosting(
    hostedFunctions(pipeline, taskQueue).map((fn) => fn.name),
    taskQueue,
  );
  const effects = deps.wrapEffects ? deps.wrapEffects(store) : store;
  const build = deps.build ?? buildIdFor(pipeline, undefined);
  const permits = kvPermitStore(bucket);
  return createActivities({ effects, js: jetstream(deps.nc), observer, permits }, { pipeline, taskQueue, build });
}

export async function createOrderflowWorker(deps: OrderflowWorkerDeps): Promise<OrderflowWorker> {
  const registry = deps.registry ?? componentRegistry();
  const activities = deps.activities ?? (await buildActivities(deps, registry));
  const connection = await connectWorker(deps.temporal);
  const pipeline = deps.pipeline ?? demoPipeline;
  const taskQueue = deps.options.taskQueue;
  const role = workerRole(pipeline, taskQueue);
  const hosted = hostedFunctions(pipeline, taskQueue).map((fn) => fn.name);
  const bundlePath = deps.workflowBundlePath ?? (fs.existsSync(PREBUILT_BUNDLE) ? PREBUILT_BUNDLE : undefined);
  // A bundle has the workflow interceptors built in (bundle.ts); bundling at start adds them.
  const tracing = workerTracing(deps.tracing, role !== 'functions' && !bundlePath);
  const worker = await Worker.create({
    connection,
    ...tracing,
    namespace: deps.temporal.namespace,
    taskQueue,
    ...workflowsFor(role, bundlePath),
    activities,
    maxConcurrentActivityTaskExecutions: deps.options.maxConcurrentActivities,
    maxConcurrentWorkflowTaskExecutions: deps.options.maxConcurrentWorkflowTasks,
    // The SDK's default of 0 would cancel running activities at once on shutdown.
    shutdownGraceTime: deps.options.shutdownGraceMs,
    ...queueRateLimit(pipeline, taskQueue),
  });
  let running: Promise<void> | undefined;
  return {
    worker,
    role,
    functions: hosted,
    registry,
    run() {
      running ??= worker.run().finally(() => connection.close());
      return running;
    },
    shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
    },
    probeTemporal() {
      return connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}));
    },
  };
}
