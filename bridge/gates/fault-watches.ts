/**
 * The watches that close the stages' intake gates while the system (not an order) is at fault:
 * Temporal unreachable or refusing the namespace closes every stage's gate; no worker polling the
 * stages' task queue closes every stage's; no worker polling a queue the pipeline's functions name
 * closes only the gates of the stages whose functions use it. Each watch opens its key again when
 * the fault clears.
 */
import type { Client } from '@temporalio/client';

import type { FunctionDefinition, Pipeline } from '../../activities/define';
import { functionQueue, functionQueues } from '../../activities/plan';
import type { Logger } from '../../shared/log';
import { namespaceScopedError } from '../../shared/temporal/faults';
import { TemporalHealth } from '../../shared/temporal/health';
import { WorkerPresence } from '../../shared/temporal/worker-presence';
import type { StageName } from '../../workflows/names';
import type { IntakeGate } from './intake-gate';

/** Gate keys: one per kind of system fault. */
const TEMPORAL_KEY = 'temporal';
const NO_WORKER_KEY = 'no-worker';

/** Longest wait for one health probe's answer, in ms. */
const PROBE_DEADLINE_MS = 2000;

/** A watch's report for `gates`: closed under `key` while a reason is given, opened when none is. */
function closeWhile(gates: readonly IntakeGate[], key: string): (reason: string | undefined) => void {
  return (reason) => {
    for (const gate of gates) {
      if (reason) gate.close(key, reason);
      else gate.open(key);
    }
  };
}

/** Watches Temporal's health for the client's namespace, closing every gate while it fails. */
export function watchTemporal(client: Client, gates: readonly IntakeGate[], logger: Logger): TemporalHealth {
  return new TemporalHealth({
    probe: (signal) =>
      client
        .withAbortSignal(signal, () =>
          client.withDeadline(Date.now() + PROBE_DEADLINE_MS, () =>
            // Namespace-scoped: a missing namespace or a refused identity is a fault too.
            client.workflowService.describeNamespace({ namespace: client.options.namespace }),
          ),
        )
        .catch((err: unknown) => {
          throw namespaceScopedError(err, client.options.namespace);
        }),
    onChange: closeWhile(gates, TEMPORAL_KEY),
    logger,
  });
}

export interface WorkerWatchOptions {
  readonly client: Client;
  /** Where a failed check goes: a system fault closes the gates (TemporalHealth.report). */
  readonly reportFault: (err: unknown) => boolean;
  readonly logger: Logger;
  /** The task queue every stage's workflows run on. */
  readonly taskQueue: string;
  /** How often a queue is checked for a polling worker, in ms. */
  readonly checkEveryMs: number;
  /** A worker not seen polling this long is gone, in ms. */
  readonly staleAfterMs: number;
  /** The stages this bridge runs, each with its gate. */
  readonly stages: readonly StageName[];
  readonly gates: readonly IntakeGate[];
  /** The pipeline the workers run, when known: each queue its functions name is watched too. */
  readonly pipeline?: Pipeline;
}

/** Watches for workers: on the stages' task queue, and on each queue the pipeline's functions name. */
export function watchWorkers(options: WorkerWatchOptions): WorkerPresence[] {
  const { client, reportFault, logger, checkEveryMs, staleAfterMs, stages, gates, pipeline } = options;
  const common = { client, reportFault, logger, checkEveryMs, staleAfterMs };
  // Every stage's workflows run on the one task queue the bridge starts them on.
  const watches = [
    new WorkerPresence({ ...common, taskQueue: options.taskQueue, onChange: closeWhile(gates, NO_WORKER_KEY) }),
  ];
  // A queue the functions name pauses only the stages whose functions use it.
  for (const queue of pipeline ? functionQueues(pipeline, options.taskQueue) : []) {
    const onQueue = (fn: FunctionDefinition): boolean => functionQueue(fn, options.taskQueue) === queue;
    const users = stages.filter((stage) => pipeline!.stages[stage].some(onQueue));
    if (users.length === 0) continue;
    const functions = pipeline!.functions.filter(onQueue).map((fn) => fn.name);
    const usersGates = users.map((stage) => gates[stages.indexOf(stage)]!);
    watches.push(
      new WorkerPresence({
        ...common,
        taskQueue: queue,
        pollers: 'activity',
        purpose: `functions ${functions.join(', ')}`,
        onChange: closeWhile(usersGates, `${NO_WORKER_KEY}:${queue}`),
      }),
    );
  }
  return watches;
}
