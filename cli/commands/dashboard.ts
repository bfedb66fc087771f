/**
 * `orderflow dashboard`: the live pipeline page (operate/dashboard/) served until Ctrl-C. Bound to
 * 127.0.0.1 unless --host says otherwise; a non-loopback bind refuses to start without
 * ORDERFLOW_DASHBOARD_TOKEN.
 */
import type { Command } from 'commander';

import { ConfigError } from '../../shared/errors';
import {
  DEFAULT_DASHBOARD_PORT,
  DEFAULT_TEMPORAL_UI_URL,
  TOKEN_ENV,
  dashboardAccess,
  startDashboard,
} from '../../operate/dashboard';
import { connectNats } from '../../shared/nats/connect';
import { connectTemporal } from '../../shared/temporal/connect';
import { intFlag, loggerFrom, natsFrom, temporalFrom } from '../options';
import { untilSignal } from '../stop-signals';

interface DashboardFlags {
  host?: string;
  port?: string;
  temporalUiUrl?: string;
}

function temporalUi(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return value.replace(/\/+$/, '');
  } catch {
    // Said below.
  }
  throw new ConfigError(
    '--temporal-ui-url',
    `"${value}" is not an http(s) URL`,
    'give the address the Temporal web UI is served on',
  );
}

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('serve the live pipeline page: rates, stages, ack delays, recent orders, dead letters, alerts')
    .option('--host <address>', 'address to listen on [env: ORDERFLOW_DASHBOARD_HOST] (default: 127.0.0.1)')
    .option(
      '--port <n>',
      `port to listen on, 0 for any free one [env: ORDERFLOW_DASHBOARD_PORT] (default: ${DEFAULT_DASHBOARD_PORT})`,
    )
    .option(
      '--temporal-ui-url <url>',
      `the Temporal web UI, for links to each run [env: ORDERFLOW_TEMPORAL_UI_URL] (default: ${DEFAULT_TEMPORAL_UI_URL})`,
    )
    .addHelpText(
      'after',
      `\nA host other than a loopback address needs ${TOKEN_ENV} (name:secret, or a secret for "operator").` +
        `\nWhen it is set, redriving from the page asks for it; every action is logged with the token's name.`,
    )
    .action(async (flags: DashboardFlags, command: Command) => {
      const env = process.env;
      const host = flags.host ?? env.ORDERFLOW_DASHBOARD_HOST ?? '127.0.0.1';
      const portText = flags.port ?? env.ORDERFLOW_DASHBOARD_PORT;
      const port =
        portText === undefined
          ? DEFAULT_DASHBOARD_PORT
          : intFlag(flags.port ? '--port' : 'ORDERFLOW_DASHBOARD_PORT', portText, 0, 65535);
      const temporalUiUrl = temporalUi(flags.temporalUiUrl ?? env.ORDERFLOW_TEMPORAL_UI_URL ?? DEFAULT_TEMPORAL_UI_URL);
      // Checked before connecting to anything: an unsafe bind is refused at once.
      const access = dashboardAccess(host, env[TOKEN_ENV]);
      const logger = loggerFrom(command);
      const stopRequested = untilSignal();
      const nc = await connectNats(natsFrom(command), { name: 'orderflow dashboard', reconnectForever: true });
      try {
        const temporal = temporalFrom(command);
        const client = await connectTemporal(temporal);
        const probeClient = await connectTemporal(temporal, { retries: false }).catch(async (err: unknown) => {
          await client.connection.close();
          throw err;
        });
        try {
          const dashboard = await startDashboard({
            nc,
            client,
            probeClient,
            access,
            port,
            temporalUiUrl,
            logger,
          }).catch((err: unknown) => {
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'EADDRINUSE' || code === 'EADDRNOTAVAIL' || code === 'EACCES')
              throw new ConfigError(
                '--port',
                `cannot listen on ${host}:${port} (${code})`,
                'choose another --port or --host (port 0: any free one)',
                { cause: err },
              );
            throw err;
          });
          process.stdout.write(`orderflow: dashboard on ${dashboard.url}\n`);
          logger.info('dashboard serving', { url: dashboard.url, actionsNeedToken: Boolean(access.token) });
          logger.info('stopping', { signal: await stopRequested });
          await dashboard.close();
        } finally {
          await client.connection.close();
          await probeClient.connection.close();
        }
      } finally {
        await nc.close();
      }
    });
}
