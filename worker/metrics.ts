/**
 * A worker's metrics: each function's attempts and durations, told by the activity wrapper
 * (activities/function-activity.ts) through the observer this implements, and the worker
 * process's gauges. Names and labels are documented in the README's "Metrics and health".
 */
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';

import type { FunctionDone, FunctionObserver, FunctionOutcome, FunctionWaiting } from '../activities/function-activity';
import { BUCKETS, liveGauge } from '../shared/observability/registry';

const OUTCOMES: readonly FunctionOutcome[] = ['completed', 'failed', 'rejected', 'cancelled'];

export class FunctionMetrics implements FunctionObserver {
  private static readonly byRegistry = new WeakMap<Registry, FunctionMetrics>();
  private readonly calls: Counter<'function' | 'task_queue' | 'outcome'>;
  private readonly durations: Histogram<'function' | 'task_queue'>;
  private readonly waiting: Gauge<'function' | 'task_queue' | 'reason'>;

  /**
   * The function metrics of `registry`, registered on first use: workers of one process sharing a
   * registry (`orderflow dev`) share them, told apart by their task_queue label.
   */
  static in(registry: Registry): FunctionMetrics {
    let metrics = FunctionMetrics.byRegistry.get(registry);
    if (!metrics) FunctionMetrics.byRegistry.set(registry, (metrics = new FunctionMetrics(registry)));
    return metrics;
  }

  private constructor(registry: Registry) {
    this.calls = new Counter({
      name: 'orderflow_function_calls_total',
      help: "Attempts of each function, by outcome: completed, failed (retried per the function's policy), rejected (failed for good), cancelled.",
      labelNames: ['function', 'task_queue', 'outcome'],
      registers: [registry],
    });
    this.durations = new Histogram({
      name: 'orderflow_function_duration_seconds',
      help: 'Duration of each attempt of a function, with reading and recording its result.',
      labelNames: ['function', 'task_queue'],
      buckets: [...BUCKETS.functionDuration],
      registers: [registry],
    });
    this.waiting = new Gauge({
      name: 'orderflow_function_waiting',
      help: 'Attempts of each function waiting in this worker for its limit (reason: concurrency or rate) before they run.',
      labelNames: ['function', 'task_queue', 'reason'],
      registers: [registry],
    });
  }

  /** Shows every outcome of the functions hosted on `taskQueue` at 0 before their first attempt. */
  hosting(functions: readonly string[], taskQueue: string): void {
    for (const name of functions) {
      for (const outcome of OUTCOMES) this.calls.inc({ function: name, task_queue: taskQueue, outcome }, 0);
    }
  }

  onFunctionDone(done: FunctionDone): void {
    const labels = { function: done.function, task_queue: done.taskQueue };
    this.calls.inc({ ...labels, outcome: done.outcome });
    this.durations.observe(labels, done.seconds);
  }

  onWaiting(w: FunctionWaiting): void {
    this.waiting.inc({ function: w.function, task_queue: w.taskQueue, reason: w.reason }, w.waiting ? 1 : -1);
  }
}

export interface WorkerHealth {
  /** The Temporal worker polls its task queue. */
  readonly running: boolean;
  readonly natsConnected: boolean;
  readonly temporalReachable: boolean;
}

/** The worker process's gauges, read from `health()` at each scrape. */
export function registerWorkerGauges(registry: Registry, health: () => WorkerHealth): void {
  liveGauge(registry, 'orderflow_worker_running', '1 while the worker polls its task queue.', () => health().running);
  liveGauge(registry, 'orderflow_nats_connected', '1 while connected to NATS.', () => health().natsConnected);
  liveGauge(
    registry,
    'orderflow_temporal_reachable',
    'Whether Temporal answered the last probe (every 2 s).',
    () => health().temporalReachable,
  );
}
