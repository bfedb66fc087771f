/**
 * Warm standby's pull (`orderflow bridge --standby`): every standby bridge keeps a pull waiting in
 * the consumer's priority group and the server delivers to the pinned one only. Pinning holds for
 * `consume()`, whose pulls carry the pin id (`fetch()` forgets it between calls), and only in
 * iterator mode does the library queue its refill pulls behind the messages not yet taken, so the
 * loop takes a message only when a slot is free. What a bridge holds is bounded (README, "Warm
 * standby bridges"): maxInFlight in slots plus what the pulls sent ask for, max_messages each; the
 * library also queues a pull per missed heartbeat while the loop waits, which the server honours
 * only until the pin's TTL lapses (then their pin id is refused): with expires a third of the
 * TTL and a heartbeat every half pull, the refill and at most 2 more before it lapses, so at most
 * maxInFlight + 4 x max_messages (the pulls' worth not yet taken and 3 queued pulls).
 *
 * The pull runs only while intake is open. When it stops (shutdown, or the gate closed), messages
 * the library received but the loop did not take are handed back at once, and the pin is released
 * (unpin) if this bridge holds it, so a standby takes over now, not after the TTL.
 */
import type { Consumer, ConsumerMessages, JetStreamManager, JsMsg } from '@nats-io/jetstream';

import { STANDBY_GROUP, STREAM } from '../../workflows/names';
import { pinnedGroups } from '../../shared/standby/pinned-groups';
import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import { childSignal, sleep } from '../../shared/waits';
import type { IntakeGate } from '../gates/intake-gate';
import type { Slots } from '../consumer/slots';
import type { StandbyRole } from './standby-role';

/** Wait before pulling again after a pull failed or ended unasked, in ms. */
const RETRY_MS = 1000;
/** The library refuses shorter pulls. */
const MIN_EXPIRES_MS = 1000;

export interface PinnedPullSizes {
  /** Messages one pull asks for: a quarter of the slots, at least 1. */
  readonly maxMessages: number;
  /**
   * How long one pull waits, in ms: a third of the pin's TTL, so an idle active bridge renews its
   * pin twice within it. Not shorter: the library queues a pull per missed heartbeat (every half
   * pull) while the loop waits for a slot, so the shorter the pull, the more of them pile up
   * before the pin lapses. `--fetch-expires-ms` does not apply.
   */
  readonly expiresMs: number;
}

/** The pull's sizes for `maxInFlight` slots and a pin TTL of `ttlMs`. */
export function pinnedPullSizes(maxInFlight: number, ttlMs: number): PinnedPullSizes {
  return {
    maxMessages: Math.max(1, Math.floor(maxInFlight / 4)),
    expiresMs: Math.max(MIN_EXPIRES_MS, Math.floor(ttlMs / 3)),
  };
}

export interface PinnedPullDeps {
  readonly consumer: Consumer;
  /** The durable consumer's name, for unpin. */
  readonly consumerName: string;
  readonly jsm: JetStreamManager;
  readonly slots: Slots;
  readonly gate: IntakeGate;
  readonly role: StandbyRole;
  readonly logger: Logger;
  /** Runs a message in a slot that is free. */
  readonly take: (msg: JsMsg) => void;
  /**
   * Settles a message the bridge received but will not run (outcome `not-started`: handed back for
   * redelivery now); throws at once when it cannot be sent.
   */
  readonly handBack: (msg: JsMsg) => void;
}

export class PinnedPull {
  /** The running pull's signal: aborted when intake closes, to stop pulling. */
  private session: ReturnType<typeof childSignal> | undefined;

  constructor(
    private readonly deps: PinnedPullDeps,
    private readonly sizes: PinnedPullSizes,
  ) {
    deps.gate.onChange((reasons) => {
      if (reasons.length > 0) this.session?.abort();
    });
  }

  /** Whether a pull is running (its session not ended). */
  get pulling(): boolean {
    return this.session !== undefined;
  }

  /** Pulls until `stopping` aborts, pausing while intake is closed. */
  async run(stopping: AbortSignal): Promise<void> {
    while (!stopping.aborted) {
      await this.deps.gate.whenOpen(stopping);
      if (stopping.aborted) break;
      const session = (this.session = childSignal(stopping));
      try {
        const asked = await this.pull(session.signal);
        if (!asked && !stopping.aborted) {
          this.deps.logger.warn('pull ended unasked; pulling again');
          await sleep(RETRY_MS, stopping);
        }
      } catch (err) {
        if (stopping.aborted) break;
        this.deps.logger.warn('pull failed; retrying', { error: messageOf(err) });
        await sleep(RETRY_MS, stopping);
      } finally {
        session.dispose();
        this.session = undefined;
      }
    }
  }

  /** One consume() until `signal` aborts; true when it ended because it was asked to. */
  private async pull(signal: AbortSignal): Promise<boolean> {
    const messages = await this.deps.consumer.consume({
      group: STANDBY_GROUP,
      max_messages: this.sizes.maxMessages,
      expires: this.sizes.expiresMs,
    });
    this.watch(messages, signal);
    const stop = (): void => void messages.stop();
    signal.addEventListener('abort', stop, { once: true });
    const it = messages[Symbol.asyncIterator]();
    try {
      for (;;) {
        // A free slot before each message: the library's refill pull waits behind the untaken ones.
        await this.deps.slots.waitForFree(signal);
        if (signal.aborted) break;
        const next = await it.next();
        if (next.done) break;
        if (signal.aborted) {
          this.deps.handBack(next.value);
          break;
        }
        this.deps.take(next.value);
      }
    } finally {
      signal.removeEventListener('abort', stop);
      void messages.stop();
      await this.handBackReceived(it);
      await this.releasePin();
    }
    return signal.aborted;
  }

  /** The role from the pull's notifications, while this pull is the running one. */
  private watch(messages: ConsumerMessages, signal: AbortSignal): void {
    void (async () => {
      for await (const notice of messages.status()) {
        if (signal.aborted) break;
        this.deps.role.notice(notice);
      }
    })().catch(() => undefined);
  }

  /** Hands back what the library received after the loop stopped taking (it ends at the stop). */
  private async handBackReceived(it: AsyncIterator<JsMsg>): Promise<void> {
    let count = 0;
    try {
      for (let next = await it.next(); !next.done; next = await it.next()) {
        this.deps.handBack(next.value);
        count += 1;
      }
    } catch {
      // The pull ended with an error: nothing more is queued.
    }
    if (count > 0) this.deps.logger.info('handed back messages received but not started', { count });
  }

  /**
   * Releases the pin if this bridge still holds it at the server (it may have lapsed and moved to
   * another bridge without this one knowing yet: that one is left alone). A failure costs only
   * time: the pin lapses after its TTL.
   */
  private async releasePin(): Promise<void> {
    const { pinId } = this.deps.role.state;
    this.deps.role.stepDown();
    if (!pinId) return;
    try {
      const info = await this.deps.jsm.consumers.info(STREAM, this.deps.consumerName);
      const group = pinnedGroups(info).find((g) => g.group === STANDBY_GROUP);
      if (group?.pinned_client_id !== pinId) return;
      await this.deps.jsm.consumers.unpin(STREAM, this.deps.consumerName, STANDBY_GROUP);
      this.deps.logger.info('released the pin to a standby bridge');
    } catch (err) {
      this.deps.logger.warn('could not release the pin; a standby takes over when it lapses', {
        error: messageOf(err),
      });
    }
  }
}
