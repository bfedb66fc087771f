/**
 * Starting a rerun's runs: each as a new workflow under its rerun ID, with the bridge's memo plus
 * the tag, a bounded number at once. The ID is refused if it ever ran (conflict policy FAIL, reuse
 * policy REJECT_DUPLICATE), so starting the same tag twice, or two operators at once, starts each
 * order once: a refusal counts as "already rerun". Each carries the bridge's search attributes
 * when the namespace has them registered (asked once).
 */
import type { Client } from '@temporalio/client';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
} from '@temporalio/common';

import type { StageName } from '../../workflows/names';
import { STAGES } from '../../workflows/names';
import type { RerunSpec } from '../../workflows/types';
import { messageOf } from '../../shared/errors';
import { runAttributesFor } from '../../shared/temporal/run-attributes';
import { searchAttributesRegistered } from '../../shared/temporal/search-attribute-registry';
import { forEachBounded } from './lookups';
import { rerunMemoFor } from './memo';
import type { SelectedRerun } from './select';

export interface StartSettings {
  readonly stage: StageName;
  readonly taskQueue: string;
  readonly rerun: RerunSpec;
  readonly concurrency: number;
  /** Whether the runs carry orderflow's search attributes. Default: when the namespace has them registered. */
  readonly searchAttributes?: boolean;
  /** Told after each start, whatever its result. */
  readonly onEach?: (done: number) => void;
}

export interface StartSummary {
  readonly started: readonly string[];
  /** Refused because the rerun ID already ran: another start of this tag got there first. */
  readonly alreadyRerun: readonly string[];
  readonly failed: ReadonlyArray<{ readonly workflowId: string; readonly error: string }>;
}

export async function startReruns(
  client: Client,
  reruns: readonly SelectedRerun[],
  settings: StartSettings,
): Promise<StartSummary> {
  const started: string[] = [];
  const alreadyRerun: string[] = [];
  const failed: Array<{ workflowId: string; error: string }> = [];
  const { workflowType } = STAGES[settings.stage];
  const withAttributes = settings.searchAttributes ?? (await searchAttributesRegistered(client));
  await forEachBounded(reruns, settings.concurrency, async ({ workflowId, message }) => {
    const input = { ...message.input, rerun: settings.rerun };
    try {
      await client.workflow.start(workflowType, {
        taskQueue: settings.taskQueue,
        workflowId,
        args: [input],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
        // One run per tag and order, ever: a rerun that fails again is rerun under a new tag.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        memo: rerunMemoFor(input),
        ...(withAttributes ? { typedSearchAttributes: runAttributesFor(input) } : {}),
      });
      started.push(workflowId);
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) alreadyRerun.push(workflowId);
      else failed.push({ workflowId, error: messageOf(err) });
    }
    settings.onEach?.(started.length + alreadyRerun.length + failed.length);
  });
  return { started, alreadyRerun, failed };
}
