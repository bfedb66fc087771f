/**
 * `orderflow dashboard`: the live pipeline page (operate/dashboard/) served until Ctrl-C. Bound to
 * 127.0.0.1 unless --host says otherwise; a non-loopback bind refuses to start without
 * ORDERFLOW_DASHBOARD_TOKEN.
 */
import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';

import type { OptionsFor } from '../../shared/config/option-table';
import { OPTIONS } from '../../shared/config/option-table';
import { givenSources } from '../../shared/config/read-options';
import { firstSet } from '../../shared/config/validate';
import { ConfigError } from '../../shared/errors';
import type { DashboardAccess } from '../../operate/dashboard';
import { TOKEN_ENV, dashboardAccess, startDashboard } from '../../operate/dashboard';
import type { Logger } from '../../shared/log';
import { connectTemporal } from '../../shared/temporal/connect';
import type { AllServers } from '../options';
import { loggerFrom, serversFrom, toLog } from '../options';
import { untilSignal } from '../stop-signals';
import { optionsFrom, tableCommand } from '../table-flags';

type DashboardOptions = OptionsFor<'dashboard'>;

/** A port that cannot be listened on is a setting to change, not a bug. */
function listenError(err: unknown, { dashboardHost, dashboardPort }: DashboardOptions): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL' && code !== 'EACCES') return err;
  return new ConfigError(
    '--port',
    `cannot listen on ${dashboardHost}:${dashboardPort} (${code})`,
    'choose another --port or --host (port 0: any free one)',
    { cause: err },
  );
}

/** What the page is served from and with. */
interface Serving {
  readonly nc: NatsConnection;
  readonly client: Client;
  readonly probeClient: Client;
  readonly access: DashboardAccess;
  readonly logger: Logger;
}

/** Serves the page until `stopRequested`, then stops serving. */
async function serveUntil(stopRequested: Promise<NodeJS.Signals>, serving: Serving, options: DashboardOptions) {
  const { logger, access } = serving;
  const { dashboardPort: port, temporalUiUrl } = options;
  const dashboard = await startDashboard({ ...serving, port, temporalUiUrl }).catch((err: unknown) => {
    throw listenError(err, options);
  });
  process.stdout.write(`orderflow: dashboard on ${dashboard.url}\n`);
  logger.info('dashboard serving', { url: dashboard.url, actionsNeedToken: Boolean(access.token) });
  logger.info('stopping', { signal: await stopRequested });
  await dashboard.close();
}

/** The options, with the Temporal UI of the orderflow dev whose Temporal is used when no UI is named. */
function withDevUi(options: DashboardOptions, servers: AllServers, command: Command): DashboardOptions {
  const uiNamed = firstSet(...givenSources(OPTIONS.temporalUiUrl, command.opts(), process.env));
  const devUi = servers.temporal.chosenBy === 'found' ? servers.dev?.temporal.uiUrl : undefined;
  return uiNamed || !devUi ? options : { ...options, temporalUiUrl: devUi };
}

async function dashboard(given: DashboardOptions, command: Command): Promise<void> {
  // Checked before connecting to anything: an unsafe bind is refused at once.
  const access = dashboardAccess(given.dashboardHost, process.env[TOKEN_ENV]);
  const logger = loggerFrom(command);
  const stopRequested = untilSignal();
  const servers = serversFrom(command, 'nats+temporal', toLog(logger));
  const options = withDevUi(given, servers, command);
  const nc = await servers.connectNats({ name: 'orderflow dashboard', reconnectForever: true });
  try {
    const { temporal } = servers;
    const client = await connectTemporal(temporal);
    const probeClient = await connectTemporal(temporal, { retries: false }).catch(async (err: unknown) => {
      await client.connection.close();
      throw err;
    });
    try {
      await serveUntil(stopRequested, { nc, client, probeClient, access, logger }, options);
    } finally {
      await client.connection.close();
      await probeClient.connection.close();
    }
  } finally {
    await nc.close();
  }
}

export function registerDashboard(program: Command): void {
  tableCommand(program, 'dashboard', 'dashboard')
    .description('serve the live pipeline page: rates, stages, ack delays, recent orders, dead letters, alerts')
    .addHelpText(
      'after',
      `\nA host other than a loopback address needs ${TOKEN_ENV} (name:secret, or a secret for "operator").` +
        `\nWhen it is set, redriving from the page asks for it; every action is logged with the token's name.`,
    )
    .action((flags: Record<string, unknown>, command: Command) => dashboard(optionsFrom('dashboard', flags), command));
}
