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
  /** This worker's clock when the last write of the permit was sent (a rate slot is free `ttlMs` after it). */
  readonly issuedAt: number;
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

/**
 * Whether a slot may be taken: empty, or lapsed. A rate slot lapses at the time its value names
 * (its writer's clock when it sent the write, plus the TTL), so that a call held up between the
 * write and its start cannot make the slot free before a period has passed since the call began.
 * A permit lapses a TTL after the server stored its last renewal.
 */
function isFree(entry: KvEntry | null, ttlMs: number, now: number): boolean {
  if (!entry || entry.operation !== 'PUT') return true;
  const freeAt = freeAtOf(entry);
  return freeAt !== undefined ? now >= freeAt : now - entry.created.getTime() > ttlMs;
}

function freeAtOf(entry: KvEntry): number | undefined {
  try {
    const { freeAt } = entry.json<{ freeAt?: unknown }>();
    return typeof freeAt === 'number' ? freeAt : undefined;
  } catch {
    return undefined;
  }
}

/** The value written for `request` now: who holds it, and for a rate slot when it is free again. */
function valueOf(request: PermitRequest, issuedAt: number): string {
  const freeAt = request.kind === 'rate' ? { freeAt: issuedAt + request.ttlMs } : {};
  return JSON.stringify({ ...request.holder, ttlMs: request.ttlMs, ...freeAt });
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

function heldPermit(kv: KV, key: string, request: PermitRequest, revision: number, issuedAt: number): Permit {
  let current = revision;
  let issued = issuedAt;
  let lost = false;
  return {
    key,
    get issuedAt() {
      return issued;
    },
    async renew() {
      if (lost) return false;
      try {
        const sent = Date.now();
        current = await kv.update(key, valueOf(request, sent), current);
        issued = sent;
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
      for (const [i, key] of keys.entries()) {
        const entry = entries[i] ?? null;
        if (!isFree(entry, request.ttlMs, now)) continue;
        const issuedAt = Date.now();
        const value = valueOf(request, issuedAt);
        try {
          const revision = entry ? await kv.update(key, value, entry.revision) : await kv.create(key, value);
          return heldPermit(kv, key, request, revision, issuedAt);
        } catch (err) {
          if (!lostRace(err)) throw err;
        }
      }
      return undefined;
    },
  };
}
