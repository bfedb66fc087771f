/**
 * `orderflow rerun`: runs a range of history again as new runs tagged with an incident name,
 * after a bug fix. Reads the range, prints the plan, asks on a terminal (or takes --yes), starts
 * the runs a bounded number at once and prints what happened. Exit 0 when everything selected is
 * running or was already rerun under the tag; 1 when nothing was started for want of a
 * confirmation, or a start failed.
 */
import { createInterface } from 'node:readline/promises';

import { jetstream } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';

import { STAGES } from '../../workflows/names';
import { jetStreamManagerFor } from '../../shared/nats/connect';
import { serverLookups } from '../../operate/rerun/lookups';
import type { RerunOptions } from '../../operate/rerun/options';
import { rerunOptions } from '../../operate/rerun/options';
import { readRange } from '../../operate/rerun/read';
import { formatPlan, formatSummary, plural, progressReporter } from '../../operate/rerun/report';
import type { RerunPlan } from '../../operate/rerun/select';
import { planRerun } from '../../operate/rerun/select';
import { startReruns } from '../../operate/rerun/start';
import { connectTemporal } from '../../shared/temporal/connect';
import { serversFrom } from '../options';
import { tableCommand } from '../table-flags';

async function confirmed(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** Whether to start `count` runs: --yes, or `y` on a terminal; otherwise says why not and sets exit 1. */
async function mayStart(count: number, yes: boolean): Promise<boolean> {
  if (yes) return true;
  if (!(process.stdin.isTTY && process.stderr.isTTY)) {
    process.stderr.write(`orderflow: ${plural(count, 'run')} not started: add --yes to start them\n`);
  } else if (await confirmed(`start ${plural(count, 'run')}? [y/N] `)) {
    return true;
  } else {
    process.stderr.write('nothing started\n');
  }
  process.exitCode = 1;
  return false;
}

/** Prints the plan, and once allowed starts its runs; exit 1 when a start failed. */
async function runPlan(client: Client, plan: RerunPlan, options: RerunOptions): Promise<void> {
  process.stdout.write(`${formatPlan(plan, options)}\n`);
  const count = plan.toRun.length;
  const already = plan.alreadyRerun.length;
  if (count === 0) {
    process.stdout.write(`${formatSummary({ started: [], alreadyRerun: [], failed: [] }, options.tag, already)}\n`);
    return;
  }
  if (!(await mayStart(count, options.yes))) return;
  const summary = await startReruns(client, plan.toRun, {
    stage: options.stage,
    taskQueue: options.taskQueue,
    rerun: { tag: options.tag, reapply: options.reapply },
    concurrency: options.concurrency,
    onEach: progressReporter(count, Boolean(process.stderr.isTTY), (text) => process.stderr.write(text)),
  });
  process.stdout.write(`${formatSummary(summary, options.tag, already)}\n`);
  if (summary.failed.length) process.exitCode = 1;
}

async function rerun(options: RerunOptions, command: Command): Promise<void> {
  const servers = serversFrom(command, 'nats+temporal');
  const nc = await servers.connectNats({ name: 'orderflow rerun' });
  try {
    const client = await connectTemporal(servers.temporal);
    try {
      const jsm = await jetStreamManagerFor(nc);
      const contents = await readRange(jetstream(nc), jsm, options.stage, options.range, options.limit);
      const lookups = serverLookups(client, jsm, STAGES[options.stage].consumer, options.concurrency);
      await runPlan(client, await planRerun(options.only, options.stage, options.tag, contents, lookups), options);
    } finally {
      await client.connection.close();
    }
  } finally {
    await nc.close();
  }
}

export function registerRerun(program: Command): void {
  tableCommand(program, 'rerun', 'rerun')
    .description('run a range of history again after a fix, as new runs tagged with an incident name')
    .addHelpText(
      'after',
      '\nExit codes: 0 every selected order is running or already rerun, 1 nothing started (no confirmation) or a start failed, 2 bad flags, 3 a server unreachable.',
    )
    .action((flags: Record<string, unknown>, command: Command) => rerun(rerunOptions(flags, process.env), command));
}
