/**
 * Pausing intake at the broker: while the bridge holds it (Temporal away, say), the named pull
 * consumers are paused at the server (nats-server 2.11+), so every bridge on them stops getting
 * messages, not only this one. The pause is a lease: each call pauses until now + `leaseMs`, and
 * the deadline is pushed forward every `renewEveryMs` while held, so a bridge that dies or stops
 * cannot leave the pipeline paused for longer than one lease; the server resumes by itself.
 *
 * An operator's pause of the stage (`orderflow pause`, with its deadline at the server) composes
 * with it: paused while either holds. Each deadline this sends reaches at least to the operator's,
 * and a release while the operator's pause holds pauses to its deadline instead of resuming.
 *
 * On a server without consumer pause this does nothing (and says so once): the bridge's own
 * client-side pause is all there is. Failures (NATS may be away too) are logged once per change
 * of state and never thrown into the caller; every timer ends on stop().
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import { JetStreamApiError } from '@nats-io/jetstream';

import { ConfigError, messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import type { ServerFeatures } from '../../shared/nats/server-features';

export interface BrokerPauseOptions {
  readonly jsm: Pick<JetStreamManager, 'consumers'>;
  readonly stream: string;
  /** Durable consumers paused and resumed together. */
  readonly consumers: readonly string[];
  readonly features: Pick<ServerFeatures, 'consumerPause' | 'version'>;
  readonly logger: Logger;
  /**
   * How far ahead each pause deadline reaches, in milliseconds: the longest a dead bridge can
   * leave the consumers paused. Default: 30000 (one production ack wait).
   */
  readonly leaseMs?: number;
  /**
   * How often the deadline is pushed forward while held, in milliseconds; below `leaseMs`, so a
   * renewal or two may fail (NATS briefly away) before the lease lapses. Default: leaseMs / 3.
   */
  readonly renewEveryMs?: number;
  /**
   * The deadline of an operator's pause of these consumers now in force, if any: never shortened,
   * never lifted here. Default: none.
   */
  readonly operatorUntil?: () => Date | undefined;
}

export const DEFAULT_PAUSE_LEASE_MS = 30_000;

type Step = 'pause' | 'resume';

export class BrokerPause {
  private readonly leaseMs: number;
  private readonly renewEveryMs: number;
  private heldFor: string | undefined;
  private resumeOwed = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** The step that last failed, until one succeeds: errors are logged once per change. */
  private failing: Step | undefined;
  private toldUnsupported = false;
  private confirmedUntil: Date | undefined;
  /** The latest deadline ever sent: a lost reply may still have set it. */
  private latestSent = 0;

  constructor(private readonly options: BrokerPauseOptions) {
    this.leaseMs = options.leaseMs ?? DEFAULT_PAUSE_LEASE_MS;
    this.renewEveryMs = options.renewEveryMs ?? Math.floor(this.leaseMs / 3);
    if (!(this.leaseMs > 0)) throw new ConfigError('leaseMs', `${this.leaseMs} is not positive`, 'give milliseconds');
    if (!(this.renewEveryMs > 0 && this.renewEveryMs < this.leaseMs))
      throw new ConfigError('renewEveryMs', `${this.renewEveryMs} is not below leaseMs`, 'renew within the lease');
  }

  /**
   * True while this bridge holds the consumers paused (and renews the lease); false after
   * release() or stop(), and always on a server without consumer pause.
   */
  get paused(): boolean {
    return this.heldFor !== undefined;
  }

  /** Why it is held; undefined when it is not. */
  get reason(): string | undefined {
    return this.heldFor;
  }

  /**
   * The deadline the server last accepted for every consumer: after stop(), when the server lets
   * go by itself. Undefined once resumed.
   */
  get pausedUntil(): Date | undefined {
    return this.confirmedUntil;
  }

  /**
   * Pauses every consumer at the server and keeps extending the deadline until release() or
   * stop(). Held already: only the reason changes. Resolves once the server was asked; never rejects.
   */
  hold(reason: string): Promise<void> {
    if (this.stopped) return this.chain;
    if (!this.options.features.consumerPause) {
      if (!this.toldUnsupported)
        this.options.logger.debug('nats-server has no consumer pause (2.11+); intake pauses in this bridge only', {
          serverVersion: this.options.features.version,
        });
      this.toldUnsupported = true;
      return this.chain;
    }
    const wasHeld = this.paused;
    this.heldFor = reason;
    if (wasHeld) return this.chain;
    this.resumeOwed = false;
    this.options.logger.info('pausing intake at the server', { consumers: this.options.consumers, reason });
    return this.enqueue();
  }

  /**
   * An operator's pause began, changed or ended: while held, the deadline is sent again at once
   * (the operator's resume lifted it at the server, say). Not held: nothing (the operator's
   * command paused or resumed the server itself).
   */
  refresh(): Promise<void> {
    if (this.stopped || !this.paused) return this.chain;
    return this.enqueue();
  }

  /** Resumes the consumers and stops renewing. Not held: nothing. Resolves once the server was asked. */
  release(): Promise<void> {
    if (this.stopped || !this.paused) return this.chain;
    this.heldFor = undefined;
    this.resumeOwed = true;
    this.options.logger.info('resuming intake at the server', { consumers: this.options.consumers });
    return this.enqueue();
  }

  /**
   * Stops renewing without resuming: the server resumes the consumers when the lease passes.
   * Resolves when a call in flight has ended. Idempotent; hold() and release() do nothing after it.
   */
  stop(): Promise<void> {
    this.stopped = true;
    this.heldFor = undefined;
    this.resumeOwed = false;
    clearTimeout(this.timer);
    return this.chain;
  }

  private enqueue(): Promise<void> {
    clearTimeout(this.timer);
    this.chain = this.chain.then(() => this.apply());
    return this.chain;
  }

  /** Brings the server to what is wanted now (held or released), then schedules the next turn. */
  private async apply(): Promise<void> {
    if (this.stopped) return;
    const operatorUntil = this.options.operatorUntil?.();
    if (this.paused) {
      const until = new Date(Math.max(Date.now() + this.leaseMs, operatorUntil?.getTime() ?? 0));
      this.latestSent = Math.max(this.latestSent, until.getTime());
      if (await this.onEveryConsumer('pause', until)) this.confirmedUntil = until;
    } else if (this.resumeOwed && operatorUntil) {
      // The operator's pause outlives the fault: left at the server with its own deadline.
      if (await this.onEveryConsumer('pause', operatorUntil)) this.resumeOwed = false;
      if (!this.resumeOwed) this.confirmedUntil = undefined;
    } else if (this.resumeOwed) {
      if (await this.onEveryConsumer('resume')) this.resumeOwed = false;
      // Past every deadline sent, the server has resumed them by itself.
      if (Date.now() > this.latestSent) this.resumeOwed = false;
      if (!this.resumeOwed) this.confirmedUntil = undefined;
    }
    if (this.stopped || !(this.paused || this.resumeOwed)) return;
    this.timer = setTimeout(() => void this.enqueue(), this.renewEveryMs);
    // A bridge that forgets stop() must still be able to exit; the lease ends the pause then.
    this.timer.unref();
  }

  /** True when the server took `step` for every consumer; failures logged once per change. */
  private async onEveryConsumer(step: Step, until: Date = new Date(0)): Promise<boolean> {
    const { jsm, stream, consumers } = this.options;
    const results = await Promise.allSettled(
      consumers.map((name) =>
        step === 'pause' ? jsm.consumers.pause(stream, name, until) : jsm.consumers.resume(stream, name),
      ),
    );
    if (this.stopped) return false;
    const failed = results.flatMap((r, i): Array<{ consumer: string | undefined; error: unknown }> => {
      if (r.status === 'rejected') return [{ consumer: consumers[i], error: r.reason }];
      // A deadline the server sees as past: its clock is ahead of ours by more than the lease.
      if (step === 'pause' && !r.value.paused) return [{ consumer: consumers[i], error: 'not paused: clock skew?' }];
      return [];
    });
    if (failed.length === 0) {
      if (this.failing) this.options.logger.info(`${step} at the server works again`, { consumers });
      this.failing = undefined;
      return true;
    }
    if (this.failing !== step) {
      this.options.logger.warn(`could not ${step} intake at the server; retrying`, {
        failed: failed.map((f) => ({
          consumer: f.consumer,
          error: messageOf(f.error),
          ...(f.error instanceof JetStreamApiError ? { code: f.error.code } : {}),
        })),
        leaseMs: this.leaseMs,
      });
    }
    this.failing = step;
    return false;
  }
}
