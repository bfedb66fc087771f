/**
 * Prometheus registries, one per process or component, never prom-client's global one: two
 * bridges, or a bridge and its workers, may share a process (`orderflow dev`, the tests) and would
 * otherwise clash on names. Also the histogram buckets every orderflow metric uses, in one place.
 */
import type { Registry } from 'prom-client';
import { Gauge, Registry as PromRegistry, collectDefaultMetrics } from 'prom-client';

/** Histogram upper bounds, in seconds. */
export const BUCKETS = {
  /** A gRPC call to start a workflow or attach to it: milliseconds, seconds while Temporal struggles. */
  workflowStart: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  /** A stage from the stream to the ack: its functions and any wait in the backlog or for retries. */
  endToEnd: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
  /** JetStream's delivery-to-ack: a stage's run, without the backlog. */
  ackDelay: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
  /** One attempt of a user's function, with the recording of its result. */
  functionDuration: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
} as const satisfies Record<string, readonly number[]>;

/**
 * A registry with prom-client's standard process metrics (`process_cpu_seconds_total`,
 * `process_resident_memory_bytes`, `nodejs_heap_size_used_bytes`, `nodejs_eventloop_lag_seconds`,
 * ...). For an entry point, once per process: the process metrics watch the event loop and the
 * garbage collector for as long as the process lives.
 */
export function processRegistry(): Registry {
  const registry = new PromRegistry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** A registry without the process metrics, for a component given none. */
export function componentRegistry(): Registry {
  return new PromRegistry();
}

/** A gauge without labels whose value is read from the live state at each scrape. */
export function liveGauge(registry: Registry, name: string, help: string, read: () => number | boolean): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(Number(read()));
    },
  });
}
