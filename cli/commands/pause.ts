/**
 * `orderflow pause <stage>`: every bridge stops taking new orders of the stage (runs already
 * started finish and are acked), until `orderflow resume` or --until (operate/pause/pause.ts).
 */
import os from 'node:os';

import type { Command } from 'commander';

import { pauseLine, pauseStage, stageNamed } from '../../operate/pause/pause';
import { deadlineAt } from '../../shared/config/history-kinds';
import { jetStreamManagerFor } from '../../shared/nats/connect';
import { serversFrom } from '../options';
import { optionsFrom, tableCommand } from '../table-flags';

type Flags = Record<string, unknown>;

/** Who runs the command, as --by defaults to it. */
export function osUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

export function registerPause(program: Command): void {
  tableCommand(program, 'pause <stage>', 'pause')
    .description('stop every bridge taking new orders of a stage (process or dispatch); runs already started finish')
    .action(async (arg: string, flags: Flags, command: Command) => {
      const now = Date.now();
      const stage = stageNamed(arg);
      const options = optionsFrom('pause', flags);
      const until = options.pauseUntil && deadlineAt(options.pauseUntil, now);
      const nc = await serversFrom(command, 'nats').connectNats({ name: 'orderflow pause' });
      try {
        const result = await pauseStage(nc, await jetStreamManagerFor(nc), {
          stage,
          by: options.pauseBy ?? osUser(),
          reason: options.pauseReason ?? '',
          now,
          ...(until ? { until } : {}),
        });
        process.stdout.write(`${pauseLine(result)}\n`);
      } finally {
        await nc.close();
      }
    });
}
