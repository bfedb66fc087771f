/** What a bridge did, counted per stage (exposed on /metrics and in logs). */
export interface BridgeCounters {
  received: number;
  acked: number;
  naked: number;
  terminated: number;
}

export function newCounters(): BridgeCounters {
  return { received: 0, acked: 0, naked: 0, terminated: 0 };
}

/** A cumulative histogram with fixed upper bounds, in seconds, as Prometheus reads it. */
export class Histogram {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(readonly bounds: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]) {
    this.counts = bounds.map(() => 0);
  }

  observe(seconds: number): void {
    this.sum += seconds;
    this.count += 1;
    this.bounds.forEach((bound, i) => {
      if (seconds <= bound) this.counts[i]! += 1;
    });
  }

  /** Prometheus text lines for `name` with `labels` (already formatted, e.g. `stage="process"`). */
  render(name: string, labels: string): string[] {
    const sep = labels ? ',' : '';
    return [
      ...this.bounds.map((b, i) => `${name}_bucket{${labels}${sep}le="${b}"} ${this.counts[i]}`),
      `${name}_bucket{${labels}${sep}le="+Inf"} ${this.count}`,
      `${name}_sum{${labels}} ${this.sum}`,
      `${name}_count{${labels}} ${this.count}`,
    ];
  }
}
