/**
 * Records the histories the replay test (test/workflow/workflow-replay.test.ts) replays: runs
 * every scenario of scenarios.ts on a local Temporal server with mocked activities, checks each run
 * ended as the scenario says, and writes its history to test/fixtures/histories/<scenario>.json
 * with a README saying which orderflow recorded them.
 *
 *   npm run record-histories                 every scenario, replacing the folder
 *   npm run record-histories -- <scenario>…  only these, keeping the others
 *
 * Re-record only for a deliberately incompatible change of the workflows, once no run of the old
 * code is in flight: the histories stand for the runs a deployment may still hold.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import prettier from 'prettier';

import { ROOT } from '../harness/paths';
import { toolPath } from '../harness/tools';
import type { FinishedRun, Scenario } from './scenarios';
import { SCENARIOS } from './scenarios';

const HISTORIES_DIR = path.join(ROOT, 'test/fixtures/histories');

/** Thrown when a scenario's run did not end as the scenario says: its history would guard nothing. */
class ScenarioMismatchError extends Error {
  override readonly name = 'ScenarioMismatchError';
}

/** Fails unless the run ended with the scenario's outcome, its functions completed with their attempts. */
async function checkRun(scenario: Scenario, { handle, status: last }: FinishedRun): Promise<void> {
  const { status } = await handle.describe();
  const seen = JSON.stringify({ outcome: status.name, completedSteps: last.completedSteps, attempts: last.attempts });
  const wanted = JSON.stringify({
    outcome: scenario.outcome,
    completedSteps: Object.keys(scenario.attempts),
    attempts: scenario.attempts,
  });
  if (seen !== wanted) throw new ScenarioMismatchError(`scenario ${scenario.name} ended as ${seen}, not ${wanted}`);
}

/** The commit of the workflow code, marked when workflows/ has changes not committed. */
function recordedAt(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
  try {
    const dirty = git('status', '--porcelain', '--', 'workflows') !== '';
    return `commit ${git('rev-parse', '--short=12', 'HEAD')}${dirty ? ' with uncommitted changes in workflows/' : ''}`;
  } catch {
    return 'an unknown commit (no git)';
  }
}

/** One line of the README per history file, keyed by file name. */
type ReadmeLines = Map<string, string>;

const LINE = /^- `([^`]+\.json)`: /;

function readmeLines(): ReadmeLines {
  const file = path.join(HISTORIES_DIR, 'README.md');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  return new Map(text.split('\n').flatMap((line) => (LINE.test(line) ? [[LINE.exec(line)![1]!, line]] : [])));
}

function recordedBy(): string {
  const version = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const sdk = (
    JSON.parse(fs.readFileSync(require.resolve('@temporalio/workflow/package.json'), 'utf8')) as { version: string }
  ).version;
  const day = new Date().toISOString().slice(0, 10);
  return `recorded by orderflow ${version} at ${recordedAt()}, @temporalio ${sdk}, on ${day}`;
}

function readme(lines: ReadmeLines): string {
  const order = SCENARIOS.map((s) => `${s.name}.json`);
  const rank = (file: string) => (order.includes(file) ? order.indexOf(file) : order.length);
  const files = [...lines.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return [
    '# Recorded stage workflow histories',
    '',
    'Histories of stage workflow runs with mocked activities (test/workflow/scenarios.ts). The replay',
    'test (test/workflow/workflow-replay.test.ts, part of `npm test`) replays each against the current',
    'workflow bundle: a failure means a change to workflows/ would break the runs in flight that',
    'took that path. Make such a change compatible (`patched()` from @temporalio/workflow) instead.',
    '',
    'Re-record every file (`npm run record-histories`) only when a change is deliberately',
    'incompatible and every run of the old code has finished (the stage workflows drained). A new',
    'scenario is recorded alone, keeping the others: `npm run record-histories -- <scenario>`.',
    '',
    ...files.map((file) => lines.get(file)!),
    '',
  ].join('\n');
}

/** The history as the project's Prettier writes JSON, so `npm run lint` passes over the folder. */
async function formatted(scenario: Scenario, json: string): Promise<string> {
  const filepath = path.join(HISTORIES_DIR, `${scenario.name}.json`);
  return prettier.format(json, { ...(await prettier.resolveConfig(filepath)), filepath });
}

interface Recorded {
  readonly scenario: Scenario;
  readonly json: string;
  readonly events: number;
}

async function record(env: TestWorkflowEnvironment, scenario: Scenario): Promise<Recorded> {
  const run = await scenario.run(env);
  await checkRun(scenario, run);
  const history = await run.handle.fetchHistory();
  return { scenario, json: await formatted(scenario, historyToJSON(history)), events: history.events?.length ?? 0 };
}

/**
 * Writes the recorded histories once all were recorded, so a failed recording changes nothing.
 * Recording every scenario replaces the folder (a renamed or dropped scenario leaves no stale
 * history); recording some replaces only theirs.
 */
function writeAll(recorded: readonly Recorded[], everything: boolean): void {
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  const lines: ReadmeLines = everything ? new Map() : readmeLines();
  if (everything) {
    for (const file of fs.readdirSync(HISTORIES_DIR)) {
      if (file.endsWith('.json')) fs.rmSync(path.join(HISTORIES_DIR, file));
    }
  }
  const by = recordedBy();
  for (const { scenario, json, events } of recorded) {
    const file = `${scenario.name}.json`;
    fs.writeFileSync(path.join(HISTORIES_DIR, file), json);
    lines.set(file, `- \`${file}\`: ${scenario.about} (${events} events); ${by}.`);
  }
  fs.writeFileSync(path.join(HISTORIES_DIR, 'README.md'), readme(lines));
}

/** Thrown when the command line names a scenario that does not exist. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

function chosen(names: readonly string[]): readonly Scenario[] {
  if (names.length === 0) return SCENARIOS;
  return names.map((name) => {
    const scenario = SCENARIOS.find((s) => s.name === name);
    if (!scenario) {
      throw new UsageError(
        `no scenario ${name}; choose from ${SCENARIOS.map((s) => s.name).join(', ')}, or none for all`,
      );
    }
    return scenario;
  });
}

async function main(names: readonly string[]): Promise<void> {
  const scenarios = chosen(names);
  // Errors only: the scenarios' failures are deliberate (each run's end is checked instead), and
  // the workers' warnings about them would drown the recorder's own lines.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: toolPath('temporal') } },
  });
  const recorded: Recorded[] = [];
  try {
    for (const scenario of scenarios) {
      const done = await record(env, scenario);
      recorded.push(done);
      process.stderr.write(`recorded ${scenario.name} (${done.events} events)\n`);
    }
  } finally {
    await env.teardown();
  }
  writeAll(recorded, scenarios === SCENARIOS);
  process.stderr.write(`wrote ${recorded.length} histories and README.md to ${path.relative(ROOT, HISTORIES_DIR)}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`record-histories: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
