/**
 * Whether Temporal can be reached. When a call fails for want of Temporal, the gate closes: the
 * bridge stops pulling (rather than burning deliveries) and in-flight messages wait, kept alive,
 * until a probe gets through and the gate opens again.
 */
import type { Logger } from '../log';

export interface TemporalGateOptions {
  /** A cheap call that succeeds only when Temporal answers. */
  readonly probe: () => Promise<unknown>;
  /** First wait between probes, in milliseconds; doubles up to `maxProbeIntervalMs`. Default: 500. */
  readonly probeIntervalMs?: number;
  /** Default: 5000. */
  readonly maxProbeIntervalMs?: number;
  readonly logger: Logger;
}

const UNAVAILABLE = 14;
const DEADLINE_EXCEEDED = 4;

/** Whether an error means Temporal could not be reached (as opposed to a refusal or a failure). */
export function isTemporalUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth += 1) {
    const { code, name, message } = e as { code?: unknown; name?: unknown; message?: unknown };
    if (code === UNAVAILABLE || code === DEADLINE_EXCEEDED) return true;
    if (name === 'ConnectionError' || name === 'TransportError') return true;
    if (
      typeof message === 'string' &&
      /UNAVAILABLE|ECONNREFUSED|ECONNRESET|connection (closed|refused|reset)|transport/i.test(message)
    ) {
      return true;
    }
  }
  return false;
}

export class TemporalGate {
  private down = false;
  private waiters: Array<() => void> = [];
  private probing: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: TemporalGateOptions) {}

  get isOpen(): boolean {
    return !this.down;
  }

  /** Records that Temporal is unreachable and starts probing for its return. */
  close(err: unknown): void {
    if (this.stopped) return;
    if (!this.down) this.options.logger.warn('Temporal unreachable; pausing intake', { error: String(err) });
    this.down = true;
    this.probing ??= this.probeUntilBack().finally(() => (this.probing = undefined));
  }

  /** Resolves when Temporal is reachable (at once when it is). */
  async whenOpen(): Promise<void> {
    while (this.down && !this.stopped) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Stops probing and releases every waiter (shutdown). */
  stop(): void {
    this.stopped = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async probeUntilBack(): Promise<void> {
    let wait = this.options.probeIntervalMs ?? 500;
    while (this.down && !this.stopped) {
      await new Promise((r) => setTimeout(r, wait));
      try {
        await this.options.probe();
        this.down = false;
        this.options.logger.info('Temporal reachable again; resuming intake');
        for (const wake of this.waiters.splice(0)) wake();
      } catch {
        wait = Math.min(wait * 2, this.options.maxProbeIntervalMs ?? 5000);
      }
    }
  }
}
