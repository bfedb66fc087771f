/** `orderflow init <dir>`: writes a functions project to start from, and says what to run next. */
import path from 'node:path';

import type { Command } from 'commander';

import type { InitReport } from '../../local/init/init';
import { initProject } from '../../local/init/init';
import { nextCommands } from '../../local/init/project';
import { optionsFrom, tableCommand } from '../table-flags';

/** What was written and the commands that take the project from here to running. */
export function renderInit(report: InitReport, cwd: string): string {
  const width = Math.max(...report.files.map((f) => f.path.length));
  const relative = path.relative(cwd, report.dir);
  // `cd` only when the project is not here; a path with spaces quoted for the shell.
  const cd = relative ? [`cd ${/^[\w./-]+$/.test(relative) ? relative : JSON.stringify(relative)}`] : [];
  return [
    `Wrote ${report.name} in ${report.dir}:`,
    ...report.files.map((f) => `  ${f.path.padEnd(width)}  ${f.about}`),
    '',
    'Next:',
    ...[...cd, ...nextCommands(report.language)].map((c) => `  ${c}`),
    '',
  ].join('\n');
}

export function registerInit(program: Command): void {
  tableCommand(program, 'init <dir>', 'init')
    .description(
      'write a small functions project to start from: TypeScript (src/functions.ts, its tests with the testing kit, tsconfig.json), or JavaScript with --javascript',
    )
    .addHelpText('after', '\nExit codes: 0 written, 2 the folder is not empty or a flag is not valid.')
    .action((dir: string, flags: Record<string, unknown>) => {
      const { projectName, orderflowSpec, javascript } = optionsFrom('init', flags);
      const cwd = process.cwd();
      const report = initProject({
        dir,
        cwd,
        ...(projectName !== undefined ? { name: projectName } : {}),
        ...(orderflowSpec !== undefined ? { orderflowSpec } : {}),
        language: javascript ? 'javascript' : 'typescript',
      });
      process.stdout.write(renderInit(report, cwd));
    });
}
