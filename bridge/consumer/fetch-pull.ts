/**
 * The plain pull (a bridge without `--standby`): fetches only as many messages as there are free
 * slots, and not at all while the stage's intake gate is closed (the system is at fault). Every
 * wait ends when the pull stops, and a pull waiting for messages is ended at once.
 */
import type { Consumer, JsMsg } from '@nats-io/jetstream';

import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import { childSignal, sleep } from '../../shared/waits';
import type { IntakeGate } from '../gates/intake-gate';
import type { Slots } from './slots';

/** Longest wait for more free slots before a pull, while messages are in flight, in ms. */
const PULL_GATHER_MS = 20;
/** Why a gathering wait ends: made once, for every pull. */
const GATHERED = new Error('free slots gathered');
/** Wait before pulling again after a pull failed, in ms. */
const RETRY_MS = 1000;

export interface FetchPullDeps {
  readonly consumer: Consumer;
  readonly slots: Slots;
  readonly gate: IntakeGate;
  readonly logger: Logger;
  /** How long one pull waits for messages, in milliseconds. */
  readonly expiresMs: number;
  /** Runs a message, just delivered, in a slot that is free. */
  readonly take: (msg: JsMsg) => void;
}

export class FetchPull {
  /** The pull waiting for messages now, if any. */
  private current: { stop(): void } | undefined;
  /** Whether a pull request is out (sent, not yet ended). */
  pulling = false;

  constructor(private readonly deps: FetchPullDeps) {}

  /** Pulls until `stopping` aborts, pausing while intake is closed. */
  async run(stopping: AbortSignal): Promise<void> {
    const { slots, gate } = this.deps;
    const stopCurrent = (): void => this.current?.stop();
    stopping.addEventListener('abort', stopCurrent, { once: true });
    try {
      while (!stopping.aborted) {
        await slots.waitForFree(stopping);
        await this.gatherFreeSlots(stopping);
        await gate.whenOpen(stopping);
        if (stopping.aborted) break;
        await this.pullOnce(stopping);
      }
    } finally {
      stopping.removeEventListener('abort', stopCurrent);
    }
  }

  /** One fetch for the free slots, each message taken as it arrives. */
  private async pullOnce(stopping: AbortSignal): Promise<void> {
    this.pulling = true;
    try {
      const batch = await this.deps.consumer.fetch({
        max_messages: this.deps.slots.free,
        expires: this.deps.expiresMs,
      });
      this.current = batch;
      for await (const msg of batch) this.deps.take(msg);
    } catch (err) {
      if (stopping.aborted) return;
      this.deps.logger.warn('pull failed; retrying', { error: messageOf(err) });
      await sleep(RETRY_MS, stopping);
    } finally {
      this.current = undefined;
      this.pulling = false;
    }
  }

  /**
   * A saturated bridge frees its slots one by one; pulling each time one frees would be a pull
   * request per message. With messages in flight, wait a moment for a quarter of the slots to be
   * free, then pull them all at once. An idle bridge pulls at once.
   */
  private async gatherFreeSlots(stopping: AbortSignal): Promise<void> {
    const { slots } = this.deps;
    const batch = Math.ceil(slots.capacity / 4);
    if (slots.inUse === 0 || slots.free >= batch) return;
    const window = childSignal(stopping);
    await Promise.race([slots.waitForFree(window.signal, batch), sleep(PULL_GATHER_MS, window.signal)]);
    window.abort(GATHERED);
    window.dispose();
  }
}
