/**
 * The stage workflows against the histories of runs recorded by earlier code
 * (test/fixtures/histories, recorded by test/workflow/record-histories.ts): a run in flight when a
 * new build is deployed is replayed by it, and a change that makes it take another path fails that
 * run for good. Every history must replay on the current bundle; a deliberately reordered
 * workflow must not, which shows this test can fail.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { History } from '@temporalio/common/lib/proto-utils';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { ReplayResult } from '@temporalio/worker';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';

import { ROOT, WORKFLOW_BUNDLE } from '../harness/paths';
import { SCENARIOS } from './scenarios';

const HISTORIES = path.join(ROOT, 'test/fixtures/histories');
const files = fs
  .readdirSync(HISTORIES)
  .filter((f) => f.endsWith('.json'))
  .sort();

function history(file: string): { workflowId: string; history: History } {
  const json: unknown = JSON.parse(fs.readFileSync(path.join(HISTORIES, file), 'utf8'));
  return { workflowId: path.basename(file, '.json'), history: historyFromJSON(json) };
}

async function replayAll(workflowBundle: { codePath: string } | { code: string }): Promise<Map<string, ReplayResult>> {
  const results = new Map<string, ReplayResult>();
  for await (const result of Worker.runReplayHistories({ workflowBundle }, files.map(history))) {
    results.set(`${result.workflowId}.json`, result);
  }
  return results;
}

describe('workflow replay - recorded histories against the workflow code', () => {
  it('workflow replay - the folder holds a history of every scenario, each described in its README', () => {
    expect(files).toEqual(expect.arrayContaining(SCENARIOS.map((s) => `${s.name}.json`)));
    const readme = fs.readFileSync(path.join(HISTORIES, 'README.md'), 'utf8');
    for (const file of files) expect(readme).toContain(`- \`${file}\`: `);
  });

  describe('on the current workflow bundle', () => {
    let results: Map<string, ReplayResult>;
    beforeAll(async () => {
      results = await replayAll({ codePath: WORKFLOW_BUNDLE });
    });

    it.each(files)('workflow replay - %s replays without a non-determinism', (file) => {
      expect(results.get(file)).toBeDefined();
      // The error, if any, says which command differed from the history.
      expect(results.get(file)?.error).toBeUndefined();
    });
  });

  it('workflow replay - a workflow that schedules the publish before reading the plan fails every replay', async () => {
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../fixtures/reordered-workflows'),
      // The bundler's progress lines are noise here (as in worker/bundle.ts).
      logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} },
    });
    const results = await replayAll({ code });

    expect([...results.keys()].sort()).toEqual(files);
    for (const [file, result] of results) {
      expect({ file, error: result.error }).toEqual({ file, error: expect.any(DeterminismViolationError) });
    }
  }, 60_000);
});
