/**
 * `orderflow rerun`: runs a range of history again as new runs tagged with an incident name,
 * after a bug fix. Reads the range, prints the plan, asks on a terminal (or takes --yes), starts
 * the runs a bounded number at once and prints what happened. Exit 0 when everything selected is
 * running or was already rerun under the tag; 1 when nothing was started for want of a
 * confirmation, or a start failed.
 */
import { createInterface } from 'node:readline/promises';

import { jetstream } from '@nats-io/jetstream';
import type { Command } from 'commander';

import { STAGES } from '../../workflows/names';
import { OPTIONS } from '../../shared/config/option-table';
import { connectNats, jetStreamManagerFor } from '../../shared/nats/connect';
import { serverLookups } from '../../operate/rerun/lookups';
import type { RerunFlags } from '../../operate/rerun/options';
import {
  DEFAULT_RERUN_CONCURRENCY,
  DEFAULT_RERUN_LIMIT,
  RERUN_SCOPES,
  rerunOptions,
} from '../../operate/rerun/options';
import { readRange } from '../../operate/rerun/read';
import { formatPlan, formatSummary, plural, progressReporter } from '../../operate/rerun/report';
import { planRerun } from '../../operate/rerun/select';
import { startReruns } from '../../operate/rerun/start';
import { connectTemporal } from '../../shared/temporal/connect';
import { natsFrom, temporalFrom } from '../options';
import { addFlags } from '../table-flags';

async function confirmed(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function registerRerun(program: Command): void {
  const command = program
    .command('rerun')
    .description('run a range of history again after a fix, as new runs tagged with an incident name')
    .option('--tag <name>', 'incident tag, part of each new run ID, e.g. INC-42 (required; 1-24 of A-Z a-z 0-9 _ -)')
    .option('--only <which>', `${RERUN_SCOPES.join(', ')}: which orders of the range run again (default: failed)`)
    .option(
      '--subject <subject>',
      'the stage to rerun, by its input subject (default: ORDERS.received, the process stage)',
    )
    .option(
      '--since <duration|time>',
      'start this long ago (10m, 2h, 1d) or at this ISO 8601 time (default: the beginning)',
    )
    .option('--from-seq <n>', 'start at this stream sequence')
    .option('--until <duration|time>', 'stop after this point in time (default: the end, as of the start)')
    .option('--until-seq <n>', 'stop after this stream sequence')
    .option('--order <id>', "only this order's messages")
    .option(
      '--reapply',
      'give the functions new idempotency keys carrying the tag: effects the first run applied apply again',
    )
    .option('--yes', 'start without asking')
    .option('--limit <n>', `messages read from the range at most (default: ${DEFAULT_RERUN_LIMIT})`)
    .option('--concurrency <n>', `runs started at once (default: ${DEFAULT_RERUN_CONCURRENCY})`);
  addFlags(command, 'bridge', [OPTIONS.taskQueue])
    .addHelpText(
      'after',
      '\nExit codes: 0 every selected order is running or already rerun, 1 nothing started (no confirmation) or a start failed, 2 bad flags, 3 a server unreachable.',
    )
    .action(async (flags: RerunFlags, cmd: Command) => {
      const options = rerunOptions(flags, process.env);
      const temporal = temporalFrom(cmd);
      const nc = await connectNats(natsFrom(cmd), { name: 'orderflow rerun' });
      try {
        const client = await connectTemporal(temporal);
        try {
          const jsm = await jetStreamManagerFor(nc);
          const contents = await readRange(jetstream(nc), jsm, options.stage, options.range, options.limit);
          const lookups = serverLookups(client, jsm, STAGES[options.stage].consumer, options.concurrency);
          const plan = await planRerun(options.only, options.stage, options.tag, contents, lookups);
          process.stdout.write(`${formatPlan(plan, options)}\n`);
          const count = plan.toRun.length;
          const already = plan.alreadyRerun.length;
          if (count === 0) {
            process.stdout.write(
              `${formatSummary({ started: [], alreadyRerun: [], failed: [] }, options.tag, already)}\n`,
            );
            return;
          }
          const tty = Boolean(process.stdin.isTTY && process.stderr.isTTY);
          if (!options.yes) {
            if (!tty) {
              process.stderr.write(`orderflow: ${plural(count, 'run')} not started: add --yes to start them\n`);
              process.exitCode = 1;
              return;
            }
            if (!(await confirmed(`start ${plural(count, 'run')}? [y/N] `))) {
              process.stderr.write('nothing started\n');
              process.exitCode = 1;
              return;
            }
          }
          const summary = await startReruns(client, plan.toRun, {
            stage: options.stage,
            taskQueue: options.taskQueue,
            rerun: { tag: options.tag, reapply: options.reapply },
            concurrency: options.concurrency,
            onEach: progressReporter(count, Boolean(process.stderr.isTTY), (text) => process.stderr.write(text)),
          });
          process.stdout.write(`${formatSummary(summary, options.tag, already)}\n`);
          if (summary.failed.length) process.exitCode = 1;
        } finally {
          await client.connection.close();
        }
      } finally {
        await nc.close();
      }
    });
}
