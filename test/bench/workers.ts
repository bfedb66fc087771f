/**
 * The bench's workers: `orderflow worker` processes, as operators run them, each with the
 * product's default limits. The demo's four functions run either as regular activities (the demo
 * as users get it) or as local functions with the stage's publish local too
 * (local-pipeline.ts). Each mode has its own task queue, so both run on the same servers,
 * interleaved. A worker of its own process keeps its CPU apart from the bench's clients and
 * counted on its own (cpu.ts).
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';

import type { Pipeline as Servers } from '../harness/pipeline';
import { killProcess, spawnCliWorker } from '../harness/pipeline';

export type Mode = 'regular' | 'local';

export interface BenchPipeline {
  readonly mode: Mode;
  readonly taskQueue: string;
  /** The functions module the worker loads; the built-in demo when absent. */
  readonly functionsModule?: string;
}

export const PIPELINES: Readonly<Record<Mode, BenchPipeline>> = {
  regular: { mode: 'regular', taskQueue: 'orderflow' },
  local: { mode: 'local', taskQueue: 'orderflow-local', functionsModule: path.join(__dirname, 'local-pipeline.js') },
};

/** The pids of the bench's running workers, whose CPU cpu.ts counts. */
export const workerPids = new Set<number>();

export interface RunningWorker {
  readonly pid: number;
  stop(): Promise<void>;
}

/** A worker process for one mode, once it polls; stop() ends it with SIGTERM, as a deployment would. */
export async function startBenchWorker(servers: Pick<Servers, 'env'>, bench: BenchPipeline): Promise<RunningWorker> {
  const args = ['--task-queue', bench.taskQueue];
  if (bench.functionsModule) args.push('--functions', bench.functionsModule);
  const child: ChildProcess = await spawnCliWorker(servers, args, { ORDERFLOW_SHUTDOWN_GRACE_MS: '5000' });
  const pid = child.pid!;
  workerPids.add(pid);
  return {
    pid,
    async stop() {
      workerPids.delete(pid);
      await killProcess(child, 'SIGTERM');
    },
  };
}
