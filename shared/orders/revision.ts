/**
 * The revision of an order: a digest of its content, the same for an identical repeat and
 * different for a corrected or conflicting version of the same order ID. Keys are sorted before
 * hashing, so two encodings of the same order share a revision.
 */
import { createHash } from 'node:crypto';

import type { OrderData } from '../../workflows/types';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** 16 hex digits (64 bits) of SHA-256 over the canonical JSON of the order. */
export function orderRevision(order: OrderData): string {
  return createHash('sha256').update(canonical(order)).digest('hex').slice(0, 16);
}
