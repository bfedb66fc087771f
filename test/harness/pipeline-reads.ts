/**
 * What tests read back from a pipeline: orders to publish, what the stream, the consumers, the
 * effects bucket, the dead letters and Temporal hold. Re-exported by pipeline.ts.
 */
import type { DeadLetterRecord } from '../../operate/dlq/dead-letter-store';
import { listDeadLetters } from '../../operate/dlq/dead-letter-store';
import { STREAM } from '../../workflows/names';
import { demoOrders } from '../../shared/orders/demo';
import type { Order } from '../../shared/orders/schema';
import type { StageOutput } from '../../workflows/types';
import type { Pipeline } from './pipeline';

export function orders(count: number, prefix: string): Order[] {
  return demoOrders(count, { prefix, seed: 42 });
}

export async function publish(p: Pick<Pipeline, 'js'>, list: readonly Order[]): Promise<void> {
  for (const order of list) await p.js.publish('ORDERS.received', JSON.stringify(order), { msgID: order.orderId });
}

export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Messages stored on one subject. */
export async function countOn(p: Pipeline, subject: string): Promise<number> {
  const info = await p.jsm.streams.info(STREAM, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}

/** Order IDs found in the messages of one subject, with repeats. */
export async function orderIdsOn(p: Pick<Pipeline, 'jsm'>, subject: string): Promise<string[]> {
  const ids: string[] = [];
  const last = (await p.jsm.streams.info(STREAM)).state.last_seq;
  for (let seq = 1; seq <= last; seq += 1) {
    const msg = await p.jsm.streams.getMessage(STREAM, { seq }).catch(() => null);
    if (!msg || msg.subject !== subject) continue;
    const body = msg.json<{ orderId?: string; order?: { orderId: string } }>();
    ids.push(body.order?.orderId ?? body.orderId ?? '?');
  }
  return ids;
}

/** The stage outputs stored on `subject`, in stream order, repeats kept. */
export async function outputsOn(p: Pick<Pipeline, 'jsm'>, subject: string): Promise<StageOutput[]> {
  const outputs: StageOutput[] = [];
  const last = (await p.jsm.streams.info(STREAM)).state.last_seq;
  for (let seq = 1; seq <= last; seq += 1) {
    const msg = await p.jsm.streams.getMessage(STREAM, { seq }).catch(() => null);
    if (msg?.subject === subject) outputs.push(msg.json<StageOutput>());
  }
  return outputs;
}

/** Runs Temporal has of one workflow ID (each start of a new run counts). */
export async function runsOf(p: Pick<Pipeline, 'client'>, workflowId: string): Promise<number> {
  let n = 0;
  for await (const _ of p.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) n += 1;
  return n;
}

/** The status of a workflow ID's latest run (`RUNNING`, `COMPLETED`, ...), `NONE` when it cannot be described. */
export async function statusOf(p: Pick<Pipeline, 'client'>, workflowId: string): Promise<string> {
  const described = await p.client.workflow
    .getHandle(workflowId)
    .describe()
    .catch(() => undefined);
  return described?.status.name ?? 'NONE';
}

/** The dead letters of one order. */
export async function lettersOf(p: Pick<Pipeline, 'jsm'>, orderId: string): Promise<DeadLetterRecord[]> {
  return (await listDeadLetters(p.jsm)).filter((d) => d.orderId === orderId);
}

/** Pending and unacknowledged messages of a consumer. */
export async function backlog(
  p: Pick<Pipeline, 'jsm'>,
  consumer: string,
): Promise<{ pending: number; ackPending: number }> {
  const info = await p.jsm.consumers.info(STREAM, consumer);
  return { pending: info.num_pending, ackPending: info.num_ack_pending };
}

/** The effects bucket's keys. */
export async function effectKeys(p: Pick<Pipeline, 'kv'>): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of await p.kv.keys()) keys.push(key);
  return keys.sort();
}

/**
 * Deliveries a consumer has made, redeliveries included (its consumer sequence). A test that
 * knows how many messages it published tells redeliveries from first deliveries with it.
 */
export async function deliveries(p: Pipeline, consumer = 'NEW'): Promise<number> {
  return (await p.jsm.consumers.info(STREAM, consumer)).delivered.consumer_seq;
}
