/** The bridge's /metrics, in Prometheus text format. */
import type { Histogram } from './counters';
import type { StageConsumer } from './stage-consumer';

export interface BridgeHealth {
  readonly ready: boolean;
  readonly natsConnected: boolean;
  readonly temporalReachable: boolean;
}

const COUNTERS = {
  received: ['orderflow_messages_received_total', 'Messages pulled from the stage consumer.'],
  acked: ['orderflow_messages_acked_total', 'Messages acknowledged (confirmed) after their workflow completed.'],
  naked: [
    'orderflow_messages_naked_total',
    'Messages handed back for redelivery (failed, interrupted, or not yet dead-lettered).',
  ],
  terminated: [
    'orderflow_messages_terminated_total',
    'Messages terminated after being dead-lettered (the dead letters).',
  ],
} as const;

export function renderBridgeMetrics(
  consumers: readonly StageConsumer[],
  health: BridgeHealth,
  ackDelays: ReadonlyMap<string, Histogram> = new Map(),
): string {
  const lines: string[] = [];
  for (const [key, [name, help]] of Object.entries(COUNTERS) as Array<
    [keyof typeof COUNTERS, readonly [string, string]]
  >) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    for (const c of consumers)
      lines.push(`${name}{stage="${c.stage.name}",consumer="${c.stage.consumer}"} ${c.counters[key]}`);
  }
  lines.push('# HELP orderflow_in_flight Messages held now.', '# TYPE orderflow_in_flight gauge');
  for (const c of consumers) lines.push(`orderflow_in_flight{stage="${c.stage.name}"} ${c.inFlight}`);
  lines.push(
    '# HELP orderflow_stuck_runs Runs in flight whose workflow task keeps failing (parked as stuck after the bound).',
    '# TYPE orderflow_stuck_runs gauge',
  );
  for (const c of consumers) lines.push(`orderflow_stuck_runs{stage="${c.stage.name}"} ${c.stuckRuns}`);
  lines.push(
    '# HELP orderflow_intake_paused 1 while the stage takes no new work because the system is at fault (see /readyz).',
    '# TYPE orderflow_intake_paused gauge',
  );
  for (const c of consumers) lines.push(`orderflow_intake_paused{stage="${c.stage.name}"} ${c.intakePaused ? 1 : 0}`);
  lines.push(
    '# HELP orderflow_workflow_start_seconds Time to start a workflow or attach to it.',
    '# TYPE orderflow_workflow_start_seconds histogram',
  );
  for (const c of consumers)
    lines.push(...c.workflowStart.render('orderflow_workflow_start_seconds', `stage="${c.stage.name}"`));
  lines.push(
    '# HELP orderflow_stage_end_to_end_seconds From the message entering the stream to its confirmed ack.',
    '# TYPE orderflow_stage_end_to_end_seconds histogram',
  );
  for (const c of consumers)
    lines.push(...c.endToEnd.render('orderflow_stage_end_to_end_seconds', `stage="${c.stage.name}"`));
  lines.push(
    "# HELP orderflow_ack_delay_seconds Delivery to ack, from JetStream's sampled ack metrics (every bridge's acks).",
    '# TYPE orderflow_ack_delay_seconds histogram',
  );
  for (const [consumer, h] of ackDelays)
    lines.push(...h.render('orderflow_ack_delay_seconds', `consumer="${consumer}"`));
  lines.push(
    '# HELP orderflow_ready 1 when consuming with NATS connected and Temporal reachable.',
    '# TYPE orderflow_ready gauge',
    `orderflow_ready ${health.ready ? 1 : 0}`,
    '# TYPE orderflow_nats_connected gauge',
    `orderflow_nats_connected ${health.natsConnected ? 1 : 0}`,
    '# TYPE orderflow_temporal_reachable gauge',
    `orderflow_temporal_reachable ${health.temporalReachable ? 1 : 0}`,
  );
  return `${lines.join('\n')}\n`;
}
