/** Small statistics for the bench: percentiles, the median and spread over rounds, a pool. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** A metric over the rounds: its median and its spread (lowest and highest round). */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** `0.97 (0.94–0.99)`: the median, then the spread, each with `digits` decimals. */
export function formatSpread(s: Spread, digits: number): string {
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}

/** Rounds to `digits` decimals, for the JSON results. */
export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** `[min, max]` rounded, the form the JSON results keep a spread in. */
export function rangeOf(s: Spread, digits = 1): [number, number] {
  return [round(s.min, digits), round(s.max, digits)];
}

/** Runs `task` over `items` with at most `limit` at once. */
export async function pool<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  });
  await Promise.all(lanes);
}

/** Waits until `due` (a performance.now() time); at once when it has passed. */
export async function until(due: number): Promise<void> {
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

/**
 * The order of `2 × perSide` slices of two sides, 0 and 1, as the Thue–Morse sequence gives it
 * (0 1 1 0 1 0 0 1 …): each side's slices sit as early on average as the other's, so a rate that
 * drifts steadily within a round (Temporal's database grows) favours neither. Plain alternation
 * (0 1 0 1 …) always runs side 1 later.
 */
export function balancedOrder(perSide: number): Array<0 | 1> {
  const bits = (n: number): number => (n === 0 ? 0 : (n & 1) + bits(n >> 1));
  const order: Array<0 | 1> = [];
  const count = [0, 0];
  for (let i = 0; order.length < 2 * perSide; i += 1) {
    const side = (bits(i) % 2) as 0 | 1;
    // With a side's slices all placed, the rest go to the other.
    if (count[side]! < perSide) {
      order.push(side);
      count[side]! += 1;
    }
  }
  return order;
}
