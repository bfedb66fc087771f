/**
 * The bridge's metrics, as prom-client metrics in a registry the bridge is given (names and labels
 * are documented in the README's "Metrics and health"). Counts and gauges are read from the stage
 * consumers at each scrape, so the consumers keep one source of truth; the histograms are recorded
 * as things happen.
 */
import type { Registry } from 'prom-client';
import { Counter, Gauge, Histogram } from 'prom-client';

import { BUCKETS, liveGauge } from '../shared/observability/registry';
import type { Stage } from '../workflows/names';
import type { BridgeCounters } from './counters';
import type { StagePause } from '../shared/pause/stage-pause';
import type { StageHistograms } from './consumer/stage-consumer';

export interface BridgeHealth {
  readonly ready: boolean;
  readonly natsConnected: boolean;
  readonly temporalReachable: boolean;
}

/** What the metrics read from one stage consumer (a StageConsumer is one). */
export interface StageState {
  readonly stage: Stage;
  readonly counters: Readonly<BridgeCounters>;
  readonly inFlight: number;
  readonly stuckRuns: number;
  /** Runs whose completion this bridge long-polls now. */
  readonly longPolledRuns: number;
  /** Runs this bridge finds closed by the stage's sweep (beyond the long polls). */
  readonly sweptRuns: number;
  readonly intakePaused: boolean;
  /** Whether this bridge takes the stage's work: always, or as a warm standby while it holds the pin. */
  readonly active: boolean;
  /** The operator's pause this bridge honours now (`orderflow pause`), if any. */
  readonly operatorPause: StagePause | undefined;
}

export interface BridgeState {
  readonly stages: readonly StageState[];
  readonly health: BridgeHealth;
}

const COUNTERS: Record<keyof BridgeCounters, readonly [name: string, help: string]> = {
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
};

const STAGE_GAUGES = {
  inFlight: ['orderflow_in_flight', 'Messages held now.'],
  stuckRuns: [
    'orderflow_stuck_runs',
    'Runs in flight whose workflow task keeps failing (parked as stuck after the bound).',
  ],
  longPolledRuns: [
    'orderflow_runs_long_polled',
    'Runs in flight whose completion is long-polled (at most --result-long-polls).',
  ],
  sweptRuns: [
    'orderflow_runs_swept',
    'Runs in flight beyond the long polls, found closed by one visibility query per sweep.',
  ],
  intakePaused: [
    'orderflow_intake_paused',
    '1 while the stage takes no new work because the system is at fault (see /readyz).',
  ],
  active: [
    'orderflow_bridge_active',
    '1 while this bridge pulls the stage: always without --standby; with it, while the server pins it (0: standby).',
  ],
} as const satisfies Record<string, readonly [string, string]>;

/** The stages' counters: each scrape reads the totals the consumers keep. */
function registerStageCounters(registry: Registry, state: () => BridgeState): void {
  for (const [key, [name, help]] of Object.entries(COUNTERS) as Array<
    [keyof BridgeCounters, readonly [string, string]]
  >) {
    new Counter({
      name,
      help,
      labelNames: ['stage', 'consumer'],
      registers: [registry],
      collect() {
        // The consumer keeps the total; a counter cannot be set, so start from zero and add it.
        this.reset();
        for (const s of state().stages) this.inc({ stage: s.stage.name, consumer: s.stage.consumer }, s.counters[key]);
      },
    });
  }
}

/** The stages' gauges, read from the consumers at each scrape. */
function registerStageGauges(registry: Registry, state: () => BridgeState): void {
  for (const [key, [name, help]] of Object.entries(STAGE_GAUGES) as Array<
    [keyof typeof STAGE_GAUGES, readonly [string, string]]
  >) {
    new Gauge({
      name,
      help,
      labelNames: ['stage'],
      registers: [registry],
      collect() {
        for (const s of state().stages) this.set({ stage: s.stage.name }, Number(s[key]));
      },
    });
  }
}

/**
 * Operators' pauses: `orderflow_stage_paused{stage, by, reason}` 1 while this bridge honours one
 * (0 with empty labels otherwise), and its deadline as `orderflow_stage_paused_until_seconds`.
 */
function registerPauseGauges(registry: Registry, state: () => BridgeState): void {
  new Gauge({
    name: 'orderflow_stage_paused',
    help: "1 while an operator's pause (orderflow pause) stops this bridge taking the stage's orders: who and why as labels.",
    labelNames: ['stage', 'by', 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { stage, operatorPause: p } of state().stages)
        this.set({ stage: stage.name, by: p?.by ?? '', reason: p?.reason ?? '' }, p ? 1 : 0);
    },
  });
  new Gauge({
    name: 'orderflow_stage_paused_until_seconds',
    help: "When the operator's pause of the stage ends by itself, in Unix seconds; 0 when none or until resumed.",
    labelNames: ['stage'],
    registers: [registry],
    collect() {
      for (const { stage, operatorPause: p } of state().stages)
        this.set({ stage: stage.name }, p?.until ? Date.parse(p.until) / 1000 : 0);
    },
  });
}

/** The bridge's health as gauges, read at each scrape. */
function registerHealthGauges(registry: Registry, state: () => BridgeState): void {
  liveGauge(
    registry,
    'orderflow_ready',
    '1 when consuming with NATS connected and Temporal reachable.',
    () => state().health.ready,
  );
  liveGauge(registry, 'orderflow_nats_connected', '1 while connected to NATS.', () => state().health.natsConnected);
  liveGauge(
    registry,
    'orderflow_temporal_reachable',
    "1 while Temporal answers the health probe for the bridge's namespace.",
    () => state().health.temporalReachable,
  );
}

export class BridgeMetrics {
  private readonly workflowStart: Histogram<'stage'>;
  private readonly endToEnd: Histogram<'stage'>;
  private readonly ackDelays: Histogram<'consumer'>;

  /** Registers the bridge's metrics in `registry`, reading counts and gauges from `state()` at each scrape. */
  constructor(registry: Registry, state: () => BridgeState) {
    registerStageCounters(registry, state);
    registerStageGauges(registry, state);
    registerPauseGauges(registry, state);
    this.workflowStart = new Histogram({
      name: 'orderflow_workflow_start_seconds',
      help: 'Time to start a workflow or attach to it.',
      labelNames: ['stage'],
      buckets: [...BUCKETS.workflowStart],
      registers: [registry],
    });
    this.endToEnd = new Histogram({
      name: 'orderflow_stage_end_to_end_seconds',
      help: 'From the message entering the stream to its confirmed ack.',
      labelNames: ['stage'],
      buckets: [...BUCKETS.endToEnd],
      registers: [registry],
    });
    this.ackDelays = new Histogram({
      name: 'orderflow_ack_delay_seconds',
      help: "Delivery to ack, from JetStream's sampled ack metrics (every bridge's acks).",
      labelNames: ['consumer'],
      buckets: [...BUCKETS.ackDelay],
      registers: [registry],
    });
    registerHealthGauges(registry, state);
  }

  /** The histograms the consumer of `stage` records into. */
  stage(stage: Stage): StageHistograms {
    return {
      workflowStart: this.workflowStart.labels({ stage: stage.name }),
      endToEnd: this.endToEnd.labels({ stage: stage.name }),
    };
  }

  /** One of JetStream's sampled acks of `consumer`: delivery to ack, in seconds. */
  ackDelay(consumer: string, seconds: number): void {
    this.ackDelays.observe({ consumer }, seconds);
  }
}
