/**
 * dev's functions and workers: the module loaded once before any server starts, or with --watch
 * loaded as a fresh copy and watched; then its first generation (worker-generation.ts) served by
 * dev's workers (worker-hosts.ts), which the reloader (watch/reloader.ts) replaces at each save
 * once the bridge's Temporal client is there.
 */
import type { Client } from '@temporalio/client';
import type { Registry } from 'prom-client';

import type { Pipeline } from '../../activities/define';
import type { WorkerOptions } from '../../shared/config/run-options';
import { UsageError } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import { processRegistry } from '../../shared/observability/registry';
import { buildIdFor } from '../../worker/build-id';
import { loadPipeline } from '../../worker/functions-module';
import { installRuntimeWithoutSignalHandlers } from '../../worker/worker';
import type { StopSteps } from './stop-steps';
import { WorkerReloader } from './watch/reloader';
import type { FreshLoad } from './watch/watched-module';
import { WatchedModule } from './watch/watched-module';
import { buildGeneration } from './worker-generation';
import type { DevWorker, HostDeps } from './worker-hosts';
import { WorkerHosts } from './worker-hosts';

/** The functions module as dev loaded it at start. */
export interface DevFunctions {
  readonly pipeline: Pipeline;
  readonly build: string;
  /** With --watch: the module watched, and the load the first workers run. */
  readonly watched?: { readonly module: WatchedModule; readonly load: FreshLoad };
}

/**
 * Loads the module (the demo without one); watched with `watch`, until the caller closes the
 * watch. A module that does not load rejects (FunctionsModuleError), nothing left watched.
 */
export async function loadDevFunctions(options: WorkerOptions, watch: boolean, logger: Logger): Promise<DevFunctions> {
  if (!watch) {
    const { pipeline, modulePath } = await loadPipeline(options.functions);
    return { pipeline, build: buildIdFor(pipeline, modulePath, options.buildId) };
  }
  if (options.functions === undefined)
    throw new UsageError('--watch: nothing to watch; name your module with --functions');
  const module = new WatchedModule(options.functions, logger);
  try {
    const load = await module.load();
    return { pipeline: load.pipeline, build: options.buildId ?? load.derived, watched: { module, load } };
  } catch (err) {
    module.close();
    throw err;
  }
}

export interface DevWorkers {
  /** Where every generation's metrics go, with the process metrics. */
  readonly registry: Registry;
  /** The workers running now. */
  current(): readonly DevWorker[];
  /** With --watch, reloads at each save from now on (`client` asks Temporal about running runs). */
  watch(client: Client): void;
}

/** Starts the workers on the first generation; their stop step stops them and any reload. */
export async function startDevWorkers(
  functions: DevFunctions,
  deps: Omit<HostDeps, 'registry'>,
  steps: StopSteps,
): Promise<DevWorkers> {
  installRuntimeWithoutSignalHandlers();
  // With the process metrics: dev is a process of its own, as `orderflow worker` is.
  const hostDeps = { ...deps, registry: processRegistry() };
  const generation = await buildGeneration(hostDeps, functions.pipeline, functions.build);
  const hosts = await WorkerHosts.start(hostDeps, generation);
  let reloader: WorkerReloader | undefined;
  steps.add('workers', async () => {
    await reloader?.close();
    await hosts.stop();
  });
  return {
    registry: hostDeps.registry,
    current: () => hosts.workers(),
    watch(client) {
      if (!functions.watched || reloader) return;
      const { module, load } = functions.watched;
      const givenBuild = deps.options.buildId;
      const reloaderDeps = { ...hostDeps, client, ...(givenBuild ? { givenBuild } : {}) };
      reloader = new WorkerReloader(reloaderDeps, hosts, module, { generation, load });
      reloader.start();
    },
  };
}
