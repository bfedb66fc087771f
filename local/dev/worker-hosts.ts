/**
 * dev's Temporal workers: one per task queue for the whole session, each registering a single
 * activity, Temporal's `default` (which takes every activity type), that hands each task to the
 * generation serving when the task starts (worker-generation.ts). A reload swaps the generation
 * and stops no worker: a worker stopped while a task is on its way to it loses that task until it
 * times out (Temporal servers before 1.31 do not hand it back), which held a few running orders
 * 10 s at each reload when each generation had workers of its own. The tasks an earlier
 * generation started run on in the same worker. A queue no generation serves any more has its
 * worker stopped as `orderflow worker` stops, its running functions given the shutdown grace.
 */
import { Context } from '@temporalio/activity';

import type { TemporalSettings } from '../../shared/config/temporal';
import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import type { Tracing } from '../../shared/observability/tracing';
import type { ActivityTable, OrderflowWorker } from '../../worker/worker';
import { createOrderflowWorker } from '../../worker/worker';
import type { GenerationDeps, WorkerGeneration } from './worker-generation';

export interface HostDeps extends GenerationDeps {
  readonly temporal: TemporalSettings;
  readonly tracing?: Tracing;
  readonly logger: Logger;
}

/** A worker of dev's, with the queue it serves. */
export interface DevWorker {
  readonly taskQueue: string;
  readonly worker: OrderflowWorker;
}

interface Host extends DevWorker {
  /** Settles when the worker stopped; never rejects (a failure is logged). */
  readonly done: Promise<void>;
}

export class WorkerHosts {
  private readonly hosts = new Map<string, Host>();
  private readonly stopping = new Set<Promise<void>>();

  private constructor(
    private readonly deps: HostDeps,
    private serving: WorkerGeneration,
  ) {}

  /** A worker for each queue `first` serves, running until stopped. Rejects, none left running, when one cannot start. */
  static async start(deps: HostDeps, first: WorkerGeneration): Promise<WorkerHosts> {
    const hosts = new WorkerHosts(deps, first);
    await hosts.serve(first);
    return hosts;
  }

  /**
   * Hands the next tasks to `generation`: a worker started for each queue it serves that none
   * does yet (none of them left running when one cannot start, and the generation serving goes
   * on), then the workers of the queues it no longer serves stopped.
   */
  async serve(generation: WorkerGeneration): Promise<void> {
    const started: Host[] = [];
    try {
      for (const taskQueue of generation.tables.keys()) {
        if (!this.hosts.has(taskQueue)) started.push(await this.startHost(taskQueue, generation));
      }
    } catch (err) {
      await Promise.all(started.map((host) => stopped(host)));
      throw err;
    }
    for (const host of started) this.hosts.set(host.taskQueue, host);
    this.serving = generation;
    for (const [taskQueue, host] of this.hosts) {
      if (generation.tables.has(taskQueue)) continue;
      this.hosts.delete(taskQueue);
      const stopping = stopped(host);
      this.stopping.add(stopping);
      void stopping.then(() => this.stopping.delete(stopping));
    }
  }

  /** The workers running. */
  workers(): DevWorker[] {
    return [...this.hosts.values()].map(({ taskQueue, worker }) => ({ taskQueue, worker }));
  }

  /** Stops every worker, their running functions given the shutdown grace period. Never rejects. */
  async stop(): Promise<void> {
    const hosts = [...this.hosts.values()];
    this.hosts.clear();
    await Promise.all([...hosts.map((host) => stopped(host)), ...this.stopping]);
  }

  private async startHost(taskQueue: string, generation: WorkerGeneration): Promise<Host> {
    const { deps } = this;
    const worker = await createOrderflowWorker({
      nc: deps.nc,
      temporal: deps.temporal,
      options: { ...deps.options, taskQueue },
      // Its role (the stage workflows, or functions only) is the queue's, whatever the build.
      pipeline: generation.pipeline,
      build: generation.build,
      registry: deps.registry,
      activities: this.router(taskQueue),
      ...(deps.tracing ? { tracing: deps.tracing } : {}),
    });
    const done = worker
      .run()
      .catch((err: unknown) => deps.logger.error('worker stopped', { taskQueue, error: messageOf(err) }));
    deps.logger.info('worker running', {
      taskQueue,
      role: worker.role,
      functions: worker.functions.join(','),
      build: generation.build,
    });
    return { taskQueue, worker, done };
  }

  /** The one activity a queue's worker registers: each task to the activity of the generation serving. */
  private router(taskQueue: string): ActivityTable {
    return {
      default: (input: never) => {
        const table = this.serving.tables.get(taskQueue);
        const activity = table?.[Context.current().info.activityType] ?? table?.default;
        // Not reached: a queue's worker stops as the generation that no longer serves it comes in.
        if (!activity) throw new Error(`task queue ${taskQueue} is served by no build of this dev`);
        return activity(input);
      },
    };
  }
}

function stopped(host: Host): Promise<void> {
  host.worker.shutdown();
  return host.done;
}
