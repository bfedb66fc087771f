/** Parsing a replay range: durations ("10m", "2h", "1d") back from now, or ISO 8601 times. */
import { ConfigError } from '../../shared/errors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A point in time from "<n><unit>" (that long ago) or an ISO 8601 date-time. */
export function parsePointInTime(flag: string, value: string, now = Date.now()): Date {
  const duration = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(value.trim());
  if (duration) return new Date(now - Number(duration[1]) * UNITS[duration[2]!]!);
  const time = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(time)) return new Date(time);
  throw new ConfigError(
    flag,
    `"${value}" is neither a duration nor a time`,
    'use a duration such as 10m, 2h, 1d, or an ISO 8601 time such as 2026-11-25T10:00:00Z',
  );
}
