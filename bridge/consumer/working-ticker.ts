/**
 * One timer for every message in flight: tells JetStream each is still being worked on, so a long
 * run never causes a redelivery, without a timer per message on the hot path. Besides the code
 * that applies a message's decision (decision/apply-decision.ts), the only one that answers
 * JetStream about a message, and only ever with "in progress".
 */
import type { JsMsg } from '@nats-io/jetstream';

/** The word the ticker sends: "in progress" (`+WPI`), which restarts the message's ack wait. */
function inProgress(msg: JsMsg): void {
  msg.working();
}

export class Ticker {
  /** Each message held, with when JetStream last heard of it (its delivery, then each tick's word), in ms. */
  private readonly messages = new Map<JsMsg, number>();
  private readonly timer: NodeJS.Timeout;

  /**
   * `everyMs` must be at most a third of the ack wait. A message delivered or told less than half
   * a period ago is skipped (most orders finish before they would need a word), so the longest
   * silence is 1.5 periods: half the ack wait. `tick` tells one message (tests give their own).
   */
  constructor(
    private readonly everyMs: number,
    tick: (msg: JsMsg) => void = inProgress,
  ) {
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const [msg, heard] of this.messages) {
        if (now - heard < this.everyMs / 2) continue;
        this.messages.set(msg, now);
        try {
          tick(msg);
        } catch {
          // The connection is closed or closing: the ack wait takes over.
        }
      }
    }, everyMs);
    this.timer.unref();
  }

  /**
   * A message now held. `justDelivered`: it arrived this moment, so the ack wait has only begun;
   * otherwise (it may have waited in a client-side buffer) it is told at the next tick.
   */
  add(msg: JsMsg, justDelivered: boolean): void {
    this.messages.set(msg, justDelivered ? Date.now() : 0);
  }

  delete(msg: JsMsg): void {
    this.messages.delete(msg);
  }

  stop(): void {
    clearInterval(this.timer);
    this.messages.clear();
  }
}
