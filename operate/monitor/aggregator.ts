/**
 * What the live views show, kept from the monitor events: totals and rates per subject (with a
 * per-second series for charts), recent messages and orders, redeliveries, the ack-delay
 * histogram, alerts. One aggregator for both views: `orderflow monitor` renders it as text, the
 * web dashboard (operate/dashboard/) sends its snapshot to the page.
 */
import type { MonitorEvent } from '../../shared/observability/monitor-events';

/** Upper bounds of the ack-delay buckets, in ms; the last one takes everything above 30 s. */
const DELAY_BUCKETS_MS = [10, 50, 100, 500, 1000, 5000, 30_000, Number.POSITIVE_INFINITY] as const;
const RATE_WINDOW_MS = 10_000;
/** How many seconds of per-second counts a subject's series keeps. */
const SERIES_SECONDS = 60;

type MessageEvent = Extract<MonitorEvent, { type: 'message' }>;
type AdvisoryEvent = Extract<MonitorEvent, { type: 'advisory' }>;

export interface SubjectView {
  readonly subject: string;
  readonly total: number;
  /** Messages per second over the last 10 s. */
  readonly perSecond: number;
  /** Messages in each of the last SERIES_SECONDS seconds, oldest first (the current second last). */
  readonly series: readonly number[];
}

/** An order as the monitor last saw it: the subject of its latest message tells how far it got. */
export interface RecentOrder {
  readonly orderId: string;
  readonly lastSubject: string;
  readonly lastSeq?: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

export interface MonitorSnapshot {
  readonly time: string;
  readonly subjects: readonly SubjectView[];
  readonly acks: number;
  readonly redelivered: number;
  /** Sampled acks per ack-delay bucket: `bounds[i]` in ms (null: above the last finite bound). */
  readonly ackDelay: { readonly bounds: ReadonlyArray<number | null>; readonly counts: readonly number[] };
  readonly recent: readonly MessageEvent[];
  readonly recentOrders: readonly RecentOrder[];
  readonly alerts: readonly AdvisoryEvent[];
}

export interface MonitorAggregatorLimits {
  /** Recent messages kept. Default: 10. */
  readonly recent?: number;
  /** Recent orders kept. Default: 20. */
  readonly recentOrders?: number;
  /** Advisories kept. Default: 5. */
  readonly alerts?: number;
}

/** The monitor events aggregated into what the live views show; bounded by its limits. */
export class MonitorAggregator {
  private readonly arrivals = new Map<string, number[]>();
  private readonly totals = new Map<string, number>();
  /** Per subject: second (epoch s) → messages in it, for the last SERIES_SECONDS seconds. */
  private readonly perSecond = new Map<string, Map<number, number>>();
  private readonly recent: MessageEvent[] = [];
  private readonly orders = new Map<string, RecentOrder>();
  private readonly alerts: AdvisoryEvent[] = [];
  private readonly delays = DELAY_BUCKETS_MS.map(() => 0);
  private acks = 0;
  private redelivered = 0;
  private readonly limits: Required<MonitorAggregatorLimits>;

  constructor(limits: MonitorAggregatorLimits = {}) {
    this.limits = { recent: 10, recentOrders: 20, alerts: 5, ...limits };
  }

  add(event: MonitorEvent, now = Date.now()): void {
    switch (event.type) {
      case 'message':
        return this.addMessage(event, now);
      case 'ack': {
        this.acks += 1;
        if (event.deliveries > 1) this.redelivered += 1;
        this.delays[DELAY_BUCKETS_MS.findIndex((b) => event.ackDelayMs <= b)]! += 1;
        return;
      }
      case 'advisory':
        this.alerts.unshift(event);
        this.alerts.length = Math.min(this.alerts.length, this.limits.alerts);
        return;
    }
  }

  private addMessage(event: MessageEvent, now: number): void {
    const times = this.arrivals.get(event.subject) ?? [];
    times.push(now);
    this.arrivals.set(event.subject, times);
    this.totals.set(event.subject, (this.totals.get(event.subject) ?? 0) + 1);
    const seconds = this.perSecond.get(event.subject) ?? new Map<number, number>();
    const second = Math.floor(now / 1000);
    seconds.set(second, (seconds.get(second) ?? 0) + 1);
    for (const s of seconds.keys()) if (s <= second - SERIES_SECONDS) seconds.delete(s);
    this.perSecond.set(event.subject, seconds);
    this.recent.unshift(event);
    this.recent.length = Math.min(this.recent.length, this.limits.recent);
    if (event.orderId) {
      const before = this.orders.get(event.orderId);
      // Re-inserted so that the map's order is the order of last sight.
      this.orders.delete(event.orderId);
      this.orders.set(event.orderId, {
        orderId: event.orderId,
        lastSubject: event.subject,
        ...(event.streamSeq ? { lastSeq: event.streamSeq } : {}),
        firstSeen: before?.firstSeen ?? event.time,
        lastSeen: event.time,
      });
      for (const id of this.orders.keys()) {
        if (this.orders.size <= this.limits.recentOrders) break;
        this.orders.delete(id);
      }
    }
  }

  /** Everything shown, as data. */
  snapshot(now = Date.now()): MonitorSnapshot {
    const second = Math.floor(now / 1000);
    const subjects: SubjectView[] = [];
    for (const [subject, times] of this.arrivals) {
      const inWindow = times.filter((t) => now - t <= RATE_WINDOW_MS);
      this.arrivals.set(subject, inWindow);
      const seconds = this.perSecond.get(subject);
      subjects.push({
        subject,
        total: this.totals.get(subject) ?? 0,
        perSecond: inWindow.length / (RATE_WINDOW_MS / 1000),
        series: Array.from({ length: SERIES_SECONDS }, (_, i) => seconds?.get(second - SERIES_SECONDS + 1 + i) ?? 0),
      });
    }
    return {
      time: new Date(now).toISOString(),
      subjects,
      acks: this.acks,
      redelivered: this.redelivered,
      ackDelay: {
        bounds: DELAY_BUCKETS_MS.map((b) => (Number.isFinite(b) ? b : null)),
        counts: [...this.delays],
      },
      recent: [...this.recent],
      recentOrders: [...this.orders.values()].reverse(),
      alerts: [...this.alerts],
    };
  }

  render(now = Date.now()): string {
    const view = this.snapshot(now);
    const lines = ['orderflow monitor  (Ctrl-C to stop)', '', 'SUBJECT            TOTAL   PER S (10 s)'];
    for (const s of view.subjects)
      lines.push(`${s.subject.padEnd(18)} ${String(s.total).padStart(5)}   ${s.perSecond.toFixed(1)}`);
    lines.push('', `sampled acks ${view.acks}, redelivered ${view.redelivered}`, 'ack delay:');
    const most = Math.max(1, ...view.ackDelay.counts);
    view.ackDelay.bounds.forEach((bound, i) => {
      const label = bound !== null ? `<= ${bound} ms` : '> 30000 ms';
      const count = view.ackDelay.counts[i] ?? 0;
      lines.push(`  ${label.padEnd(12)} ${'#'.repeat(Math.round((count / most) * 40))} ${count}`);
    });
    lines.push('', 'recent:');
    for (const m of view.recent)
      lines.push(`  ${m.time.slice(11, 23)} ${m.subject.padEnd(18)} seq ${m.streamSeq ?? '?'} ${m.orderId ?? ''}`);
    lines.push('', 'alerts:');
    for (const a of view.alerts)
      lines.push(
        `  ${a.time.slice(11, 23)} ${a.kind} ${a.consumer} seq ${a.streamSeq}${a.reason ? ` ${a.reason}` : ''}`,
      );
    if (view.alerts.length === 0) lines.push('  none');
    return lines.join('\n');
  }
}
