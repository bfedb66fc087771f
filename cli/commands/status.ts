/**
 * `orderflow status`: one order's timeline (each stage's runs, messages, plan, the build that ran
 * each function, the function now), the runs one stream message started (`--seq`), or without
 * either the pipeline at a glance.
 */
import type { Command } from 'commander';

import { jetStreamManagerFor } from '../../shared/nats/connect';
import type { MessageRuns } from '../../operate/status/message-runs';
import { runsOfMessage } from '../../operate/status/message-runs';
import type { OrderTimeline, RunView, StageTimeline } from '../../operate/status/order-timeline';
import { orderTimeline } from '../../operate/status/order-timeline';
import type { PipelineSummary } from '../../operate/status/pipeline-summary';
import { pipelineSummary } from '../../operate/status/pipeline-summary';
import { describePause } from '../../shared/pause/stage-pause';
import { renderStandby, standbyBridges } from '../../operate/status/standby-bridges';
import { connectTemporal } from '../../shared/temporal/connect';
import type { Client } from '@temporalio/client';
import type { NatsConnection } from '@nats-io/nats-core';
import type { JetStreamManager } from '@nats-io/jetstream';

import type { OptionsFor } from '../../shared/config/option-table';
import { ConfigError } from '../../shared/errors';
import { table } from '../../operate/format';
import { serversFrom } from '../options';
import { optionsFrom, tableCommand } from '../table-flags';

type StatusOptions = OptionsFor<'status'>;

/** Where status reads from: Temporal, NATS and its JetStream. */
interface Servers {
  readonly client: Client;
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
}

/**
 * `  process plan 3f9a1c2b4d5e (reserveStock → chargePayment@payments) by orderflow@0.2.0+1a2b3c4d`:
 * a function's queue is shown only when it is not the stage workflow's own, where the pipeline's
 * workers run it.
 */
function planLines(s: StageTimeline): string[] {
  const lines: string[] = [];
  if (s.plan) {
    const fns = s.plan.functions.map((fn) => (fn.taskQueue === s.taskQueue ? fn.name : `${fn.name}@${fn.taskQueue}`));
    lines.push(`  ${s.stage} plan ${s.plan.digest} (${fns.join(' → ')}) by ${s.plan.build}`);
  }
  if (s.steps?.length) {
    const steps = s.steps.map((st) => `${st.name} attempt ${st.attempt}${st.build ? ` by ${st.build}` : ''}`);
    lines.push(`  ${s.stage} ran ${steps.join(', ')}`);
  }
  if (s.currentStep) lines.push(`  ${s.stage} now ${s.currentStep}${s.waiting ? `, waiting: ${s.waiting}` : ''}`);
  return lines;
}

/** `  process rerun INC-42 (process-A-1@rerun-INC-42, effects reapplied): COMPLETED, started …, closed …` */
function rerunLines(s: StageTimeline): string[] {
  return (s.reruns ?? []).map(
    (r) =>
      `  ${s.stage} rerun ${r.tag} (${r.workflowId}${r.reapply ? ', effects reapplied' : ''}): ${r.status}, ` +
      `started ${r.startTime}${r.closeTime ? `, closed ${r.closeTime}` : ''}`,
  );
}

/** `, from ORDERS.received #12 (delivery 2)`: the message that started the run, when it says. */
function sourcePart(run: RunView): string {
  const s = run.source;
  if (s?.streamSeq === undefined) return '';
  return `, from ${s.subject ?? s.stream ?? '?'} #${s.streamSeq}${s.deliveryCount ? ` (delivery ${s.deliveryCount})` : ''}`;
}

export function renderMessageRuns(m: MessageRuns): string {
  const how = m.via === 'search-attributes' ? 'found by search attributes' : "found through the order's runs";
  const lines = [`${m.stream} #${m.streamSeq}: ${m.runs.length} run${m.runs.length === 1 ? '' : 's'} (${how})`];
  if (m.runs.length) {
    const rows = [['STAGE', 'WORKFLOW', 'RUN', 'STATUS', 'DELIVERY', 'STARTED', 'CLOSED']];
    for (const r of m.runs) {
      rows.push([
        r.stage ?? '?',
        r.workflowId,
        r.runId,
        r.status,
        r.deliveryCount === undefined ? '?' : String(r.deliveryCount),
        r.startTime,
        r.closeTime ?? '-',
      ]);
    }
    lines.push(table(rows));
  }
  if (m.note) lines.push(m.note);
  return lines.join('\n');
}

function renderTimeline(t: OrderTimeline): string {
  const rows = [['STAGE', 'WORKFLOW', 'STATUS', 'RUNS', 'IN (SEQ, ACKED)', 'OUT (SEQ)', 'NOW / LAST FAILURE']];
  for (const s of t.stages) {
    rows.push([
      s.stage,
      s.workflowId,
      s.status ?? 'not started',
      String(s.runs.length),
      s.input
        ? `${s.input.subject} #${s.input.streamSeq}${s.input.acked === undefined ? '' : s.input.acked ? ' acked' : ` not acked, delivery ${s.input.deliveryCount ?? '?'}`}`
        : '-',
      s.output ? `${s.output.subject} #${s.output.streamSeq}` : '-',
      s.failingWorkflowTask
        ? `workflow task failing (attempt ${s.failingWorkflowTask.attempt}): fix the workers`
        : s.currentActivity
          ? `${s.currentActivity.name} attempt ${s.currentActivity.attempt}${s.currentActivity.lastFailure ? ` (${s.currentActivity.lastFailure})` : ''}`
          : s.waiting
            ? `waiting: ${s.waiting}`
            : (s.failure ?? ''),
    ]);
  }
  const lines = [`order ${t.orderId}`, table(rows)];
  for (const s of t.stages) {
    lines.push(...planLines(s));
    for (const r of s.runs)
      lines.push(
        `  ${s.stage} run ${r.runId}: ${r.status}, started ${r.startTime}${r.closeTime ? `, closed ${r.closeTime}` : ''}${sourcePart(r)}`,
      );
    lines.push(...rerunLines(s));
  }
  for (const d of t.deadLetters) {
    lines.push(`  dead letter ${d.id} (${d.consumer}, ${d.kind}, ${d.deliveries} deliveries, ${d.time}): ${d.reason}`);
  }
  return lines.join('\n');
}

function renderSummary(s: PipelineSummary): string {
  const consumers = [['CONSUMER', 'PENDING', 'ACK PENDING', 'REDELIVERED', 'WAITING PULLS']];
  for (const c of s.consumers)
    consumers.push([c.name, String(c.pending), String(c.ackPending), String(c.redelivered), String(c.waiting)]);
  const statuses = Object.keys(Object.values(s.workflows)[0] ?? {});
  const workflows = [['STAGE', ...statuses.map((x) => x.toUpperCase())]];
  for (const [stage, counts] of Object.entries(s.workflows)) {
    workflows.push([stage, ...statuses.map((x) => String(counts[x as keyof typeof counts]))]);
  }
  const dl = Object.entries(s.deadLetters.byConsumer)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  const acks = s.recentAcks.length
    ? s.recentAcks
        .map(
          (a) =>
            `${a.consumer} ${a.samples} acks, ${a.redelivered} redelivered, p50 ${a.p50Ms.toFixed(1)} ms, p99 ${a.p99Ms.toFixed(1)} ms`,
        )
        .join('; ')
    : 'none in the sampling window';
  return [
    table(consumers),
    '',
    table(workflows),
    '',
    `dead letters: ${s.deadLetters.total} (${dl})`,
    ...pauseLines(s.pauses),
    `recent ack delays: ${acks}`,
  ].join('\n');
}

/** Each stage an operator paused: who, why, until when; a pause whose --until passed, as ended. */
function pauseLines(pauses: PipelineSummary['pauses']): string[] {
  if (pauses.length === 0) return ['paused: no stage'];
  return pauses.map((p) =>
    p.inForce
      ? `stage ${p.stage} PAUSED: ${describePause(p)} (since ${p.since})`
      : `stage ${p.stage}: the pause by ${p.by} ended by itself at ${p.until}`,
  );
}

/** Prints `value` as JSON, or as `render` writes it. */
function print<T>(value: T, json: boolean | undefined, render: (value: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${render(value)}\n`);
}

/** The runs stream message `seq` started; exit 1 when none. */
async function showMessageRuns({ client, jsm }: Servers, seq: number, options: StatusOptions): Promise<void> {
  const found = await runsOfMessage(client, jsm, seq);
  print(found, options.json, renderMessageRuns);
  if (found.runs.length === 0) process.exitCode = 1;
}

/** The pipeline at a glance, with the standby bridges. */
async function showSummary({ client, nc, jsm }: Servers, options: StatusOptions): Promise<void> {
  const [summary, bridges] = await Promise.all([
    pipelineSummary(client, nc, jsm, options.sampleSeconds * 1000),
    standbyBridges(nc, jsm),
  ]);
  print({ ...summary, bridges }, options.json, () => [renderSummary(summary), ...renderStandby(bridges)].join('\n'));
}

/** One order's timeline; exit 1 when the order is unknown. */
async function showOrder({ client, jsm }: Servers, orderId: string, options: StatusOptions): Promise<void> {
  const timeline = await orderTimeline(client, jsm, orderId);
  if (!timeline.known) {
    process.stderr.write(`orderflow: order ${orderId} is unknown: no workflow ran for it and it has no dead letter\n`);
    process.exitCode = 1;
    return;
  }
  print(timeline, options.json, renderTimeline);
}

async function status(orderId: string | undefined, options: StatusOptions, command: Command): Promise<void> {
  const { seq } = options;
  if (seq !== undefined && orderId !== undefined) {
    throw new ConfigError('--seq', 'cannot be given with an order ID', 'ask for one order or one message');
  }
  const servers = serversFrom(command, 'nats+temporal');
  const nc = await servers.connectNats({ name: 'orderflow status' });
  try {
    const client = await connectTemporal(servers.temporal);
    try {
      const servers = { client, nc, jsm: await jetStreamManagerFor(nc) };
      if (seq !== undefined) await showMessageRuns(servers, seq, options);
      else if (orderId) await showOrder(servers, orderId, options);
      else await showSummary(servers, options);
    } finally {
      await client.connection.close();
    }
  } finally {
    await nc.close();
  }
}

export function registerStatus(program: Command): void {
  tableCommand(program, 'status [orderId]', 'status')
    .description("one order's timeline across Temporal and JetStream; without an ID, the pipeline at a glance")
    .addHelpText(
      'after',
      "\nExit codes: 0 found, 1 the order (or the message's runs) unknown, 2 bad flags or settings, 3 a server unreachable.",
    )
    .action((orderId: string | undefined, flags: Record<string, unknown>, command: Command) =>
      status(orderId, optionsFrom('status', flags), command),
    );
}
