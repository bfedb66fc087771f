/** The pipeline at a glance: each work queue's backlog, workflows per stage and status, dead letters. */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';

import { DLQ_STREAM, STREAM } from '../config/topology';
import type { StageName } from '../../workflows/stages';
import { STAGES } from '../../workflows/stages';

const STATUSES = ['Running', 'Completed', 'Failed', 'TimedOut', 'Terminated', 'Canceled'] as const;

export interface PipelineSummary {
  readonly consumers: ReadonlyArray<{
    name: string;
    pending: number;
    ackPending: number;
    redelivered: number;
    waiting: number;
  }>;
  readonly workflows: Readonly<Record<StageName, Readonly<Record<(typeof STATUSES)[number], number>>>>;
  readonly deadLetters: { readonly total: number; readonly byConsumer: Readonly<Record<string, number>> };
}

export async function pipelineSummary(client: Client, jsm: JetStreamManager): Promise<PipelineSummary> {
  const consumers = [];
  for (const stage of Object.values(STAGES)) {
    const info = await jsm.consumers.info(STREAM, stage.consumer);
    consumers.push({
      name: stage.consumer,
      pending: info.num_pending,
      ackPending: info.num_ack_pending,
      redelivered: info.num_redelivered,
      waiting: info.num_waiting,
    });
  }
  const workflows = {} as Record<StageName, Record<(typeof STATUSES)[number], number>>;
  for (const [name, stage] of Object.entries(STAGES) as Array<[StageName, (typeof STAGES)[StageName]]>) {
    const counts = {} as Record<(typeof STATUSES)[number], number>;
    for (const status of STATUSES) {
      counts[status] = (
        await client.workflow.count(`WorkflowType = '${stage.workflowType}' AND ExecutionStatus = '${status}'`)
      ).count;
    }
    workflows[name] = counts;
  }
  const byConsumer: Record<string, number> = {};
  let total = 0;
  for (const stage of Object.values(STAGES)) {
    const subject = `orderflow.dlq.${stage.consumer}`;
    const info = await jsm.streams.info(DLQ_STREAM, { subjects_filter: subject }).catch(() => null);
    byConsumer[stage.consumer] = info?.state.subjects?.[subject] ?? 0;
    total += byConsumer[stage.consumer] ?? 0;
  }
  return { consumers, workflows, deadLetters: { total, byConsumer } };
}
