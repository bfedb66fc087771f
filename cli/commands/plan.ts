/**
 * `orderflow plan`: loads a pipeline module and prints what each stage would run, on which task
 * queue, and the workers it needs, without connecting to anything. A check for a CI step before
 * deploying workers: a module that does not load exits 2 with one line, as the worker would.
 */
import type { Command } from 'commander';

import { functionQueues, stagePlans } from '../../activities/plan';
import { STAGE_NAMES } from '../../workflows/names';
import { workerOptions } from '../../shared/config/run-options';
import { buildIdFor } from '../../worker/build-id';
import { loadPipeline } from '../../worker/functions-module';
import { optionsFrom, tableCommand } from '../table-flags';

type Flags = Record<string, unknown>;

export function registerPlan(program: Command): void {
  tableCommand(program, 'plan', 'plan')
    .description('load a pipeline module and show each stage’s functions, their task queues and the workers needed')
    .action(async (flags: Flags) => {
      const { json } = optionsFrom('plan', flags);
      // As a worker would read them: --functions and --task-queue, and the other worker options' variables.
      const options = workerOptions(flags);
      const { pipeline, modulePath } = await loadPipeline(options.functions);
      const build = buildIdFor(pipeline, modulePath, options.buildId);
      const plans = stagePlans(pipeline, options.taskQueue, build);
      const queues = [options.taskQueue, ...functionQueues(pipeline, options.taskQueue)];
      if (json) {
        process.stdout.write(
          `${JSON.stringify({ build, plans, queues, retired: pipeline.retired.map((f) => f.name) }, null, 2)}\n`,
        );
        return;
      }
      const lines = [`build ${build}`];
      for (const stage of STAGE_NAMES) {
        const plan = plans[stage];
        const fns = plan.functions.map((f) =>
          f.taskQueue === options.taskQueue ? f.name : `${f.name}@${f.taskQueue}`,
        );
        lines.push(`${stage.padEnd(8)} plan ${plan.digest}: ${fns.join(' → ') || '(no functions: publishes at once)'}`);
      }
      if (pipeline.retired.length)
        lines.push(`retired  ${pipeline.retired.map((f) => f.name).join(', ')} (hosted, not planned)`);
      lines.push('workers needed:');
      for (const queue of queues) {
        lines.push(
          `  orderflow worker --functions <module>${queue === options.taskQueue ? '' : ` --task-queue ${queue}`}`,
        );
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
