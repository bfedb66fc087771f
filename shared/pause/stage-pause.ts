/**
 * An operator's pause of a stage (`orderflow pause`), as recorded in the ORDERFLOW_PAUSES bucket:
 * one key per paused stage (its name) holding who paused it, why, since and until when. The record
 * is the pause: every bridge watches the bucket and stops pulling the stage while a record is in
 * force (its deadline, if any, still ahead); `status` and the dashboard read it. On nats-server
 * 2.11+ the stage's consumer is also paused at the server with the same deadline (operate/pause).
 */
import type { KV, KvEntry } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { z } from 'zod';

import type { StageName } from '../../workflows/names';
import { PAUSES_BUCKET, STAGE_NAMES } from '../../workflows/names';
import { isJsApiError } from '../../activities/nats/api-codes';

export interface StagePause {
  readonly stage: StageName;
  /** Who paused it: `--by`, or the OS user who ran `orderflow pause` (or the dashboard token's name). */
  readonly by: string;
  /** Why, as the operator gave it; empty when not given. */
  readonly reason: string;
  /** When it was paused, ISO 8601. */
  readonly since: string;
  /** When it resumes by itself, ISO 8601; absent: only `orderflow resume` ends it. */
  readonly until?: string;
}

const RECORD = z.object({
  stage: z.enum(STAGE_NAMES as [StageName, ...StageName[]]),
  by: z.string(),
  reason: z.string(),
  since: z.string(),
  until: z.string().optional(),
});

/** Whether `pause` stops intake at `now`: it exists and its deadline, if any, is still ahead. */
export function inForce(pause: StagePause | undefined, now = Date.now()): pause is StagePause {
  return pause !== undefined && (pause.until === undefined || Date.parse(pause.until) > now);
}

/** A pause without --until is held at the server this long after it began (JetStream wants a deadline). */
const UNTIL_RESUMED_MS = 100 * 365 * 86_400_000;

/** The deadline a pause has at the server: its --until, or, without one, far ahead (a fixed time, from `since`). */
export function serverDeadline(pause: StagePause): Date {
  return new Date(pause.until ? Date.parse(pause.until) : Date.parse(pause.since) + UNTIL_RESUMED_MS);
}

/** The record a bucket entry holds; undefined for a deleted key or one that is not a stage's pause. */
export function pauseOf(entry: Pick<KvEntry, 'operation' | 'value'> | null): StagePause | undefined {
  if (!entry || entry.operation !== 'PUT') return undefined;
  try {
    const parsed = RECORD.safeParse(JSON.parse(new TextDecoder().decode(entry.value)));
    if (!parsed.success) return undefined;
    const { until, ...rest } = parsed.data;
    return until === undefined ? rest : { ...rest, until };
  } catch {
    return undefined;
  }
}

/** The pause as one line: `paused by alice until 2026-12-01T12:00:00.000Z: deploy of the ERP`. */
export function describePause(pause: StagePause): string {
  const until = pause.until ? `until ${pause.until}` : 'until resumed';
  return `paused by ${pause.by} ${until}${pause.reason ? `: ${pause.reason}` : ''}`;
}

export function encodePause(pause: StagePause): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(pause));
}

/** The pauses bucket; undefined where it does not exist (a NATS orderflow never provisioned). */
export async function openPauses(nc: NatsConnection): Promise<KV | undefined> {
  try {
    const kv = await new Kvm(nc).open(PAUSES_BUCKET);
    await kv.status();
    return kv;
  } catch (err) {
    if (isJsApiError(err, 'streamNotFound')) return undefined;
    throw err;
  }
}

/** A stage's pause on record, and whether it is in force (one whose --until passed stays until the next pause or resume). */
export type PauseOnRecord = StagePause & { readonly inForce: boolean };

/** The operators' pauses on record at `now` (for `status` and the dashboard); none where the bucket does not exist. */
export async function pausesOnRecord(nc: NatsConnection, now = Date.now()): Promise<PauseOnRecord[]> {
  const kv = await openPauses(nc);
  if (!kv) return [];
  return [...(await readPauses(kv)).values()].map((pause) => ({ ...pause, inForce: inForce(pause, now) }));
}

/** Each stage's pause record now (in force or expired); stages without one are absent. */
export async function readPauses(kv: KV): Promise<Map<StageName, StagePause>> {
  const found = new Map<StageName, StagePause>();
  for (const stage of STAGE_NAMES) {
    const pause = pauseOf(await kv.get(stage));
    if (pause) found.set(stage, pause);
  }
  return found;
}
