/**
 * The bridge: one StageConsumer per stage over shared NATS and Temporal connections, each behind
 * its intake gate, which the Temporal health watch and the worker-presence watch close when the
 * system (not an order) is at fault. Ordered, idempotent shutdown. Several bridges may share the
 * same durable consumers.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';
import type { Registry } from 'prom-client';

import type { BridgeOptions } from '../shared/config/run-options';
import { STAGES, STREAM } from '../workflows/names';
import type { Stage, StageName } from '../workflows/names';
import { trackConnection } from '../shared/nats/connection-state';
import type { ServerFeatures } from '../shared/nats/server-features';
import { featuresOf } from '../shared/nats/server-features';
import type { Logger } from '../shared/log';
import { messageOf } from '../shared/errors';
import { REGISTER_ADVICE, registrationState } from '../shared/temporal/search-attribute-registry';
import type { TemporalHealth } from '../shared/temporal/health';
import type { WorkerPresence } from '../shared/temporal/worker-presence';
import type { Pipeline } from '../activities/define';
import type { BridgeCounters } from './counters';
import { newCounters } from './counters';
import { BrokerPause } from './gates/broker-pause';
import { watchTemporal, watchWorkers } from './gates/fault-watches';
import { IntakeGate } from './gates/intake-gate';
import { OperatorPauses } from './gates/operator-pause';
import { describePause, serverDeadline } from '../shared/pause/stage-pause';
import type { StagePause } from '../shared/pause/stage-pause';
import { ACK_METRICS_SUBJECT, systemEvent } from '../shared/observability/monitor-events';
import { BridgeMetrics } from './metrics';
import { componentRegistry } from '../shared/observability/registry';
import { StageConsumer } from './consumer/stage-consumer';
import { intakeLine, stageIntakeFor } from './consumer/fair-intake';
import type { BridgeIdentity } from '../shared/standby/presence';
import { startStandby } from './standby/presence';

export interface BridgeDeps {
  readonly nc: NatsConnection;
  readonly client: Client;
  /**
   * A client without the SDK's own retries (connectTemporal with `retries: false`), for the
   * health probes and worker checks, so that throttling reads as throttling. Default: `client`.
   */
  readonly probeClient?: Client;
  readonly logger: Logger;
  /**
   * The pipeline the workers run (`--functions`), when the bridge was given it: each queue its
   * functions name is then watched for workers too, pausing the stages that use it while none
   * polls. Default: only the pipeline's own queue is watched.
   */
  readonly pipeline?: Pipeline;
  /**
   * Where the bridge's metrics are registered (the CLI gives one with the process metrics).
   * Default: a registry of its own. Give each bridge its own: their names would clash.
   */
  readonly registry?: Registry;
  /** Who this bridge is, in warm standby's presence replies. Default: a random name, host and pid unknown. */
  readonly identity?: BridgeIdentity;
}

/** Gate key of an operator's pause. */
const OPERATOR_KEY = 'operator';

export class Bridge {
  private readonly js: JetStreamClient;
  private readonly health: TemporalHealth;
  private readonly presence: WorkerPresence[];
  private readonly gates: IntakeGate[];
  private readonly consumers: StageConsumer[];
  private closing: Promise<void> | undefined;
  private started = false;
  private readonly nats: { readonly connected: boolean };
  private ackSamples: Subscription | undefined;
  private readonly pauses: BrokerPause[] = [];
  private readonly features: ServerFeatures;
  private readonly registry: Registry;
  private readonly metricSet: BridgeMetrics;
  /** Whether runs carry orderflow's search attributes: only when registered on the namespace (checked at start). */
  private searchAttributes = false;
  private standby: { close(): void } | undefined;
  /** Operators' pauses of the stages (`orderflow pause`), watched in ORDERFLOW_PAUSES. */
  private readonly operatorPauses: OperatorPauses;

  constructor(
    private readonly deps: BridgeDeps,
    private readonly options: BridgeOptions,
  ) {
    this.js = jetstream(deps.nc);
    this.nats = trackConnection(deps.nc);
    // Verbs whose form depends on the server's version are chosen once, from what it reports.
    this.features = featuresOf(deps.nc);
    this.gates = options.stages.map(() => new IntakeGate());
    this.registry = deps.registry ?? componentRegistry();
    this.metricSet = new BridgeMetrics(this.registry, () => ({
      stages: this.consumers,
      health: { ready: this.ready, natsConnected: this.nats.connected, temporalReachable: this.health.healthy },
    }));
    const client = deps.probeClient ?? deps.client;
    this.health = watchTemporal(client, this.gates, deps.logger);
    this.presence = watchWorkers({
      client,
      reportFault: (err) => this.health.report(err),
      logger: deps.logger,
      taskQueue: options.taskQueue,
      checkEveryMs: options.workerCheckMs,
      staleAfterMs: options.workerStaleMs,
      stages: options.stages,
      gates: this.gates,
      ...(deps.pipeline ? { pipeline: deps.pipeline } : {}),
    });
    this.operatorPauses = new OperatorPauses(options.stages, (stage, pause) => this.honour(stage, pause), deps.logger);
    this.consumers = options.stages.map((name, i) => this.stageConsumer(STAGES[name], this.gates[i]!));
  }

  /**
   * An operator's pause of `stage` began, changed or ended: its gate closes (or opens) under the
   * operator's key, and the pause at the server is brought to the deadline of either that holds.
   */
  private honour(stage: StageName, pause: StagePause | undefined): void {
    const i = this.options.stages.indexOf(stage);
    if (pause) this.gates[i]?.close(OPERATOR_KEY, describePause(pause), 'operator');
    else this.gates[i]?.open(OPERATOR_KEY);
    void this.pauses[i]?.refresh();
  }

  /** The consumer of one stage, behind its gate, over the bridge's connections. */
  private stageConsumer(stage: Stage, gate: IntakeGate): StageConsumer {
    const { deps, options } = this;
    const intake = stageIntakeFor(deps.pipeline, deps.logger.child({ stage: stage.name }));
    return new StageConsumer(
      stage,
      {
        js: this.js,
        nc: deps.nc,
        client: deps.client,
        gate,
        reportFault: (err) => this.health.report(err),
        features: this.features,
        logger: deps.logger,
        histograms: this.metricSet.stage(stage),
        searchAttributes: () => this.searchAttributes,
        operatorPause: () => this.operatorPauses.current(stage.name),
        ...(intake ? { intake } : {}),
      },
      { ...options, stuck: { afterMs: options.stuckAfterMs, checkEveryMs: options.stuckCheckMs } },
    );
  }

  /** Totals over every stage. */
  get counters(): BridgeCounters {
    const total = newCounters();
    for (const c of this.consumers) {
      for (const key of Object.keys(total) as Array<keyof BridgeCounters>) total[key] += c.counters[key];
    }
    return total;
  }

  /** Why the bridge is not ready, one line each; empty when ready. */
  get notReadyReasons(): string[] {
    const reasons: string[] = [];
    if (!this.started) reasons.push('starting');
    if (this.closing) reasons.push('shutting down');
    if (this.deps.nc.isClosed() || !this.nats.connected) reasons.push('NATS disconnected');
    for (const [i, gate] of this.gates.entries()) {
      // An operator's pause is no fault: the bridge is ready, and told to take nothing of the stage.
      for (const reason of gate.faultReasons) reasons.push(`${this.options.stages[i]}: ${reason}`);
    }
    return reasons;
  }

  /** Ready: consuming, NATS connected, and every stage's intake open. */
  get ready(): boolean {
    return this.notReadyReasons.length === 0;
  }

  /** Prometheus text of the bridge's registry, as /metrics serves it. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** JetStream's sampled ack metrics of every stage consumer, as a histogram per consumer. */
  private watchAckSamples(): void {
    this.ackSamples = this.deps.nc.subscribe(ACK_METRICS_SUBJECT, {
      callback: (err, msg) => {
        const event = err ? undefined : systemEvent(msg.subject, msg.data);
        if (event?.type !== 'ack') return;
        this.metricSet.ackDelay(event.consumer, event.ackDelayMs / 1000);
      },
    });
  }

  get inFlight(): number {
    return this.consumers.reduce((sum, c) => sum + c.inFlight, 0);
  }

  get temporalReachable(): boolean {
    return this.health.healthy;
  }

  async start(): Promise<void> {
    if (this.options.standby)
      this.standby = startStandby(this.deps.nc, this.features, this.consumers, this.deps.identity);
    this.watchAckSamples();
    // Before the first pull: a stage an operator paused is not pulled at all.
    await this.operatorPauses.start(this.deps.nc);
    // Before the first pull: a bridge started against a Temporal that cannot take work takes nothing.
    await this.health.start();
    await this.pauseAtBrokerWithGates();
    // Before the first pull, so a bridge started without workers takes nothing.
    await Promise.all(this.presence.map((p) => p.start()));
    this.searchAttributes = await this.searchAttributesRegistered();
    this.deps.logger.info(intakeLine(this.deps.pipeline));
    for (const consumer of this.consumers) await consumer.start();
    this.started = true;
    this.deps.logger.info('bridge consuming', {
      stages: this.options.stages.join(','),
      maxInFlight: this.options.maxInFlight,
    });
  }

  /**
   * Once, before the first pull: a start naming an unregistered attribute fails, so runs carry
   * them only when the namespace has them all. Not knowing (Temporal away, not allowed to ask)
   * reads as not registered, until the bridge restarts.
   */
  private async searchAttributesRegistered(): Promise<boolean> {
    const found = await registrationState(this.deps.probeClient ?? this.deps.client).catch((err: unknown) => ({
      state: 'unknown' as const,
      reason: messageOf(err),
    }));
    if (found.state === 'registered') return true;
    const detail = found.state === 'missing' ? { missing: found.missing.join(',') } : { reason: found.reason };
    this.deps.logger.warn(`runs start without search attributes: ${REGISTER_ADVICE}`, detail);
    return false;
  }

  /**
   * While a stage's gate is closed, its consumer is paused at the server too (nats-server 2.11+),
   * so every bridge on it stops pulling, under a lease this bridge renews while the fault lasts:
   * a bridge that dies cannot leave the pipeline paused. On older servers, only this bridge pauses.
   */
  private async pauseAtBrokerWithGates(): Promise<void> {
    const jsm = await this.js.jetstreamManager();
    for (const [i, name] of this.options.stages.entries()) {
      const pause = new BrokerPause({
        jsm,
        stream: STREAM,
        consumers: [STAGES[name].consumer],
        features: this.features,
        logger: this.deps.logger,
        leaseMs: this.options.pauseLeaseMs,
        operatorUntil: () => {
          const held = this.operatorPauses.current(name);
          return held && serverDeadline(held);
        },
      });
      this.pauses.push(pause);
      const gate = this.gates[i]!;
      // Held for the system's faults only; an operator's pause is the operator's command's at the server.
      gate.onChange(() => {
        if (gate.faulted) void pause.hold(gate.faultReasons.join('; '));
        else void pause.release();
      });
    }
  }

  /**
   * Stops pulling, lets in-flight orders finish within the grace period (acking them), hands the
   * rest back, then stops watching Temporal. Orders the grace cannot help (intake closed by a
   * system fault, a run retrying a failing function) are handed back at once, not waited for
   * (shutdown-triage.ts). Watching Temporal stops only after, as the triage reads the gates.
   * Connections belong to the caller. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.ackSamples?.unsubscribe();
      await Promise.all(this.consumers.map((c) => c.stop(this.options.shutdownGraceMs)));
      this.standby?.close();
      await Promise.all([this.health.stop(), ...this.presence.map((p) => p.stop())]);
      this.operatorPauses.stop();
      // Not released: a pause this bridge holds lapses with its lease, as if the bridge had died.
      await Promise.all(this.pauses.map((p) => p.stop()));
      this.deps.logger.info('bridge stopped', { ...this.counters });
    })();
    return this.closing;
  }
}
