/**
 * `orderflow dev`: the whole system on this machine (local/dev/dev.ts) from the command line,
 * until Ctrl-C, SIGTERM or the terminal going away.
 */
import path from 'node:path';

import type { Command } from 'commander';

import { natsSettings } from '../../shared/config/nats';
import { temporalSettings } from '../../shared/config/temporal';
import { devSummary } from '../../local/dev/summary';
import { ensureBinary } from '../../local/servers/binaries';
import { bridgeOptions, workerOptions } from '../../shared/config/run-options';
import { globalFlags, intFlag, loggerFrom } from '../options';
import { untilSignal } from '../stop-signals';
import { addOptions } from '../table-flags';
import { tracingFromEnv } from '../../shared/observability/trace-context';

interface DevFlags {
  dataDir?: string;
  demoOrders?: string;
  /** The table's options dev takes (--functions, --build-id), read by bridgeOptions / workerOptions. */
  [option: string]: string | undefined;
}

/**
 * Resolves when the terminal goes away (SIGHUP). The servers run in process groups of their own
 * (local/dev/dev.ts) and are not hung up with this process: it stops them as on Ctrl-C rather
 * than die by the signal's default and leave them running. Later hang-ups are ignored.
 */
function untilHangup(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => process.on('SIGHUP', () => resolve('SIGHUP')));
}

export function registerDev(program: Command): void {
  addOptions(program.command('dev'), 'dev')
    .description(
      'run the whole system locally: nats-server and the Temporal dev server (data under .data/), topology provisioned',
    )
    .option('--data-dir <dir>', 'folder for the servers data and logs (default: ./.data)')
    .option('--demo-orders <n>', 'demo orders to publish once running, 0 for none (default: 3)')
    .addHelpText(
      'after',
      '\nStandard ports (4222, 7233, UI 8233) are used when free, free ones otherwise. With NATS_URL or' +
        '\nTEMPORAL_ADDRESS set (or the matching flags), that server is used instead of starting one.',
    )
    .action(async (flags: DevFlags, command: Command) => {
      const stopRequested = Promise.race([untilSignal(), untilHangup()]);
      const logger = loggerFrom(command);
      const g = globalFlags(command);
      const env = process.env;
      const natsExternal = Boolean(g.natsUrl || env.NATS_URL || g.natsContext || env.NATS_CONTEXT);
      const temporalExternal = Boolean(g.temporalAddress || env.TEMPORAL_ADDRESS);
      // A server binary that is missing is built here when Go is there (minutes, once).
      const onProgress = (line: string): void => logger.info(line);
      const [natsServerBinary, temporalBinary] = await Promise.all([
        natsExternal ? '' : ensureBinary('nats-server', { onProgress }),
        temporalExternal ? '' : ensureBinary('temporal', { onProgress }),
      ]);
      // Loaded here: dev's worker brings the Temporal worker's native runtime, which other commands do without.
      const { startDev } = await import('../../local/dev/dev.js');
      const tracing = await tracingFromEnv('dev', env);
      const stack = await startDev({
        dataDir: path.resolve(flags.dataDir ?? '.data'),
        natsServerBinary,
        temporalBinary,
        ...(natsExternal ? { externalNats: natsSettings(g, env) } : {}),
        ...(temporalExternal ? { externalTemporal: temporalSettings(g, env) } : {}),
        bridge: bridgeOptions(flags),
        worker: workerOptions(flags),
        dashboard: { host: env.ORDERFLOW_DASHBOARD_HOST, token: env.ORDERFLOW_DASHBOARD_TOKEN },
        demoOrders: flags.demoOrders === undefined ? 3 : intFlag('--demo-orders', flags.demoOrders, 0, 10_000),
        ...(tracing ? { tracing } : {}),
        logger,
      });
      process.stdout.write(devSummary(stack, process.env));
      // A second Ctrl-C does not wait (untilSignal).
      logger.info('stopping', { signal: await stopRequested });
      await stack.stop();
      logger.info('stopped; data kept for the next run', { dataDir: path.resolve(flags.dataDir ?? '.data') });
    });
}
