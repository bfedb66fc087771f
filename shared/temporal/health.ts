/**
 * Watches whether Temporal can do the bridge's work: a namespace-scoped probe every few seconds
 * while all is well, and, once a call or probe fails for a system fault (shared/temporal/faults.ts),
 * the gates of every stage close under the key `temporal` until a probe gets through. Logged once
 * per change of state, with the cause and what to do.
 */
import type { Logger } from '../log';
import { childSignal, sleep } from '../waits';
import type { TemporalFault } from './faults';
import { describeFault, temporalFaultOf } from './faults';

export interface TemporalHealthOptions {
  /** A cheap call that succeeds only when Temporal serves our namespace. */
  readonly probe: (signal: AbortSignal) => Promise<unknown>;
  /** Called with the reason when Temporal becomes unusable, and with undefined when it is back. */
  readonly onChange: (reason: string | undefined) => void;
  readonly logger: Logger;
  /** Between probes while healthy, in ms. Default: 2000. */
  readonly watchEveryMs?: number;
  /** First wait between probes while faulted, in ms; doubles up to maxProbeIntervalMs. Default: 500. */
  readonly probeIntervalMs?: number;
  /** Default: 5000. */
  readonly maxProbeIntervalMs?: number;
}

export class TemporalHealth {
  private fault: TemporalFault | undefined;
  private readonly stopped = new AbortController();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  /** Wait before the next probe while faulted, in ms. */
  private backoff: number;

  constructor(private readonly options: TemporalHealthOptions) {
    this.backoff = options.probeIntervalMs ?? 500;
  }

  get healthy(): boolean {
    return this.fault === undefined;
  }

  get faultKind(): string | undefined {
    return this.fault?.kind;
  }

  /** Probes once now (so the state is known before any work is taken), then keeps watching. */
  async start(): Promise<void> {
    if (this.loop) return;
    await this.probeOnce(this.stopped.signal);
    this.loop = this.run();
  }

  /**
   * Reports the error of a Temporal call. Returns true when it is a system fault (the caller
   * waits for the gate instead of charging the order), false when it is something else.
   */
  report(err: unknown): boolean {
    const fault = temporalFaultOf(err);
    if (!fault) return false;
    this.setFault(fault);
    return true;
  }

  /** Stops probing. Idempotent. */
  async stop(): Promise<void> {
    this.stopped.abort();
    this.wake?.();
    await this.loop;
  }

  private setFault(fault: TemporalFault | undefined): void {
    const before = this.fault;
    this.fault = fault;
    if (fault && before?.kind !== fault.kind) {
      this.options.logger.warn('Temporal cannot take work; intake paused', {
        fault: fault.kind,
        code: fault.code,
        reason: describeFault(fault),
      });
      this.options.onChange(describeFault(fault));
      this.wake?.();
    } else if (!fault && before) {
      this.options.logger.info('Temporal takes work again; intake resumed', { after: before.kind });
      this.options.onChange(undefined);
    }
  }

  private async run(): Promise<void> {
    const signal = this.stopped.signal;
    while (!signal.aborted) {
      const faulted = this.fault !== undefined;
      await sleep(faulted ? this.backoff : (this.options.watchEveryMs ?? 2000), signal, (wake) => (this.wake = wake));
      // Woken by a fault a call just reported: probe after the faulted interval, not at once, or
      // a probe that happens to get through (one rate token while throttled) would resume at once.
      if (!faulted && this.fault) continue;
      if (!signal.aborted) await this.probeOnce(signal);
    }
  }

  private async probeOnce(signal: AbortSignal): Promise<void> {
    // A signal per probe: the Temporal client leaves a listener on every signal it is given.
    const probe = childSignal(signal);
    try {
      await this.options.probe(probe.signal);
      this.backoff = this.options.probeIntervalMs ?? 500;
      this.setFault(undefined);
    } catch (err) {
      if (signal.aborted) return;
      // A probe that fails for anything but a system fault says nothing about Temporal's health.
      const fault = temporalFaultOf(err);
      if (fault) this.setFault(fault);
      if (this.fault) this.backoff = Math.min(this.backoff * 2, this.options.maxProbeIntervalMs ?? 5000);
    } finally {
      probe.dispose();
    }
  }
}
