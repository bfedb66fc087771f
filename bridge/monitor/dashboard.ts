/** What the terminal monitor shows, kept from the events: rates, recent orders, redeliveries, ack delays, alerts. */
import type { MonitorEvent } from './events';

const DELAY_BUCKETS_MS = [10, 50, 100, 500, 1000, 5000, 30_000, Number.POSITIVE_INFINITY];
const RATE_WINDOW_MS = 10_000;

export class Dashboard {
  private readonly arrivals = new Map<string, number[]>();
  private readonly totals = new Map<string, number>();
  private readonly recent: Array<Extract<MonitorEvent, { type: 'message' }>> = [];
  private readonly alerts: Array<Extract<MonitorEvent, { type: 'advisory' }>> = [];
  private readonly delays = DELAY_BUCKETS_MS.map(() => 0);
  private acks = 0;
  private redelivered = 0;

  add(event: MonitorEvent, now = Date.now()): void {
    switch (event.type) {
      case 'message': {
        const times = this.arrivals.get(event.subject) ?? [];
        times.push(now);
        this.arrivals.set(event.subject, times);
        this.totals.set(event.subject, (this.totals.get(event.subject) ?? 0) + 1);
        this.recent.unshift(event);
        this.recent.length = Math.min(this.recent.length, 10);
        return;
      }
      case 'ack': {
        this.acks += 1;
        if (event.deliveries > 1) this.redelivered += 1;
        this.delays[DELAY_BUCKETS_MS.findIndex((b) => event.ackDelayMs <= b)]! += 1;
        return;
      }
      case 'advisory':
        this.alerts.unshift(event);
        this.alerts.length = Math.min(this.alerts.length, 5);
        return;
    }
  }

  render(now = Date.now()): string {
    const lines = ['orderflow monitor  (Ctrl-C to stop)', '', 'SUBJECT            TOTAL   PER S (10 s)'];
    for (const [subject, times] of this.arrivals) {
      const inWindow = times.filter((t) => now - t <= RATE_WINDOW_MS);
      this.arrivals.set(subject, inWindow);
      lines.push(
        `${subject.padEnd(18)} ${String(this.totals.get(subject) ?? 0).padStart(5)}   ${(inWindow.length / (RATE_WINDOW_MS / 1000)).toFixed(1)}`,
      );
    }
    lines.push('', `sampled acks ${this.acks}, redelivered ${this.redelivered}`, 'ack delay:');
    const most = Math.max(1, ...this.delays);
    DELAY_BUCKETS_MS.forEach((bound, i) => {
      const label = Number.isFinite(bound) ? `<= ${bound} ms` : '> 30000 ms';
      lines.push(`  ${label.padEnd(12)} ${'#'.repeat(Math.round((this.delays[i]! / most) * 40))} ${this.delays[i]}`);
    });
    lines.push('', 'recent:');
    for (const m of this.recent)
      lines.push(`  ${m.time.slice(11, 23)} ${m.subject.padEnd(18)} seq ${m.streamSeq ?? '?'} ${m.orderId ?? ''}`);
    lines.push('', 'alerts:');
    for (const a of this.alerts)
      lines.push(
        `  ${a.time.slice(11, 23)} ${a.kind} ${a.consumer} seq ${a.streamSeq}${a.reason ? ` ${a.reason}` : ''}`,
      );
    if (this.alerts.length === 0) lines.push('  none');
    return lines.join('\n');
  }
}
