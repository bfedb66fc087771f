#!/usr/bin/env node
/**
 * The `orderflow` command. The only module that turns errors into exit codes: a UserError
 * (bad setting, unreachable server, invalid input) prints one line; anything else is a bug and
 * prints its stack.
 */
import { Command, CommanderError } from 'commander';

import { isUserError } from '../shared/errors';
import { killChildrenOnExit } from '../local/servers/process';
import { registerBridge } from './commands/bridge';
import { registerDashboard } from './commands/dashboard';
import { registerDev } from './commands/dev';
import { registerDlq } from './commands/dlq';
import { registerInit } from './commands/init';
import { registerMonitor } from './commands/monitor';
import { registerProvision } from './commands/provision';
import { registerPause } from './commands/pause';
import { registerPublish } from './commands/publish';
import { registerReplay } from './commands/replay';
import { registerResume } from './commands/resume';
import { registerRerun } from './commands/rerun';
import { registerPlan } from './commands/plan';
import { registerStatus } from './commands/status';
import { registerWorker } from './commands/worker';
import { addGlobalOptions } from './options';

/** How long a finished command may take to let go of its last handles, in ms. */
const EXIT_GRACE_MS = 2000;

export function buildProgram(): Command {
  const program = addGlobalOptions(new Command('orderflow'))
    .description('NATS JetStream orders as durable serverless functions on Temporal')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s.replace(/^error: /, 'orderflow: ')) });
  registerDev(program);
  registerInit(program);
  registerProvision(program);
  registerPublish(program);
  registerBridge(program);
  registerWorker(program);
  registerPlan(program);
  registerDlq(program);
  registerStatus(program);
  registerReplay(program);
  registerRerun(program);
  registerMonitor(program);
  registerDashboard(program);
  registerPause(program);
  registerResume(program);
  const exitOverride = (command: Command): void => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  program.commands.forEach(exitOverride);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successful exits; every other parse failure is a usage error.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (isUserError(err)) {
      process.stderr.write(`orderflow: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(
      `orderflow: unexpected error (a bug; please report it):\n${err instanceof Error ? err.stack : String(err)}\n`,
    );
    return 1;
  }
}

if (require.main === module) {
  killChildrenOnExit();
  // `orderflow status | head`: the reader went away; that ends the output, not in a crash.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Normally nothing is left and the process ends now. Should a client leave a handle behind
    // (a connection attempt abandoned after a timeout), the command has still ended: exit anyway,
    // rather than linger as a live process that does nothing.
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  });
}
