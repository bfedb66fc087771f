/**
 * Pulls one stage's durable consumer and runs each message through the delivery contract, never
 * holding more than `maxInFlight` messages: it pulls only as many as there are free slots, and
 * not at all while the stage's intake gate is closed (the system is at fault). The pull is
 * fetch-pull.ts, or with `--standby` warm standby's (pinned-pull.ts). Each message held is kept
 * alive by one shared ticker, handled (handle-message.ts) and settled by its decision
 * (apply-decision.ts). Every wait ends at shutdown, whatever state NATS and Temporal are in, and
 * shutdown spends its grace period only on orders that can still finish in it.
 */
import { setMaxListeners } from 'node:events';

import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';

import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import type { ServerFeatures } from '../../shared/nats/server-features';

import { RunCompletions } from './run-completions';
import { childSignal } from '../../shared/waits';
import type { Stage } from '../../workflows/names';
import type { StagePause } from '../../shared/pause/stage-pause';
import type { ApplyContext } from '../decision/apply-decision';
import { applyDecision, settle } from '../decision/apply-decision';
import type { DecisionPolicy, Outcome } from '../decision/decision';
import type { StuckPolicy } from './stuck-watch';
import { StuckWatch } from './stuck-watch';
import type { HandlerContext } from './handle-message';
import type { StageIntake } from './fair-intake';
import { handleMessage } from './handle-message';
import { newCounters } from '../counters';
import type { IntakeGate } from '../gates/intake-gate';
import type { BoundConsumer } from './bind-consumer';
import { bindConsumer } from './bind-consumer';
import { FetchPull } from './fetch-pull';
import { handBackWhatCannotFinish } from './shutdown-triage';
import { Slots } from './slots';
import { Ticker } from './working-ticker';
import { PinnedPull, pinnedPullSizes } from '../standby/pinned-pull';
import { StandbyRole, logRoleChanges } from '../standby/standby-role';

export interface StageConsumerOptions extends DecisionPolicy {
  /** Messages held at once by this bridge for this stage. */
  readonly maxInFlight: number;
  /** Runs whose completion is long-polled at once; the rest are swept for (run-completions.ts). */
  readonly resultLongPolls: number;
  /** How long one pull waits for messages, in milliseconds. */
  readonly fetchExpiresMs: number;
  readonly taskQueue: string;
  readonly stuck: StuckPolicy;
  /** Warm standby: pull in the consumer's priority group, taking work only while pinned (pinned-pull.ts). Default: false. */
  readonly standby?: boolean;
}

export interface StageConsumerDeps {
  readonly js: JetStreamClient;
  /** The connection under `js`, to hear the stage's outputs (run-completions.ts). Default: the sweep alone. */
  readonly nc?: NatsConnection;
  readonly client: Client;
  /** This stage's intake gate. */
  readonly gate: IntakeGate;
  /** Reports a failed Temporal call; true when it was a system fault (see temporal/health.ts). */
  readonly reportFault: (err: unknown) => boolean;
  /** What the connected server understands, for the form of nak and term (decision/acks.ts). */
  readonly features: Pick<ServerFeatures, 'nakWithDelay' | 'termWithReason'>;
  readonly logger: Logger;
  /** The stage's histograms (metrics.ts). */
  readonly histograms: StageHistograms;
  /** Whether runs are started with orderflow's search attributes (the bridge knows once started). Default: never. */
  readonly searchAttributes?: () => boolean;
  /** The operator's pause of the stage in force now (`orderflow pause`), if any. Default: never paused. */
  readonly operatorPause?: () => StagePause | undefined;
  /** The order runs start in, from the pipeline's priority and fairness (fair-intake.ts). Default: as they come. */
  readonly intake?: StageIntake;
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

/** A standby's message received but never started: the same outcome every time. */
const NOT_STARTED: Outcome = { type: 'not-started' };

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
  private working: Ticker | undefined;
  /** What handling a message needs, built once. */
  private readonly handling: HandlerContext;
  /** What carrying out a decision needs, built once. */
  private readonly applying: ApplyContext;
  private loop: Promise<void> | undefined;
  /** Whether this bridge holds the consumer's pin (warm standby); logged when it changes. */
  readonly role: StandbyRole;
  /** The pull running now, which tells whether a pull request is out. */
  private puller: { readonly pulling: boolean } | undefined;

  constructor(
    readonly stage: Stage,
    private readonly deps: StageConsumerDeps,
    private readonly options: StageConsumerOptions,
  ) {
    const completions = new RunCompletions(
      deps.client,
      stage,
      { longPolls: options.resultLongPolls },
      deps.logger.child({ stage: stage.name }),
    );
    this.handling = {
      stage,
      client: deps.client,
      taskQueue: options.taskQueue,
      ...(deps.searchAttributes ? { searchAttributes: deps.searchAttributes } : {}),
      gate: deps.gate,
      reportFault: deps.reportFault,
      policy: options,
      completions,
      stuckWatch: new StuckWatch({
        client: deps.client,
        gate: deps.gate,
        stuck: options.stuck,
        completions,
        onStuckChange: (stuck) => (this.stuckRuns += stuck ? 1 : -1),
      }),
      onStarted: (seconds) => deps.histograms.workflowStart.observe(seconds),
      ...(deps.intake ? { intake: deps.intake } : {}),
    };
    this.applying = {
      js: deps.js,
      consumer: stage.consumer,
      features: deps.features,
      policy: options,
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

  get longPolledRuns(): number {
    return this.handling.completions.longPolling;
  }

  get sweptRuns(): number {
    return this.handling.completions.swept;
  }

  /** Sweeps for closed runs done so far. */
  get sweeps(): number {
    return this.handling.completions.sweeps;
  }

  get intakePaused(): boolean {
    return this.deps.gate.faulted;
  }

  /**
   * The operator's pause this bridge honours now: in force, and no pull request of the stage out
   * (one sent before the pause may still bring orders until it expires, on a server without
   * consumer pause). Undefined otherwise.
   */
  get operatorPause(): StagePause | undefined {
    const pause = this.deps.operatorPause?.();
    return pause && !this.puller?.pulling ? pause : undefined;
  }

  /** Binds to the durable consumer and starts pulling. */
  async start(): Promise<void> {
    const bound = await bindConsumer(this.deps.js, this.stage, this.options);
    // "Still working" three times per ack wait, so a slow workflow is never redelivered.
    this.working = new Ticker(Math.max(200, Math.floor((bound.config.ack_wait ?? 30e9) / 1e6 / 3)));
    if (this.deps.nc) this.handling.completions.listenForOutputs(this.deps.nc);
    this.loop = this.options.standby ? this.pullPinned(bound) : this.pull(bound);
  }

  private pull({ consumer }: BoundConsumer): Promise<void> {
    const pull = (this.puller = new FetchPull({
      consumer,
      slots: this.slots,
      gate: this.deps.gate,
      logger: this.log,
      expiresMs: this.options.fetchExpiresMs,
      take: (msg) => this.run(msg, true),
    }));
    return pull.run(this.stopping.signal);
  }

  private async pullPinned({ consumer, config }: BoundConsumer): Promise<void> {
    const ttlNs = config.priority_timeout ?? 0;
    const sizes = pinnedPullSizes(this.options.maxInFlight, ttlNs / 1e6);
    this.log.info('warm standby: pulling in the priority group', { ...sizes, takeoverMs: ttlNs / 1e6 });
    const pull = (this.puller = new PinnedPull(
      {
        consumer,
        consumerName: this.stage.consumer,
        jsm: await this.deps.js.jetstreamManager(),
        slots: this.slots,
        gate: this.deps.gate,
        role: this.role,
        logger: this.log,
        // Taken from the library's buffer, where it may have waited.
        take: (msg) => this.run(msg, false),
        // The nak goes out before this returns (a closed connection throws here, ending the pull).
        handBack: (msg) => void settle(msg, NOT_STARTED, this.applying, this.log),
      },
      sizes,
    ));
    await pull.run(this.stopping.signal);
  }

  /** Runs a message in a slot (one must be free), releasing the slot when it is done. */
  private run(msg: JsMsg, justDelivered: boolean): void {
    this.slots.take();
    this.working!.add(msg, justDelivered);
    const own = childSignal(this.abort.signal);
    this.held.set(msg, own);
    this.process(msg, own.signal)
      // Never rejects: an unexpected error's decision sends nothing, and logs it.
      .catch((err: unknown) => settle(msg, { type: 'unexpected', error: messageOf(err) }, this.applying, this.log))
      .finally(() => {
        own.dispose();
        this.held.delete(msg);
        this.working!.delete(msg);
        this.slots.release();
      });
  }

  private async process(msg: JsMsg, abort: AbortSignal): Promise<void> {
    const log = this.log.child({ streamSeq: msg.seq, deliveryCount: msg.info.deliveryCount });
    this.counters.received += 1;
    const { outcome, decision } = await handleMessage(msg, this.handling, abort, log);
    await applyDecision(msg, outcome, decision, this.applying, log);
  }

  /**
   * Stops pulling, lets in-flight messages finish for up to `graceMs` milliseconds, then hands the
   * rest back unfinished (nak, no delay). What cannot finish in the grace is handed back at once
   * (shutdown-triage.ts). Bounded whatever state NATS and Temporal are in. Idempotent.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping.abort();
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
    this.handling.completions.close();
    this.handling.stuckWatch.close();
  }
}
