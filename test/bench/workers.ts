/**
 * The bench's pipelines and their in-process workers. The demo's four functions run either as
 * regular activities (the demo as users get it) or as local functions with the stage's publish
 * local too: the same work (each records its result) in fewer task-queue round trips. Each mode
 * has its own task queue, so both run on the same servers, interleaved.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';

import type { OrderflowFunction, Pipeline } from '../../activities/define';
import { defineFunction, definePipeline } from '../../activities/define';
import demoPipeline from '../../activities/demo';
import { workerOptions } from '../../bridge/config/bridge';
import { connectNats } from '../../bridge/nats/connect';
import { createOrderflowWorker } from '../../bridge/worker/worker';
import type { Pipeline as Servers } from '../harness/pipeline';
import { WORKFLOW_BUNDLE } from '../harness/paths';

export type Mode = 'regular' | 'local';

export interface BenchPipeline {
  readonly mode: Mode;
  readonly pipeline: Pipeline;
  readonly taskQueue: string;
}

/** The same function, run as a local activity. */
function asLocal(fn: OrderflowFunction): OrderflowFunction {
  return defineFunction({ name: fn.name, run: fn.run, recordResult: fn.recordResult, local: true });
}

export const PIPELINES: Readonly<Record<Mode, BenchPipeline>> = {
  regular: { mode: 'regular', pipeline: demoPipeline, taskQueue: 'orderflow' },
  local: {
    mode: 'local',
    pipeline: definePipeline({
      process: demoPipeline.stages.process.map(asLocal),
      dispatch: demoPipeline.stages.dispatch.map(asLocal),
      publishLocally: true,
    }),
    taskQueue: 'orderflow-local',
  },
};

export interface RunningWorker {
  stop(): Promise<void>;
}

/**
 * The Temporal runtime as the product installs it (no signal handlers), logging warnings only:
 * the workers' state changes, a dozen lines per round, would bury the bench's own lines.
 */
function installQuietRuntime(): void {
  try {
    Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  } catch {
    // already installed, by an earlier worker of the bench
  }
}

/** A worker for one mode with the product's default limits, until stop(). */
export async function startBenchWorker(servers: Servers, bench: BenchPipeline): Promise<RunningWorker> {
  installQuietRuntime();
  const nc = await connectNats({ servers: [servers.nats.url] }, { reconnectForever: true });
  const worker = await createOrderflowWorker({
    nc,
    temporal: servers.temporalSettings,
    options: workerOptions({ shutdownGraceMs: '5000', taskQueue: bench.taskQueue }, {}),
    workflowBundlePath: WORKFLOW_BUNDLE,
    pipeline: bench.pipeline,
  });
  const running = worker.run();
  return {
    async stop() {
      worker.shutdown();
      await running;
      await nc.close();
    },
  };
}
