/** Small helpers for what commands print on a terminal. */

const NS_FIELDS = new Set([
  'max_age',
  'duplicate_window',
  'ack_wait',
  'idle_heartbeat',
  'inactive_threshold',
  'priority_timeout',
]);

/**
 * A nanosecond duration in the largest unit that divides it exactly: 1y, 10m, 30s, 250ms; so 1.5 s
 * reads 1500ms. A duration no unit divides (not even whole ms) gets two decimals of the largest unit
 * it reaches: 1.50s for 1.5 s + 1 ns. Below 1 ms: 500ns.
 */
export function formatNanos(ns: number): string {
  const units: Array<[string, number]> = [
    ['y', 365 * 86_400e9],
    ['d', 86_400e9],
    ['h', 3_600e9],
    ['m', 60e9],
    ['s', 1e9],
    ['ms', 1e6],
  ];
  if (ns === 0) return '0s';
  for (const [unit, size] of units) {
    if (ns >= size && ns % size === 0) return `${ns / size}${unit}`;
  }
  for (const [unit, size] of units) if (ns >= size) return `${(ns / size).toFixed(2)}${unit}`;
  return `${ns}ns`;
}

/** A configuration value, readable: durations as such, absent as "(unset)". */
export function formatConfigValue(field: string, value: unknown): string {
  if (value === undefined || value === null || value === '') return '(unset)';
  if (typeof value === 'number' && NS_FIELDS.has(field)) return formatNanos(value);
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Left-aligned columns. */
export function table(rows: ReadonlyArray<ReadonlyArray<string>>): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '))
    .join('\n');
}
