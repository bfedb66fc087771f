/**
 * Whether any worker polls a task queue: the pipeline's (for workflow tasks) or a queue the
 * pipeline's functions name (for activity tasks). With none, a stage's runs cannot make progress,
 * and that is the system's fault, not the orders': the stage's gate closes under a `no-worker` key
 * (no pull, no delivery charged, nothing parked), readiness says why, and it opens when a worker polls.
 */
import type { Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common';

import type { Logger } from '../log';
import { namespaceScopedError } from './faults';
import { childSignal, sleep } from '../waits';

/** temporal.api.enums.v1 values, spelled out: the proto package is not a dependency of ours. */
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPES = { workflow: 1, activity: 2 } as const;

export interface WorkerPresenceOptions {
  readonly client: Client;
  readonly taskQueue: string;
  /** Which pollers count: the stage workflows' (default) or a function queue's activity pollers. */
  readonly pollers?: keyof typeof TASK_QUEUE_TYPES;
  /** What the queue is for, in the reason: e.g. `functions chargeCard`. Default: none. */
  readonly purpose?: string;
  /** Called with the reason when no worker polls, with undefined when one does again. */
  readonly onChange: (reason: string | undefined) => void;
  /** Reports a failed call; returns true when it was a Temporal system fault (then it is handled there). */
  readonly reportFault: (err: unknown) => boolean;
  readonly logger: Logger;
  /** Between checks, in ms. Default: 5000. */
  readonly checkEveryMs: number;
  /**
   * A poller not seen for this long is gone, in ms. A live worker's long poll lasts up to about
   * 70 s on an idle queue, so anything shorter would call an idle worker absent. Default: 120000.
   */
  readonly staleAfterMs: number;
}

export class WorkerPresence {
  private absentReason: string | undefined;
  private readonly stopped = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly options: WorkerPresenceOptions) {}

  /** Checks once now (so a bridge started without workers never pulls), then keeps watching. */
  async start(): Promise<void> {
    await this.check();
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.stopped.signal;
    while (!signal.aborted) {
      await sleep(this.options.checkEveryMs, signal);
      if (!signal.aborted) await this.check();
    }
  }

  private async check(): Promise<void> {
    const { client, taskQueue } = this.options;
    // A signal per call: the Temporal client leaves a listener on every signal it is given.
    const call = childSignal(this.stopped.signal);
    try {
      const response = await client.withAbortSignal(call.signal, () =>
        client.withDeadline(Date.now() + 5000, () =>
          client.workflowService.describeTaskQueue({
            namespace: client.options.namespace,
            taskQueue: { name: taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
            taskQueueType: TASK_QUEUE_TYPES[this.options.pollers ?? 'workflow'],
          }),
        ),
      );
      const now = Date.now();
      const live = (response.pollers ?? []).filter(
        (p) => now - (optionalTsToMs(p.lastAccessTime) ?? 0) < this.options.staleAfterMs,
      );
      this.set(
        live.length > 0
          ? undefined
          : `no worker polls Temporal task queue "${taskQueue}"${this.options.purpose ? ` (${this.options.purpose})` : ''}; start one with \`orderflow worker --task-queue ${taskQueue}\``,
      );
    } catch (err) {
      if (this.stopped.signal.aborted) return;
      // Temporal's own faults are told by its health watch; anything else leaves the last answer.
      if (!this.options.reportFault(namespaceScopedError(err, client.options.namespace))) {
        this.options.logger.debug('task queue check failed', { taskQueue, error: String(err) });
      }
    } finally {
      call.dispose();
    }
  }

  private set(reason: string | undefined): void {
    if (reason === this.absentReason) return;
    this.absentReason = reason;
    if (reason)
      this.options.logger.warn('no worker on the task queue; intake paused', {
        taskQueue: this.options.taskQueue,
        reason,
      });
    else
      this.options.logger.info('a worker polls the task queue; intake resumed', { taskQueue: this.options.taskQueue });
    this.options.onChange(reason);
  }
}
