/**
 * Pulls one stage's durable consumer and runs each message through the delivery contract, never
 * holding more than `maxInFlight` messages: it fetches only as many as there are free slots, and
 * not at all while Temporal is unreachable.
 */
import { setMaxListeners } from 'node:events';

import type { Consumer, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { JetStreamApiError } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';

import { STREAM } from '../config/topology';
import { TopologyMissingError, messageOf } from '../errors';
import type { Logger } from '../log';
import type { Stage } from '../../workflows/stages';
import { recordDeadLetter } from './dead-letters';
import type { DecisionPolicy } from './decision';
import { decide, nakDelay } from './decision';
import { handleMessage } from './handle-message';
import { Histogram, newCounters } from './counters';
import { Slots } from './slots';
import type { TemporalGate } from './temporal-gate';

export interface StageConsumerOptions extends DecisionPolicy {
  /** Messages held at once by this bridge for this stage. */
  readonly maxInFlight: number;
  /** How long one pull waits for messages, in milliseconds. */
  readonly fetchExpiresMs: number;
  readonly taskQueue: string;
}

export interface StageConsumerDeps {
  readonly js: JetStreamClient;
  readonly client: Client;
  readonly gate: TemporalGate;
  readonly logger: Logger;
}

export class StageConsumer {
  readonly counters = newCounters();
  /** Seconds from the message's arrival in the stream to its confirmed ack. */
  readonly endToEnd = new Histogram();
  /** Seconds to start the workflow or attach to it. */
  readonly workflowStart = new Histogram();
  private readonly slots: Slots;
  private readonly abort = new AbortController();
  private readonly log: Logger;
  private stopping = false;
  private consumer: Consumer | undefined;
  private workingIntervalMs = 10_000;
  private loop: Promise<void> | undefined;
  private currentFetch: { stop(): void } | undefined;

  constructor(
    readonly stage: Stage,
    private readonly deps: StageConsumerDeps,
    private readonly options: StageConsumerOptions,
  ) {
    this.slots = new Slots(options.maxInFlight);
    // Each message in flight listens for the shutdown abort, itself and through its Temporal call.
    setMaxListeners(options.maxInFlight * 3 + 10, this.abort.signal);
    this.log = deps.logger.child({ stage: stage.name, consumer: stage.consumer });
  }

  get inFlight(): number {
    return this.slots.inUse;
  }

  /** Binds to the durable consumer and starts pulling. */
  async start(): Promise<void> {
    try {
      this.consumer = await this.deps.js.consumers.get(STREAM, this.stage.consumer);
    } catch (err) {
      if (err instanceof JetStreamApiError && (err.code === 10014 || err.code === 10059)) {
        throw new TopologyMissingError(
          `consumer ${STREAM}/${this.stage.consumer} does not exist; run \`orderflow provision\` first`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    const info = await this.consumer.info(true);
    const maxAckPending = info.config.max_ack_pending ?? 1000;
    if (maxAckPending > 0 && this.options.maxInFlight > maxAckPending) {
      throw new TopologyMissingError(
        `max in flight ${this.options.maxInFlight} exceeds consumer ${this.stage.consumer}'s max ack pending ${maxAckPending}; lower --max-in-flight`,
      );
    }
    // Tell JetStream "still working" three times per ack wait, so a slow workflow is never redelivered.
    this.workingIntervalMs = Math.max(200, Math.floor((info.config.ack_wait ?? 30e9) / 1e6 / 3));
    this.loop = this.pull();
  }

  private async pull(): Promise<void> {
    while (!this.stopping) {
      await this.slots.waitForFree();
      await this.deps.gate.whenOpen();
      if (this.stopping) break;
      try {
        const batch = await this.consumer!.fetch({
          max_messages: this.slots.free,
          expires: this.options.fetchExpiresMs,
        });
        this.currentFetch = batch;
        for await (const msg of batch) {
          this.slots.take();
          this.process(msg)
            .catch((err: unknown) => {
              // Not acked, so JetStream redelivers it after the ack wait: logged, never lost.
              this.log.error('message left for redelivery after an unexpected error', {
                streamSeq: msg.seq,
                error: messageOf(err),
              });
            })
            .finally(() => this.slots.release());
        }
      } catch (err) {
        if (this.stopping) break;
        this.log.warn('pull failed; retrying', { error: messageOf(err) });
        await new Promise((r) => setTimeout(r, 1000));
      } finally {
        this.currentFetch = undefined;
      }
    }
  }

  private async process(msg: JsMsg): Promise<void> {
    const deliveryCount = msg.info.deliveryCount;
    const log = this.log.child({ streamSeq: msg.seq, deliveryCount });
    this.counters.received += 1;
    const outcome = await handleMessage(msg, {
      stage: this.stage,
      client: this.deps.client,
      taskQueue: this.options.taskQueue,
      gate: this.deps.gate,
      workingIntervalMs: this.workingIntervalMs,
      abort: this.abort.signal,
      logger: log,
      onStarted: (seconds) => this.workflowStart.observe(seconds),
    });
    const decision = decide(outcome, deliveryCount, this.options);
    const fields = { outcome: outcome.type, ...('workflowId' in outcome ? { workflowId: outcome.workflowId } : {}) };
    switch (decision.verb) {
      case 'ack': {
        const confirmed = await msg.ackAck().catch((err: unknown) => {
          log.warn('ack not confirmed; the redelivery will find the workflow completed', {
            ...fields,
            error: messageOf(err),
          });
          return false;
        });
        if (confirmed) {
          this.counters.acked += 1;
          this.endToEnd.observe(Math.max(0, Date.now() - msg.info.timestampNanos / 1e6) / 1000);
          log.info('order stage completed and acked', fields);
        }
        return;
      }
      case 'nak':
        msg.nak(decision.delayMs);
        this.counters.naked += 1;
        log[outcome.type === 'interrupted' ? 'info' : 'warn']('order not done; handed back', {
          ...fields,
          delayMs: decision.delayMs,
          ...('reason' in outcome ? { reason: outcome.reason } : {}),
        });
        return;
      case 'term':
        try {
          await recordDeadLetter(this.deps.js, this.stage.consumer, msg, {
            ...decision.deadLetter,
            ...('workflowId' in outcome && outcome.workflowId ? { workflowId: outcome.workflowId } : {}),
          });
        } catch (err) {
          // Without a durable record the message must not go: try again later.
          msg.nak(nakDelay(deliveryCount, this.options));
          this.counters.naked += 1;
          log.error('dead letter not recorded; message handed back', { ...fields, error: messageOf(err) });
          return;
        }
        msg.term(decision.deadLetter.reason.slice(0, 200));
        this.counters.terminated += 1;
        log.error('order dead-lettered', {
          ...fields,
          kind: decision.deadLetter.kind,
          reason: decision.deadLetter.reason,
        });
        return;
    }
  }

  /**
   * Stops pulling, lets in-flight messages finish for up to `graceMs` milliseconds, then hands the
   * rest back unfinished (nak, no delay). Idempotent.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.currentFetch?.stop();
    await this.loop;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([this.slots.waitForEmpty(), graceOver]);
    clearTimeout(timer);
    if (this.slots.inUse > 0) {
      this.log.warn('grace period over; handing unfinished orders back', { inFlight: this.slots.inUse });
      this.abort.abort();
      await this.slots.waitForEmpty();
    }
  }
}
