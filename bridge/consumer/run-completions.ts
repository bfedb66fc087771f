/**
 * How one stage of the bridge learns that its runs closed, whether it holds ten or thousands. The
 * first `longPolls` runs held wait on Temporal's long poll for their result (the answer comes the
 * moment the run closes); every run beyond them is found by one visibility query per sweep for
 * all of the stage's runs closed lately, so thousands held cost two queries a second instead of
 * thousands of open polls re-sent every 20 s. A run the sweep misses (visibility far behind) is
 * still found by its own periodic check (await-run.ts), which reports it here.
 *
 * The sweep waits on visibility, which lags most when Temporal is busiest (a wave of completions:
 * half a second and more). A run that completes publishes its stage's output as its last step, so
 * the stage's output subject says, before visibility does, that a run is about to close: a run
 * waiting for the sweep whose output is seen reads its result at once (a long poll that answers
 * within milliseconds). The output is only a hint: the ack still waits for the run's result.
 */
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import { childSignal, sleep } from '../../shared/waits';
import type { Stage } from '../../workflows/names';
import { stageOutputOf, workflowIdFor } from '../../workflows/names';

export interface CompletionWatchOptions {
  /** Runs whose completion is long-polled at once; the rest wait for the sweep. */
  readonly longPolls: number;
  /** How often the sweep asks, in ms. Default: SWEEP_EVERY_MS. */
  readonly sweepEveryMs?: number;
}

/** A run closed up to this long before a sweep's window began is still looked for: the lag of visibility records, in ms. */
const OVERLAP_MS = 5000;
const SWEEP_EVERY_MS = 500;
const PAGE_SIZE = 1000;
const COMPLETED = temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;
const CLOSE_EVENT = temporal.api.enums.v1.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT;
/** One page of the sweep may take this long before it counts as failed, in ms. */
const SWEEP_DEADLINE_MS = 10_000;

/** Whether the server refused the query itself (no advanced visibility): the sweep cannot work there. */
function refusesQuery(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  // gRPC INVALID_ARGUMENT (3) or UNIMPLEMENTED (12).
  return code === 3 || code === 12;
}

export class RunCompletions {
  private longPollsInUse = 0;
  /** Runs waiting for the sweep, by run ID: each told whether its run completed (else: read its result). */
  private readonly waiting = new Map<string, (completed: boolean) => void>();
  /** The run ID of each waiting run, by workflow ID (for the output hint). */
  private readonly runOf = new Map<string, string>();
  private outputs: Subscription | undefined;
  private sweeping = false;
  /** Where the next sweep's window begins, in ms since the epoch: early enough for every run that waits. */
  private lookFrom = Number.POSITIVE_INFINITY;
  /** False once the server refused the sweep's query: every run long-polls then. */
  private sweepWorks = true;
  private readonly everyMs: number;
  /** Sweeps done (for tests and metrics). */
  sweeps = 0;

  constructor(
    private readonly client: Client,
    private readonly stage: Stage,
    private readonly options: CompletionWatchOptions,
    private readonly log: Logger,
  ) {
    this.everyMs = options.sweepEveryMs ?? SWEEP_EVERY_MS;
  }

  /** Runs waiting for the sweep now. */
  get swept(): number {
    return this.waiting.size;
  }

  get longPolling(): number {
    return this.longPollsInUse;
  }

  /** Takes a long-poll place if one is free (always, when the sweep cannot work); give it back with `releaseLongPoll`. */
  tryLongPoll(): boolean {
    if (this.longPollsInUse >= this.options.longPolls && this.sweepWorks) return false;
    this.longPollsInUse += 1;
    return true;
  }

  releaseLongPoll(): void {
    this.longPollsInUse -= 1;
  }

  /**
   * Long-polls run `runId` until it closes (Temporal answers empty every ~20 s, and it asks again);
   * resolves with whether it completed, rejects with the signal's reason or a failed call. Each
   * poll has a signal of its own: the client leaves a listener on every signal it is given, and
   * one signal for a run held for minutes gathered a listener, and the call it holds, per poll.
   */
  async longPollClose(workflowId: string, runId: string, signal: AbortSignal): Promise<boolean> {
    const request: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryRequest = {
      namespace: this.client.options.namespace,
      execution: { workflowId, runId },
      skipArchival: true,
      waitNewEvent: true,
      historyEventFilterType: CLOSE_EVENT,
    };
    for (;;) {
      const one = childSignal(signal);
      let answer: temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse;
      try {
        answer = await this.client.withAbortSignal(one.signal, () =>
          this.client.workflowService.getWorkflowExecutionHistory(request),
        );
      } finally {
        one.dispose();
      }
      const close = answer.history?.events?.[0];
      if (close) {
        const completed = close.workflowExecutionCompletedEventAttributes;
        // Completed into a new run (a retry or cron policy) is not this run's end: the result follows it.
        return Boolean(completed && !completed.newExecutionRunId);
      }
      request.nextPageToken = answer.nextPageToken ?? null;
    }
  }

  /**
   * Resolves once run `runId` is seen closed, with whether it completed (its result then needs no
   * call of its own); rejects with the signal's reason when it aborts. `since`: when the run was
   * last seen running, in ms since the epoch.
   */
  whenClosed(workflowId: string, runId: string, since: number, signal: AbortSignal): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason as Error);
      const forget = (): void => {
        this.waiting.delete(runId);
        if (this.runOf.get(workflowId) === runId) this.runOf.delete(workflowId);
      };
      const onAbort = (): void => {
        forget();
        reject(signal.reason as Error);
      };
      this.waiting.set(runId, (completed) => {
        forget();
        signal.removeEventListener('abort', onAbort);
        resolve(completed);
      });
      this.runOf.set(workflowId, runId);
      signal.addEventListener('abort', onAbort, { once: true });
      this.lookFrom = Math.min(this.lookFrom, since - OVERLAP_MS);
      if (!this.sweeping) void this.sweepWhileWaited();
    });
  }

  /**
   * Watches the stage's output subject for the hint that a waiting run is closing. Needs
   * permission to subscribe to it; without, the sweep alone answers. Idempotent.
   */
  listenForOutputs(nc: NatsConnection): void {
    if (this.outputs) return;
    this.outputs = nc.subscribe(this.stage.outputSubject, {
      callback: (err, msg) => {
        if (err) return;
        const output = stageOutputOf(msg.headers?.get('Nats-Msg-Id') ?? '');
        if (output?.stage !== this.stage.name) return;
        const runId = this.runOf.get(workflowIdFor(this.stage.name, output.orderId));
        if (runId) this.waiting.get(runId)?.(false);
      },
    });
  }

  /** Stops watching the output subject. */
  close(): void {
    this.outputs?.unsubscribe();
    this.outputs = undefined;
  }

  /** A run seen closed another way (its own check), and whether it completed. */
  markClosed(runId: string, completed: boolean): void {
    this.waiting.get(runId)?.(completed);
  }

  private async sweepWhileWaited(): Promise<void> {
    this.sweeping = true;
    try {
      while (this.waiting.size > 0 && this.sweepWorks) {
        const began = Date.now();
        const from = this.lookFrom;
        // Runs that come to wait during the sweep move the next window's start back for themselves.
        this.lookFrom = Number.POSITIVE_INFINITY;
        // A failed sweep (Temporal away or slow) asks again from the same point.
        const next = (await this.sweep(from)) ? began - OVERLAP_MS : from;
        this.lookFrom = Math.min(this.lookFrom, next);
        await sleep(Math.max(0, this.everyMs - (Date.now() - began)));
      }
    } finally {
      this.sweeping = false;
      if (this.waiting.size === 0) this.lookFrom = Number.POSITIVE_INFINITY;
    }
    // Refused: the runs still waiting are answered by their own checks; new ones long-poll.
  }

  /** One visibility query for the stage's runs closed since `from`; wakes each that waits. False when it failed. */
  private async sweep(from: number): Promise<boolean> {
    this.sweeps += 1;
    const query =
      `WorkflowType = '${this.stage.workflowType}' AND ExecutionStatus != 'Running' ` +
      `AND CloseTime >= '${new Date(from).toISOString()}'`;
    let nextPageToken: Uint8Array | undefined;
    try {
      do {
        const token = nextPageToken;
        const page = await this.client.connection.withDeadline(Date.now() + SWEEP_DEADLINE_MS, () =>
          this.client.workflowService.listWorkflowExecutions({
            namespace: this.client.options.namespace,
            query,
            pageSize: PAGE_SIZE,
            ...(token ? { nextPageToken: token } : {}),
          }),
        );
        for (const run of page.executions ?? []) {
          const runId = run.execution?.runId;
          if (runId) this.waiting.get(runId)?.(run.status === COMPLETED);
        }
        nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
      } while (nextPageToken && this.waiting.size > 0);
      return true;
    } catch (err) {
      if (refusesQuery(err)) {
        this.sweepWorks = false;
        this.log.warn('the Temporal server refused the visibility query for closed runs: every run is long-polled', {
          error: messageOf(err),
        });
      } else {
        this.log.debug('sweep for closed runs failed', { error: messageOf(err) });
      }
      return false;
    }
  }
}
