/**
 * `startDashboard`: the live pipeline page as one component, for `orderflow dashboard` and
 * `orderflow dev`. One reader of the monitor events (operate/monitor/watch.ts, aggregated by the
 * same MonitorAggregator the terminal monitor renders) and one poller of the system state, whatever
 * number of pages are open.
 */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';

import type { Logger } from '../../shared/log';
import { MonitorAggregator } from '../monitor/aggregator';
import { watchPipeline } from '../monitor/watch';
import { jetStreamManagerFor } from '../../shared/nats/connect';
import { pausesOnRecord } from '../../shared/pause/stage-pause';
import type { DashboardAccess } from './auth';
import { DashboardServer } from './server';
import { SystemStateWatch } from './system-state';
import { DEFAULT_DASHBOARD_PORT, DEFAULT_TEMPORAL_UI_URL } from '../../shared/config/option-table-operate';

export { dashboardAccess, TOKEN_ENV } from './auth';
export type { DashboardAccess } from './auth';

// Defined with the dashboard's --port and --temporal-ui-url options, in the option table.
export { DEFAULT_DASHBOARD_PORT, DEFAULT_TEMPORAL_UI_URL };

export interface DashboardOptions {
  readonly nc: NatsConnection;
  readonly client: Client;
  /**
   * A client without the SDK's own retries, for the health probe (a retried throttling would end
   * as a deadline and read as "unreachable"). Default: `client`.
   */
  readonly probeClient?: Client;
  /** From dashboardAccess(host, token): the bind and who may act. */
  readonly access: DashboardAccess;
  /** 0 for any free port. Default: 9470. */
  readonly port?: number;
  /** The Temporal web UI for links to each run. Default: http://127.0.0.1:8233. */
  readonly temporalUiUrl?: string;
  /** The stage workflows' task queue, whose pollers are watched. Default: `orderflow`. */
  readonly taskQueue?: string;
  /** Between polls of consumers, workflows and dead letters, in ms. Default: 3000. */
  readonly pollEveryMs?: number;
  readonly logger: Logger;
}

export interface RunningDashboard {
  readonly url: string;
  readonly port: number;
  /** Stops serving and watching. Idempotent. */
  close(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<RunningDashboard> {
  const { nc, client, logger } = options;
  const jsm = await jetStreamManagerFor(nc);
  const monitor = new MonitorAggregator({ recent: 20, recentOrders: 25, alerts: 10 });
  const watch = watchPipeline(nc, (event) => monitor.add(event));
  await watch.ready;
  const system = new SystemStateWatch({
    client,
    ...(options.probeClient ? { probeClient: options.probeClient } : {}),
    jsm,
    ...(options.taskQueue ? { taskQueue: options.taskQueue } : {}),
    ...(options.pollEveryMs ? { pollEveryMs: options.pollEveryMs } : {}),
    recentOrders: () => monitor.snapshot().recentOrders,
    pauses: () => pausesOnRecord(nc),
  });
  const server = new DashboardServer({
    access: options.access,
    client,
    nc,
    js: jetstream(nc),
    jsm,
    logger: logger.child({ component: 'dashboard' }),
    state: () => {
      const now = monitor.snapshot();
      return { monitor: now, system: system.current, orders: system.orderViews(now.recentOrders) };
    },
    refresh: () => system.refresh(),
    temporalUiUrl: options.temporalUiUrl ?? DEFAULT_TEMPORAL_UI_URL,
    namespace: client.options.namespace,
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      await server.close();
      await system.stop();
      watch.stop();
    })());
  try {
    await system.start();
    const { url, port } = await server.listen(options.port ?? DEFAULT_DASHBOARD_PORT);
    return { url, port, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
