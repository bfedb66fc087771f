/**
 * What the servers hold after the run, read from them alone: every ORDERS message (with its order
 * ID and content revision), every dead letter, every effect in the effects bucket, every run
 * Temporal knows, and the work queues' backlog. The checker judges this and nothing else.
 */
import type { ParsedEffectKey } from '../../workflows/names';
import { STREAM, parseEffectKey } from '../../workflows/names';
import type { DeadLetterRecord } from '../../operate/dlq/dead-letter-store';
import { listDeadLetters } from '../../operate/dlq/dead-letter-store';
import { orderRevision } from '../../shared/orders/revision';
import { validateOrder } from '../../shared/orders/schema';
import { replay } from '../../operate/replay/replay';
import { pool } from '../bench/stats';
import type { Pipeline } from '../harness/pipeline';
import { effectKeys } from '../harness/pipeline';

/** The connections observe() reads through: a harness pipeline's, or the cluster test's. */
export type ServerClients = Pick<Pipeline, 'js' | 'jsm' | 'kv' | 'client'>;

export interface StoredOrderMessage {
  readonly seq: number;
  readonly subject: string;
  readonly msgId?: string;
  /** Undefined when the payload names no valid order (poison). */
  readonly orderId?: string;
  readonly revision?: string;
}

export interface SeenDeadLetter {
  readonly id: number;
  readonly kind: string;
  readonly consumer: string;
  readonly streamSeq: number;
  readonly subject: string;
  readonly deliveries: number;
  readonly reason: string;
  readonly orderId?: string;
  readonly revision?: string;
}

/** A record of the effects bucket: its key's parts, or none for a key keys.ts did not build. */
export interface SeenEffect extends Partial<ParsedEffectKey> {
  readonly key: string;
}

export interface SeenRun {
  readonly workflowId: string;
  readonly runId: string;
  readonly status: string;
  readonly type: string;
}

export interface SeenConsumer {
  readonly pending: number;
  readonly ackPending: number;
  /** Every message at or below this stream sequence is acknowledged (or terminated). */
  readonly ackFloor: number;
  readonly redelivered: number;
}

export interface Observation {
  readonly stream: readonly StoredOrderMessage[];
  readonly deadLetters: readonly SeenDeadLetter[];
  readonly effects: readonly SeenEffect[];
  readonly runs: readonly SeenRun[];
  readonly consumers: Readonly<Record<string, SeenConsumer>>;
}

/** The order inside a message of any stage (the order itself, or `{order, stages}`), if valid. */
export function orderIn(data: Uint8Array): { orderId: string; revision: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return undefined;
  }
  const candidate = (value as { order?: unknown } | null)?.order ?? value;
  const result = validateOrder(candidate);
  return result.ok ? { orderId: result.order.orderId, revision: orderRevision(result.order) } : undefined;
}

async function readStream(p: ServerClients): Promise<StoredOrderMessage[]> {
  const out: StoredOrderMessage[] = [];
  await replay(p.js, p.jsm, {}, (m) => {
    const order = orderIn(m.data);
    const msgId = m.headers['Nats-Msg-Id'];
    out.push({ seq: m.seq, subject: m.subject, ...(msgId ? { msgId } : {}), ...(order ?? {}) });
  });
  return out;
}

function seenDeadLetter(r: DeadLetterRecord): SeenDeadLetter {
  const order = orderIn(r.payload);
  return {
    id: r.id,
    kind: r.kind,
    consumer: r.consumer,
    streamSeq: r.streamSeq,
    subject: r.subject,
    deliveries: r.deliveries,
    reason: r.reason,
    ...(order ?? (r.orderId ? { orderId: r.orderId } : {})),
  };
}

async function readEffects(p: ServerClients): Promise<SeenEffect[]> {
  const keys = await effectKeys(p);
  const out: SeenEffect[] = [];
  // Listed keys may include ones deleted since; only a present value counts.
  await pool(keys, 32, async (key) => {
    const entry = await p.kv.get(key);
    if (entry?.operation === 'PUT') out.push({ key, ...parseEffectKey(key) });
  });
  return out.sort((a, b) => (a.key < b.key ? -1 : 1));
}

async function readRuns(p: ServerClients): Promise<SeenRun[]> {
  const out: SeenRun[] = [];
  for await (const run of p.client.workflow.list()) {
    out.push({ workflowId: run.workflowId, runId: run.runId, status: run.status.name, type: run.type });
  }
  return out;
}

async function readConsumer(p: ServerClients, name: string): Promise<SeenConsumer> {
  const info = await p.jsm.consumers.info(STREAM, name);
  return {
    pending: info.num_pending,
    ackPending: info.num_ack_pending,
    ackFloor: info.ack_floor.stream_seq,
    redelivered: info.num_redelivered,
  };
}

export async function observe(p: ServerClients): Promise<Observation> {
  return {
    stream: await readStream(p),
    deadLetters: (await listDeadLetters(p.jsm)).map(seenDeadLetter),
    effects: await readEffects(p),
    runs: await readRuns(p),
    consumers: { NEW: await readConsumer(p, 'NEW'), DISPATCH: await readConsumer(p, 'DISPATCH') },
  };
}
