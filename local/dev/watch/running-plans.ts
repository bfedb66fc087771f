/**
 * Which functions the running stage runs of a task queue still have to call, by their plans: asked
 * by `orderflow dev --watch` before its workers let go of a function the module no longer
 * defines. A run's plan and the functions it completed come from its `status` query, or its
 * history when no worker answers (operate/status/stage-run-detail.ts); a run not planned yet may
 * still be planned by the workers serving, so it counts as calling every function asked about.
 */
import type { Client } from '@temporalio/client';

import { STAGES } from '../../../workflows/names';
import { messageOf } from '../../../shared/errors';
import { detailOfRunning } from '../../../operate/status/stage-run-detail';
import type { StillPlanned } from './decision';

/** Runs read at most; beyond, what they call is not known (dev is no place for that many). */
const MOST_RUNS = 500;
/** Runs asked at once. */
const AT_ONCE = 16;
/** How long one run's `status` query may take, in ms (its history is read otherwise). */
const QUERY_TIMEOUT_MS = 2000;

const STAGE_WORKFLOWS: readonly string[] = Object.values(STAGES).map((stage) => stage.workflowType);

interface RunningRun {
  readonly workflowId: string;
  readonly runId: string;
}

/** Which of `names` running runs on `taskQueue` still call; never rejects (a failure is `unknown`). */
export async function stillPlanned(client: Client, taskQueue: string, names: readonly string[]): Promise<StillPlanned> {
  if (names.length === 0) return { type: 'known', runs: new Map() };
  try {
    const runs = await runningStageRuns(client, taskQueue);
    if (runs === undefined) return { type: 'unknown', reason: `more than ${MOST_RUNS} runs are running` };
    const found = new Map<string, string[]>();
    for (let i = 0; i < runs.length; i += AT_ONCE) {
      const batch = runs.slice(i, i + AT_ONCE);
      const left = await Promise.all(batch.map((run) => functionsLeft(client, run)));
      batch.forEach((run, j) => {
        for (const name of names.filter((n) => left[j] === 'all' || left[j]!.includes(n))) {
          found.set(name, [...(found.get(name) ?? []), run.workflowId]);
        }
      });
    }
    return { type: 'known', runs: found };
  } catch (err) {
    return { type: 'unknown', reason: `Temporal did not say: ${messageOf(err)}` };
  }
}

/** The stage runs running on `taskQueue`, or undefined when there are more than MOST_RUNS. */
async function runningStageRuns(client: Client, taskQueue: string): Promise<RunningRun[] | undefined> {
  const runs: RunningRun[] = [];
  const query = `ExecutionStatus = 'Running' AND TaskQueue = '${taskQueue}'`;
  for await (const run of client.workflow.list({ query, pageSize: 100 })) {
    if (!STAGE_WORKFLOWS.includes(run.type)) continue;
    if (runs.length === MOST_RUNS) return undefined;
    runs.push({ workflowId: run.workflowId, runId: run.runId });
  }
  return runs;
}

/** The functions of the run's plan it has not completed, or `all` when it has no plan yet. */
async function functionsLeft(client: Client, run: RunningRun): Promise<readonly string[] | 'all'> {
  const detail = await detailOfRunning(client, run.workflowId, run.runId, QUERY_TIMEOUT_MS);
  if (!detail.plan) return 'all';
  const done = new Set((detail.steps ?? []).map((step) => step.name));
  return detail.plan.functions.map((fn) => fn.name).filter((name) => !done.has(name));
}
