/**
 * Concurrency permits shared by every worker, kept in the effects bucket: `limit` keys per
 * function (and order key), each held by at most one attempt. A permit is a lease: taken and
 * renewed by compare-and-set on the key's revision, given back by a delete at that revision, and
 * free for anyone to take once it has not been renewed for its TTL, so a killed worker's permit
 * comes back by itself. Expiry compares the server's time of the last renewal with this worker's
 * clock: clocks further apart than a small part of the TTL would let a permit expire early.
 */
import type { KV, KvEntry } from '@nats-io/kv';

import { permitKey } from '../workflows/names';
import { isJsApiError } from './nats/api-codes';

/** One permit held: renew it while the call runs, release it after. */
export interface Permit {
  readonly key: string;
  /** Renews the lease; false when it was lost (expired and taken by another attempt). */
  renew(): Promise<boolean>;
  /** Gives the permit back; one already lost is left to its new holder. */
  release(): Promise<void>;
}

export interface PermitRequest {
  /** A concurrency permit (given back after the call), or a rate slot (left to lapse). Default: permit. */
  readonly kind?: 'permit' | 'rate';
  readonly fn: string;
  /** The order's key; undefined for the function's one limit. */
  readonly key: string | undefined;
  readonly limit: number;
  /** Lease time: a permit not renewed for this long is free again, in ms. */
  readonly ttlMs: number;
  /** Who holds it, stored with the lease for an operator to read. */
  readonly holder: Readonly<Record<string, unknown>>;
}

/** Where permits live. The worker passes the KV-backed one; tests may pass another. */
export interface PermitStore {
  /** A free permit taken, or undefined when all `limit` are held. */
  tryAcquire(request: PermitRequest): Promise<Permit | undefined>;
}

/** True when JetStream refused a compare-and-set because another writer came first. */
function lostRace(err: unknown): boolean {
  return isJsApiError(err, 'wrongLastSequence');
}

function isFree(entry: KvEntry | null, ttlMs: number, now: number): boolean {
  if (!entry || entry.operation !== 'PUT') return true;
  return now - entry.created.getTime() > ttlMs;
}

/** The slots in a random order, so that attempts racing for permits spread over them. */
function shuffled(count: number): number[] {
  const slots = Array.from({ length: count }, (_, i) => i);
  for (let i = slots.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [slots[i], slots[j]] = [slots[j]!, slots[i]!];
  }
  return slots;
}

function heldPermit(kv: KV, key: string, value: string, revision: number): Permit {
  let current = revision;
  let lost = false;
  return {
    key,
    async renew() {
      if (lost) return false;
      try {
        current = await kv.update(key, value, current);
        return true;
      } catch (err) {
        if (!lostRace(err)) throw err;
        lost = true;
        return false;
      }
    },
    async release() {
      if (lost) return;
      try {
        await kv.delete(key, { previousSeq: current });
      } catch (err) {
        if (!lostRace(err)) throw err;
      }
    },
  };
}

export function kvPermitStore(kv: KV): PermitStore {
  return {
    async tryAcquire(request) {
      const keys = shuffled(request.limit).map((slot) => permitKey(request.fn, request.key, slot, request.kind));
      const entries = await Promise.all(keys.map((key) => kv.get(key)));
      const now = Date.now();
      const value = JSON.stringify({ ...request.holder, ttlMs: request.ttlMs });
      for (const [i, key] of keys.entries()) {
        const entry = entries[i] ?? null;
        if (!isFree(entry, request.ttlMs, now)) continue;
        try {
          const revision = entry ? await kv.update(key, value, entry.revision) : await kv.create(key, value);
          return heldPermit(kv, key, value, revision);
        } catch (err) {
          if (!lostRace(err)) throw err;
        }
      }
      return undefined;
    },
  };
}
