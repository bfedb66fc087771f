/**
 * The bridge: one StageConsumer per stage over shared NATS and Temporal connections, with an
 * ordered, idempotent shutdown. Several bridges may share the same durable consumers.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';

import type { BridgeOptions } from '../config/bridge';
import { trackConnection } from '../nats/connection-state';
import type { Logger } from '../log';
import { STAGES } from '../../workflows/stages';
import type { BridgeCounters } from './counters';
import { Histogram, newCounters } from './counters';
import { ACK_METRICS_SUBJECT, systemEvent } from '../monitor/events';
import { renderBridgeMetrics } from './metrics';
import { StageConsumer } from './stage-consumer';
import { TemporalGate } from './temporal-gate';

export interface BridgeDeps {
  readonly nc: NatsConnection;
  readonly client: Client;
  readonly logger: Logger;
}

export class Bridge {
  private readonly js: JetStreamClient;
  private readonly gate: TemporalGate;
  private readonly consumers: StageConsumer[];
  private closing: Promise<void> | undefined;
  private started = false;
  private readonly nats: { readonly connected: boolean };
  private healthTimer: NodeJS.Timeout | undefined;
  private ackSamples: Subscription | undefined;
  private readonly ackDelays = new Map<string, Histogram>();
  /** Aborted when closed: cancels a probe still in flight, so nothing outlives the bridge. */
  private readonly closed = new AbortController();

  constructor(
    private readonly deps: BridgeDeps,
    private readonly options: BridgeOptions,
  ) {
    this.js = jetstream(deps.nc);
    this.nats = trackConnection(deps.nc);
    this.gate = new TemporalGate({
      probe: () => this.probeTemporal(),
      logger: deps.logger,
    });
    this.consumers = options.stages.map(
      (name) =>
        new StageConsumer(
          STAGES[name],
          { js: this.js, client: deps.client, gate: this.gate, logger: deps.logger },
          options,
        ),
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

  /** Ready: consuming, with NATS connected and Temporal reachable. */
  get ready(): boolean {
    return this.started && !this.closing && !this.deps.nc.isClosed() && this.nats.connected && this.gate.isOpen;
  }

  /** Prometheus text for /metrics. */
  metrics(): string {
    return renderBridgeMetrics(
      this.consumers,
      { ready: this.ready, natsConnected: this.nats.connected, temporalReachable: this.gate.isOpen },
      this.ackDelays,
    );
  }

  /** JetStream's sampled ack metrics of every stage consumer, as a histogram per consumer. */
  private watchAckSamples(): void {
    this.ackSamples = this.deps.nc.subscribe(ACK_METRICS_SUBJECT, {
      callback: (err, msg) => {
        const event = err ? undefined : systemEvent(msg.subject, msg.data);
        if (event?.type !== 'ack') return;
        let histogram = this.ackDelays.get(event.consumer);
        if (!histogram) this.ackDelays.set(event.consumer, (histogram = new Histogram()));
        histogram.observe(event.ackDelayMs / 1000);
      },
    });
  }

  get inFlight(): number {
    return this.consumers.reduce((sum, c) => sum + c.inFlight, 0);
  }

  get temporalReachable(): boolean {
    return this.gate.isOpen;
  }

  async start(): Promise<void> {
    this.watchAckSamples();
    this.watchTemporal();
    for (const consumer of this.consumers) await consumer.start();
    this.started = true;
    this.deps.logger.info('bridge consuming', {
      stages: this.options.stages.join(','),
      maxInFlight: this.options.maxInFlight,
    });
  }

  private probeTemporal(): Promise<unknown> {
    const client = this.deps.client;
    return client.withAbortSignal(this.closed.signal, () =>
      client.withDeadline(Date.now() + 2000, () => client.workflowService.getSystemInfo({})),
    );
  }

  /** Notices Temporal going away even while no order is in flight, so readiness tells the truth. */
  private watchTemporal(): void {
    this.healthTimer = setInterval(() => {
      if (this.gate.isOpen) this.probeTemporal().catch((err: unknown) => this.gate.close(err));
    }, 2000);
    this.healthTimer.unref();
  }

  /**
   * Stops pulling, lets in-flight orders finish within the grace period (acking them), hands the
   * rest back, then stops probing Temporal. Connections belong to the caller. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.healthTimer);
      this.ackSamples?.unsubscribe();
      await Promise.all(this.consumers.map((c) => c.stop(this.options.shutdownGraceMs)));
      this.gate.stop();
      this.closed.abort();
      this.deps.logger.info('bridge stopped', { ...this.counters });
    })();
    return this.closing;
  }
}
