/** `orderflow resume <stage>`: ends an operator's pause of the stage (operate/pause/pause.ts); exit 1 when not paused. */
import type { Command } from 'commander';

import { resumeLine, resumeStage, stageNamed } from '../../operate/pause/pause';
import { jetStreamManagerFor } from '../../shared/nats/connect';
import { serversFrom } from '../options';
import { optionsFrom, tableCommand } from '../table-flags';
import { osUser } from './pause';

type Flags = Record<string, unknown>;

export function registerResume(program: Command): void {
  tableCommand(program, 'resume <stage>', 'resume')
    .description('end an operator’s pause of a stage: every bridge takes its orders again')
    .action(async (arg: string, flags: Flags, command: Command) => {
      const stage = stageNamed(arg);
      const by = optionsFrom('resume', flags).pauseBy ?? osUser();
      const nc = await serversFrom(command, 'nats').connectNats({ name: 'orderflow resume' });
      try {
        const { pause } = await resumeStage(nc, await jetStreamManagerFor(nc), stage, Date.now());
        process.stdout.write(`${resumeLine(stage, by, pause)}\n`);
      } finally {
        await nc.close();
      }
    });
}
