/**
 * Side effects recorded durably and at most once: each is written under a key made of step,
 * order and revision (workflows/names/keys.ts) with create-if-absent, so a retried function finds
 * the first attempt's effect instead of applying a second one.
 */
import type { KV } from '@nats-io/kv';

import { isJsApiError } from './nats/api-codes';

export interface EffectRecord {
  readonly value: Readonly<Record<string, unknown>>;
  readonly revision: number;
  /** True when this call wrote it; false when it was already there. */
  readonly applied: boolean;
}

/** Where effects live. The worker passes the KV-backed one; tests may wrap it to inject faults. */
export interface EffectStore {
  /** Writes `value` under `key` unless something is there already; returns what is there. */
  applyOnce(key: string, value: Readonly<Record<string, unknown>>): Promise<EffectRecord>;
  /** What is under `key`, if anything. */
  read(key: string): Promise<EffectRecord | undefined>;
}

export function kvEffectStore(kv: KV): EffectStore {
  const read = async (key: string): Promise<EffectRecord | undefined> => {
    const entry = await kv.get(key);
    if (!entry || entry.operation !== 'PUT') return undefined;
    return { value: entry.json<Record<string, unknown>>(), revision: entry.revision, applied: false };
  };
  return {
    read,
    async applyOnce(key, value) {
      try {
        const revision = await kv.create(key, JSON.stringify(value));
        return { value, revision, applied: true };
      } catch (err) {
        // JetStream's answer when create-if-absent finds the key taken.
        if (!isJsApiError(err, 'wrongLastSequence')) throw err;
        const existing = await read(key);
        if (!existing) throw err;
        return existing;
      }
    },
  };
}
