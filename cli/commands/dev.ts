/**
 * `orderflow dev`: the whole system on this machine (local/dev/dev.ts) from the command line,
 * until Ctrl-C, SIGTERM or the terminal going away.
 */
import path from 'node:path';

import type { Command } from 'commander';

import { natsSettings } from '../../shared/config/nats';
import { OPTIONS } from '../../shared/config/option-table';
import { readOption } from '../../shared/config/read-options';
import { temporalSettings } from '../../shared/config/temporal';
import { devSummary } from '../../local/dev/summary';
import { ensureBinary } from '../../local/servers/binaries';
import { TOKEN_ENV } from '../../operate/dashboard';
import { bridgeOptions, metricsSettings, workerOptions } from '../../shared/config/run-options';
import { UsageError } from '../../shared/errors';
import { globalFlags, globalGiven, loggerFrom } from '../options';
import { untilSignal } from '../stop-signals';
import { optionsFrom, tableCommand } from '../table-flags';
import { tracingFromEnv } from '../../shared/observability/trace-context';
import type { Logger } from '../../shared/log';

/** dev's flags; the table's bridge and worker options among them (--functions, --build-id) are read as theirs. */
type DevFlags = Record<string, unknown>;

/**
 * Resolves when the terminal goes away (SIGHUP). The servers run in process groups of their own
 * (local/dev/dev.ts) and are not hung up with this process: it stops them as on Ctrl-C rather
 * than die by the signal's default and leave them running. Later hang-ups are ignored.
 */
function untilHangup(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => process.on('SIGHUP', () => resolve('SIGHUP')));
}

/** The servers dev starts itself (their binaries, built when missing), and those it is pointed at. */
async function serversFor(command: Command, logger: Logger) {
  const env = process.env;
  const natsExternal = globalGiven(command, 'natsUrl') || globalGiven(command, 'natsContext');
  const temporalExternal = globalGiven(command, 'temporalAddress');
  // A server binary that is missing is built here when Go is there (minutes, once).
  const onProgress = (line: string): void => logger.info(line);
  const [natsServerBinary, temporalBinary] = await Promise.all([
    natsExternal ? '' : ensureBinary('nats-server', { onProgress }),
    temporalExternal ? '' : ensureBinary('temporal', { onProgress }),
  ]);
  const g = globalFlags(command);
  return {
    natsServerBinary,
    temporalBinary,
    ...(natsExternal ? { externalNats: natsSettings(g, env) } : {}),
    ...(temporalExternal ? { externalTemporal: temporalSettings(g, env) } : {}),
  };
}

/**
 * The dashboard dev serves, bound as `orderflow dashboard`'s is, by its variables: its address,
 * its port when ORDERFLOW_DASHBOARD_PORT names one (otherwise dev picks 9470 or a free one), its token.
 */
function dashboardOf(env: NodeJS.ProcessEnv): { host?: string; port?: number; token?: string } {
  const portEnv = OPTIONS.dashboardPort.env;
  const port = portEnv && env[portEnv] ? readOption(OPTIONS.dashboardPort, 'dashboard', {}, env) : undefined;
  return {
    host: readOption(OPTIONS.dashboardHost, 'dashboard', {}, env),
    ...(port === undefined ? {} : { port }),
    token: env[TOKEN_ENV],
  };
}

export function registerDev(program: Command): void {
  tableCommand(program, 'dev', 'dev')
    .description(
      'run the whole system locally: nats-server and the Temporal dev server (data under .data/), topology provisioned',
    )
    .addHelpText(
      'after',
      '\nStandard ports (4222, 7233, UI 8233) are used when free, free ones otherwise. With NATS_URL or' +
        '\nTEMPORAL_ADDRESS set (or the matching flags), that server is used instead of starting one.' +
        '\nWhile it runs, the other commands run in this folder (or with ORDERFLOW_DATA_DIR naming its' +
        '\ndata folder) use its servers when none is named (<data-dir>/dev-servers.json).',
    )
    .action(async (flags: DevFlags, command: Command) => {
      const stopRequested = Promise.race([untilSignal(), untilHangup()]);
      const logger = loggerFrom(command);
      const env = process.env;
      const { dataDir, demoOrders, watch } = optionsFrom('dev', flags);
      const bridge = bridgeOptions(flags);
      const worker = workerOptions(flags);
      // Before anything starts: the built-in demo is no file of the user's to watch.
      if (watch && worker.functions === undefined) {
        throw new UsageError(
          '--watch: nothing to watch without --functions; name your pipeline module with --functions',
        );
      }
      const servers = await serversFor(command, logger);
      // Loaded here: dev's worker brings the Temporal worker's native runtime, which other commands do without.
      const { startDev } = await import('../../local/dev/dev.js');
      const tracing = await tracingFromEnv('dev', env);
      const stack = await startDev({
        dataDir: path.resolve(dataDir),
        ...servers,
        bridge,
        worker,
        watch: watch === true,
        // The dashboard dev serves is bound as `orderflow dashboard`'s, by its variables.
        dashboard: dashboardOf(env),
        metrics: metricsSettings(flags, env, 'dev'),
        demoOrders,
        ...(tracing ? { tracing } : {}),
        logger,
      });
      process.stdout.write(devSummary(stack, process.env, process.cwd()));
      // A second Ctrl-C does not wait (untilSignal).
      logger.info('stopping', { signal: await stopRequested });
      await stack.stop();
      logger.info('stopped; data kept for the next run', { dataDir: path.resolve(dataDir) });
    });
}
