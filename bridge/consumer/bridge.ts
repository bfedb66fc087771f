/**
 * The bridge: one StageConsumer per stage over shared NATS and Temporal connections, with an
 * ordered, idempotent shutdown. Several bridges may share the same durable consumers.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';

import type { BridgeOptions } from '../config/bridge';
import type { Logger } from '../log';
import { STAGES } from '../../workflows/stages';
import type { BridgeCounters } from './counters';
import { newCounters } from './counters';
import { StageConsumer } from './stage-consumer';
import { TemporalGate } from './temporal-gate';

export interface BridgeDeps {
  readonly nc: NatsConnection;
  readonly client: Client;
  readonly logger: Logger;
}

export class Bridge {
  readonly counters: BridgeCounters = newCounters();
  private readonly js: JetStreamClient;
  private readonly gate: TemporalGate;
  private readonly consumers: StageConsumer[];
  private closing: Promise<void> | undefined;

  constructor(
    private readonly deps: BridgeDeps,
    private readonly options: BridgeOptions,
  ) {
    this.js = jetstream(deps.nc);
    this.gate = new TemporalGate({
      probe: () => deps.client.workflowService.getSystemInfo({}),
      logger: deps.logger,
    });
    this.consumers = options.stages.map(
      (name) =>
        new StageConsumer(
          STAGES[name],
          { js: this.js, client: deps.client, gate: this.gate, counters: this.counters, logger: deps.logger },
          options,
        ),
    );
  }

  get inFlight(): number {
    return this.consumers.reduce((sum, c) => sum + c.inFlight, 0);
  }

  get temporalReachable(): boolean {
    return this.gate.isOpen;
  }

  async start(): Promise<void> {
    for (const consumer of this.consumers) await consumer.start();
    this.deps.logger.info('bridge consuming', {
      stages: this.options.stages.join(','),
      maxInFlight: this.options.maxInFlight,
    });
  }

  /**
   * Stops pulling, lets in-flight orders finish within the grace period (acking them), hands the
   * rest back, then stops probing Temporal. Connections belong to the caller. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.consumers.map((c) => c.stop(this.options.shutdownGraceMs)));
      this.gate.stop();
      this.deps.logger.info('bridge stopped', { ...this.counters });
    })();
    return this.closing;
  }
}
