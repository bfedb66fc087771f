/**
 * One generation of what dev's workers run: the activities of one build of the pipeline, for its
 * own queue and each queue its functions name. dev's workers (worker-hosts.ts) hand each task to
 * the generation serving when it starts; with --watch each reload brings the next generation
 * (watch/reloader.ts), while the tasks the last one started run on to their end.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import type { Registry } from 'prom-client';

import type { Pipeline } from '../../activities/define';
import { functionQueues } from '../../activities/plan';
import type { WorkerOptions } from '../../shared/config/run-options';
import type { ActivityTable } from '../../worker/worker';
import { buildActivities } from '../../worker/worker';

/** What every generation's activities are built on. */
export interface GenerationDeps {
  readonly nc: NatsConnection;
  /** The worker options; their task queue is the pipeline's. */
  readonly options: WorkerOptions;
  /** Shared by every generation: the function metrics go on counting, told apart by task_queue. */
  readonly registry: Registry;
}

export interface WorkerGeneration {
  readonly build: string;
  /** What it hosts: the module's pipeline, with any functions kept from earlier builds as retired. */
  readonly pipeline: Pipeline;
  /** Its activities on each queue it serves, each call counted while it runs. */
  readonly tables: ReadonlyMap<string, ActivityTable>;
  /** Resolves once none of its activities runs; meant for a generation no longer serving. */
  idle(): Promise<void>;
}

/** The queues a pipeline's workers serve: the pipeline's own first. */
export function queuesOf(pipeline: Pipeline, pipelineQueue: string): string[] {
  return [pipelineQueue, ...functionQueues(pipeline, pipelineQueue)];
}

export async function buildGeneration(
  deps: GenerationDeps,
  pipeline: Pipeline,
  build: string,
): Promise<WorkerGeneration> {
  const running = new Running();
  const tables = new Map<string, ActivityTable>();
  for (const taskQueue of queuesOf(pipeline, deps.options.taskQueue)) {
    const built = await buildActivities(
      { nc: deps.nc, options: { ...deps.options, taskQueue }, pipeline, build },
      deps.registry,
    );
    tables.set(taskQueue, running.counting(built));
  }
  return { build, pipeline, tables, idle: () => running.idle() };
}

/** Counts the calls running, to tell when a generation's code is done. */
class Running {
  private count = 0;
  private readonly waiting: Array<() => void> = [];

  counting(table: ActivityTable): ActivityTable {
    const counted: ActivityTable = {};
    for (const [type, fn] of Object.entries(table)) {
      counted[type] = async (input: never) => {
        this.count += 1;
        try {
          return await fn(input);
        } finally {
          this.count -= 1;
          if (this.count === 0) this.waiting.splice(0).forEach((resolve) => resolve());
        }
      };
    }
    return counted;
  }

  idle(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }
}
