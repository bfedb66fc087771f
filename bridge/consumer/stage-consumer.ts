/**
 * Pulls one stage's durable consumer and runs each message through the delivery contract, never
 * holding more than `maxInFlight` messages: it fetches only as many as there are free slots, and
 * not at all while the stage's intake gate is closed (the system is at fault). Every wait ends at
 * shutdown, whatever state NATS and Temporal are in, and shutdown spends its grace period only on
 * orders that can still finish in it. With `--standby` the pull is warm standby's (pinned-pull.ts).
 */
import { setMaxListeners } from 'node:events';

import type { Consumer, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';

import { STREAM } from '../../workflows/names';
import { TopologyMissingError, messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import { isJsApiError } from '../../activities/nats/api-codes';
import { Pulse } from './pulse';
import { childSignal, sleep } from '../../shared/waits';
import type { Stage } from '../../workflows/names';
import type { ApplyContext } from '../decision/apply-decision';
import { applyDecision } from '../decision/apply-decision';
import type { DecisionPolicy } from '../decision/decision';
import { decide } from '../decision/decision';
import type { StuckPolicy } from './handle-message';
import { handleMessage } from './handle-message';
import { newCounters } from '../counters';
import type { IntakeGate } from '../gates/intake-gate';
import { handBackWhatCannotFinish } from './shutdown-triage';
import { Slots } from './slots';
import { Ticker } from './working-ticker';
import { PinnedPull, pinnedPullSizes } from '../standby/pinned-pull';
import { standbyMismatch } from '../../shared/standby/standby-checks';
import { StandbyRole, logRoleChanges } from '../standby/standby-role';

/** Longest wait for more free slots before a pull, while messages are in flight, in ms. */
const PULL_GATHER_MS = 20;
/** Why a gathering wait ends: made once, for every pull. */
const GATHERED = new Error('free slots gathered');

export interface StageConsumerOptions extends DecisionPolicy {
  /** Messages held at once by this bridge for this stage. */
  readonly maxInFlight: number;
  /** How long one pull waits for messages, in milliseconds. */
  readonly fetchExpiresMs: number;
  readonly taskQueue: string;
  readonly stuck: StuckPolicy;
  /** Warm standby: pull in the consumer's priority group, taking work only while pinned (pinned-pull.ts). Default: false. */
  readonly standby?: boolean;
}

export interface StageConsumerDeps {
  readonly js: JetStreamClient;
  readonly client: Client;
  /** This stage's intake gate. */
  readonly gate: IntakeGate;
  /** Reports a failed Temporal call; true when it was a system fault (see temporal/health.ts). */
  readonly reportFault: (err: unknown) => boolean;
  /** Terminates a message in the way the connected server understands (nats/acks.ts). */
  readonly terminate: (msg: JsMsg, reason: string) => void;
  /** Hands a message back after a delay, in the way the connected server understands (nats/acks.ts). */
  readonly nak: (msg: JsMsg, delayMs: number) => void;
  readonly logger: Logger;
  /** The stage's histograms (metrics.ts). */
  readonly histograms: StageHistograms;
  /** Whether runs are started with orderflow's search attributes (the bridge knows once started). Default: never. */
  readonly searchAttributes?: () => boolean;
}

/** A stage's histograms, in seconds: labelled children of the bridge's prom-client histograms. */
export interface StageHistograms {
  /** Time to start the workflow or attach to it. */
  readonly workflowStart: { observe(seconds: number): void };
  /** From the message's arrival in the stream to its confirmed ack. */
  readonly endToEnd: { observe(seconds: number): void };
}

/** After this long past the grace period, shutdown stops waiting for handlers (each is bounded anyway). */
const HANDLER_EXIT_BOUND_MS = 10_000;

export class StageConsumer {
  readonly counters = newCounters();
  /** Runs whose workflow task is failing right now. */
  stuckRuns = 0;
  private readonly slots: Slots;
  /** Aborted when the bridge gives up on in-flight messages at shutdown. */
  private readonly abort = new AbortController();
  /** Each message in flight, with the signal that hands it back alone (a child of `abort`). */
  private readonly held = new Map<JsMsg, ReturnType<typeof childSignal>>();
  /** Aborted when shutdown begins: no more pulling. */
  private readonly stopping = new AbortController();
  private readonly log: Logger;
  private consumer: Consumer | undefined;
  private working: Ticker | undefined;
  /** The stuck checks' shared beat. */
  private readonly pulse: Pulse;
  /** What carrying out a decision needs, built once. */
  private readonly applying: ApplyContext;
  private loop: Promise<void> | undefined;
  private currentFetch: { stop(): void } | undefined;
  /** Whether this bridge holds the consumer's pin (warm standby); logged when it changes. */
  readonly role: StandbyRole;

  constructor(
    readonly stage: Stage,
    private readonly deps: StageConsumerDeps,
    private readonly options: StageConsumerOptions,
  ) {
    this.pulse = new Pulse(options.stuck.checkEveryMs);
    this.applying = {
      js: deps.js,
      consumer: stage.consumer,
      nak: deps.nak,
      terminate: deps.terminate,
      nakDelayMs: options.nakDelayMs,
      counters: this.counters,
      endToEnd: deps.histograms.endToEnd,
    };
    this.slots = new Slots(options.maxInFlight);
    // Each message in flight listens for the shutdown abort, itself and through its Temporal calls.
    setMaxListeners(options.maxInFlight * 5 + 10, this.abort.signal);
    this.log = deps.logger.child({ stage: stage.name, consumer: stage.consumer });
    this.role = new StandbyRole(logRoleChanges(this.log));
  }

  /** Whether this bridge takes the stage's work: a plain bridge always, a standby while it holds the pin. */
  get active(): boolean {
    return !this.options.standby || this.role.active;
  }

  get inFlight(): number {
    return this.slots.inUse;
  }

  get intakePaused(): boolean {
    return !this.deps.gate.isOpen;
  }

  /** Binds to the durable consumer and starts pulling. */
  async start(): Promise<void> {
    try {
      this.consumer = await this.deps.js.consumers.get(STREAM, this.stage.consumer);
    } catch (err) {
      if (isJsApiError(err, 'consumerNotFound', 'streamNotFound')) {
        throw new TopologyMissingError(
          `consumer ${STREAM}/${this.stage.consumer} does not exist; run \`orderflow provision\` first`,
          { cause: err },
        );
      }
      throw err;
    }
    const info = await this.consumer.info(true);
    const mismatch = standbyMismatch(this.stage.consumer, info.config, this.options.standby ?? false);
    if (mismatch) throw mismatch;
    const maxAckPending = info.config.max_ack_pending ?? 1000;
    if (maxAckPending > 0 && this.options.maxInFlight > maxAckPending) {
      throw new TopologyMissingError(
        `max in flight ${this.options.maxInFlight} exceeds consumer ${this.stage.consumer}'s max ack pending ${maxAckPending}; lower --max-in-flight`,
      );
    }
    // "Still working" three times per ack wait, so a slow workflow is never redelivered.
    this.working = new Ticker(Math.max(200, Math.floor((info.config.ack_wait ?? 30e9) / 1e6 / 3)), (msg) =>
      msg.working(),
    );
    this.loop = this.options.standby ? this.pullPinned(info.config.priority_timeout ?? 0) : this.pull();
  }

  private async pullPinned(ttlNs: number): Promise<void> {
    const sizes = pinnedPullSizes(this.options.maxInFlight, ttlNs / 1e6);
    this.log.info('warm standby: pulling in the priority group', { ...sizes, takeoverMs: ttlNs / 1e6 });
    const pull = new PinnedPull(
      {
        consumer: this.consumer!,
        consumerName: this.stage.consumer,
        jsm: await this.deps.js.jetstreamManager(),
        slots: this.slots,
        gate: this.deps.gate,
        role: this.role,
        logger: this.log,
        // Taken from the library's buffer, where it may have waited.
        take: (msg) => this.run(msg, false),
        handBack: (msg) => this.deps.nak(msg, 0),
      },
      sizes,
    );
    await pull.run(this.stopping.signal);
  }

  private async pull(): Promise<void> {
    const stopping = this.stopping.signal;
    while (!stopping.aborted) {
      await this.slots.waitForFree(stopping);
      await this.gatherFreeSlots(stopping);
      await this.deps.gate.whenOpen(stopping);
      if (stopping.aborted) break;
      try {
        const batch = await this.consumer!.fetch({
          max_messages: this.slots.free,
          expires: this.options.fetchExpiresMs,
        });
        this.currentFetch = batch;
        for await (const msg of batch) this.run(msg, true);
      } catch (err) {
        if (stopping.aborted) break;
        this.log.warn('pull failed; retrying', { error: messageOf(err) });
        await sleep(1000, stopping);
      } finally {
        this.currentFetch = undefined;
      }
    }
  }

  /** Runs a message in a slot (one must be free), releasing the slot when it is done. */
  private run(msg: JsMsg, justDelivered: boolean): void {
    this.slots.take();
    this.working!.add(msg, justDelivered);
    const own = childSignal(this.abort.signal);
    this.held.set(msg, own);
    this.process(msg, own.signal)
      .catch((err: unknown) => {
        // Not acked, so JetStream redelivers it after the ack wait: logged, never lost.
        this.log.error('message left for redelivery after an unexpected error', {
          streamSeq: msg.seq,
          error: messageOf(err),
        });
      })
      .finally(() => {
        own.dispose();
        this.held.delete(msg);
        this.working!.delete(msg);
        this.slots.release();
      });
  }

  /**
   * A saturated bridge frees its slots one by one; pulling each time one frees would be a pull
   * request per message. With messages in flight, wait a moment for a quarter of the slots to be
   * free, then pull them all at once. An idle bridge pulls at once.
   */
  private async gatherFreeSlots(stopping: AbortSignal): Promise<void> {
    const batch = Math.ceil(this.slots.capacity / 4);
    if (this.slots.inUse === 0 || this.slots.free >= batch) return;
    const window = childSignal(stopping);
    await Promise.race([this.slots.waitForFree(window.signal, batch), sleep(PULL_GATHER_MS, window.signal)]);
    window.abort(GATHERED);
    window.dispose();
  }

  private async process(msg: JsMsg, abort: AbortSignal): Promise<void> {
    const log = this.log.child({ streamSeq: msg.seq, deliveryCount: msg.info.deliveryCount });
    this.counters.received += 1;
    const outcome = await handleMessage(msg, {
      stage: this.stage,
      client: this.deps.client,
      taskQueue: this.options.taskQueue,
      searchAttributes: this.deps.searchAttributes?.() ?? false,
      gate: this.deps.gate,
      reportFault: this.deps.reportFault,
      stuck: this.options.stuck,
      pulse: this.pulse,
      abort,
      logger: log,
      onStarted: (seconds) => this.deps.histograms.workflowStart.observe(seconds),
      onStuckChange: (stuck) => (this.stuckRuns += stuck ? 1 : -1),
    });
    await applyDecision(msg, outcome, decide(outcome, this.options), this.applying, log);
  }

  /**
   * Stops pulling, lets in-flight messages finish for up to `graceMs` milliseconds, then hands the
   * rest back unfinished (nak, no delay). What cannot finish in the grace is handed back at once
   * (shutdown-triage.ts). Bounded whatever state NATS and Temporal are in. Idempotent.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping.abort();
    this.currentFetch?.stop();
    await this.loop;
    const graceOver = AbortSignal.timeout(graceMs);
    const settled = childSignal(graceOver);
    const triage = handBackWhatCannotFinish(
      { stage: this.stage, client: this.deps.client, gate: this.deps.gate, held: this.held, logger: this.log },
      settled.signal,
    );
    await this.slots.waitForEmpty(graceOver);
    settled.abort();
    settled.dispose();
    await triage;
    if (this.slots.inUse > 0) {
      this.log.warn('grace period over; handing unfinished orders back', { inFlight: this.slots.inUse });
      this.abort.abort();
      await this.slots.waitForEmpty(AbortSignal.timeout(HANDLER_EXIT_BOUND_MS));
      if (this.slots.inUse > 0) {
        this.log.error('orders still being handed back; JetStream redelivers them after the ack wait', {
          inFlight: this.slots.inUse,
        });
      }
    }
    this.working?.stop();
  }
}
