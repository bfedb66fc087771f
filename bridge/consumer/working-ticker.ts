/**
 * One timer for every message in flight: tells JetStream each is still being worked on, so a long
 * run never causes a redelivery, without a timer per message on the hot path.
 */
import type { JsMsg } from '@nats-io/jetstream';

export class Ticker {
  private readonly messages = new Set<JsMsg>();
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs: number, tick: (msg: JsMsg) => void) {
    this.timer = setInterval(() => {
      for (const msg of this.messages) {
        try {
          tick(msg);
        } catch {
          // The connection is closed or closing: the ack wait takes over.
        }
      }
    }, everyMs);
    this.timer.unref();
  }

  add(msg: JsMsg): void {
    this.messages.add(msg);
  }

  delete(msg: JsMsg): void {
    this.messages.delete(msg);
  }

  stop(): void {
    clearInterval(this.timer);
    this.messages.clear();
  }
}
