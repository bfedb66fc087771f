/**
 * The pipeline at a glance: each work queue's backlog, workflows per stage and status, dead letters,
 * and operators' pauses of the stages (ORDERFLOW_PAUSES).
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';

import { STAGES, STREAM } from '../../workflows/names';
import { ACK_METRICS_SUBJECT, systemEvent } from '../../shared/observability/monitor-events';
import type { StageName } from '../../workflows/names';
import { countDeadLetters } from '../dlq/dead-letter-store';
import type { PauseOnRecord } from '../../shared/pause/stage-pause';
import { pausesOnRecord } from '../../shared/pause/stage-pause';

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
  /** Ack delays JetStream sampled while the summary was taken (acks made in that window). */
  readonly recentAcks: ReadonlyArray<{
    consumer: string;
    samples: number;
    redelivered: number;
    p50Ms: number;
    p99Ms: number;
  }>;
  /** Each stage's operator's pause on record: in force, or ended by its --until (kept until the next pause or resume). */
  readonly pauses: readonly PauseOnRecord[];
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : 0;
}

/** Listens to the sampled ack metrics for `ms` milliseconds (they are not stored anywhere). */
async function sampleAcks(nc: NatsConnection, ms: number): Promise<PipelineSummary['recentAcks']> {
  const seen = new Map<string, { delays: number[]; redelivered: number }>();
  const sub = nc.subscribe(ACK_METRICS_SUBJECT, {
    callback: (err, msg) => {
      const event = err ? undefined : systemEvent(msg.subject, msg.data);
      if (event?.type !== 'ack') return;
      const entry = seen.get(event.consumer) ?? { delays: [], redelivered: 0 };
      entry.delays.push(event.ackDelayMs);
      if (event.deliveries > 1) entry.redelivered += 1;
      seen.set(event.consumer, entry);
    },
  });
  await new Promise((r) => setTimeout(r, ms));
  sub.unsubscribe();
  return [...seen].map(([consumer, { delays, redelivered }]) => {
    const sorted = [...delays].sort((a, b) => a - b);
    return {
      consumer,
      samples: sorted.length,
      redelivered,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
    };
  });
}

export async function pipelineSummary(
  client: Client,
  nc: NatsConnection,
  jsm: JetStreamManager,
  sampleMs = 2000,
): Promise<PipelineSummary> {
  const recentAcks = sampleAcks(nc, sampleMs);
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
  const deadLetters = await countDeadLetters(
    jsm,
    Object.values(STAGES).map((stage) => stage.consumer),
  ).catch(() => ({ total: 0, byConsumer: {} }));
  const pauses = await pausesOnRecord(nc);
  return { consumers, workflows, deadLetters, pauses, recentAcks: await recentAcks };
}
