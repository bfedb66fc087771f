/** The cluster run's sizes, each overridable by an environment variable (CLUSTER_*). */
import { fromEnv } from '../bench/config';

export interface ClusterRunConfig {
  /** Orders published, paced evenly over the fault window. CLUSTER_ORDERS, default 3000. */
  readonly orders: number;
  /** The fault window: publishing and the four faults happen within it, in ms. CLUSTER_WINDOW_MS, default 180000. */
  readonly windowMs: number;
  /** How long a killed node, bridge or worker stays down before it is started again, in ms. CLUSTER_DOWN_MS, default 10000. */
  readonly downMs: number;
  /** Longest settle after the window, in ms. CLUSTER_SETTLE_MS, default 900000. */
  readonly settleTimeoutMs: number;
  /** No progress for this long while work is pending is a stall, in ms. CLUSTER_STALL_MS, default 60000. */
  readonly stallMs: number;
}

export function clusterRunConfig(): ClusterRunConfig {
  return {
    orders: fromEnv('CLUSTER_ORDERS', 3000),
    windowMs: fromEnv('CLUSTER_WINDOW_MS', 180_000),
    downMs: fromEnv('CLUSTER_DOWN_MS', 10_000),
    settleTimeoutMs: fromEnv('CLUSTER_SETTLE_MS', 900_000),
    stallMs: fromEnv('CLUSTER_STALL_MS', 60_000),
  };
}
