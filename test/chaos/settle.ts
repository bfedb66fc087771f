/**
 * After the heal: waits until the pipeline is quiet (both work queues empty, no workflow running),
 * and meanwhile reports every stall: a stretch of `stallMs` or more in which work was pending and
 * nothing moved (no ack floor, backlog, stream or dead-letter change). A slow machine only makes
 * the wait longer; it ends early when a stall has lasted `giveUpMs`, or at `timeoutMs`.
 */
import { DLQ_STREAM, STREAM } from '../../workflows/names';
import type { Pipeline } from '../harness/pipeline';

export interface Stall {
  /** From the start of the fault period, in ms. */
  readonly fromMs: number;
  toMs: number;
  /** Messages pending or unacknowledged on NEW + DISPATCH, and workflows running, when it began. */
  readonly backlog: number;
  readonly running: number;
}

export interface SettleResult {
  readonly quiet: boolean;
  readonly durationMs: number;
  readonly stalls: readonly Stall[];
}

export interface SettleOptions {
  /** Longest wait, in ms. */
  readonly timeoutMs: number;
  /** No progress for this long while work is pending is a stall, in ms. */
  readonly stallMs: number;
  /** No progress for this long ends the wait, in ms. Default: twice stallMs. */
  readonly giveUpMs?: number;
  /** How often to look, in ms. Default: 1000. */
  readonly pollMs?: number;
  /** Consecutive quiet looks that end the wait. Default: 3. */
  readonly quietLooks?: number;
}

interface Look {
  readonly work: number;
  readonly running: number;
  /** Changes whenever anything moves. */
  readonly progress: string;
}

async function look(p: Pick<Pipeline, 'jsm' | 'client'>): Promise<Look> {
  const [n, d] = [await p.jsm.consumers.info(STREAM, 'NEW'), await p.jsm.consumers.info(STREAM, 'DISPATCH')];
  const [orders, dlq] = [await p.jsm.streams.info(STREAM), await p.jsm.streams.info(DLQ_STREAM)];
  let running = 0;
  for await (const _ of p.client.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
    running += 1;
  }
  return {
    work: n.num_pending + n.num_ack_pending + d.num_pending + d.num_ack_pending,
    running,
    progress: JSON.stringify([
      [n.ack_floor.stream_seq, n.num_pending, n.num_ack_pending],
      [d.ack_floor.stream_seq, d.num_pending, d.num_ack_pending],
      orders.state.last_seq,
      dlq.state.messages,
    ]),
  };
}

export async function settle(
  p: Pick<Pipeline, 'jsm' | 'client'>,
  options: SettleOptions,
  startedAt: number,
): Promise<SettleResult> {
  const began = Date.now();
  const stalls: Stall[] = [];
  let quiet = 0;
  let lastProgress = '';
  let lastChangeAt = Date.now();
  let open: Stall | undefined;
  while (Date.now() - began < options.timeoutMs) {
    const now = Date.now();
    // A server still coming back answers nothing: that look is skipped, not taken for quiet.
    const seen = await look(p).catch(() => undefined);
    if (seen) {
      if (seen.progress !== lastProgress) {
        lastProgress = seen.progress;
        lastChangeAt = now;
        if (open) open.toMs = now - startedAt;
        open = undefined;
      }
      const busy = seen.work > 0 || seen.running > 0;
      quiet = busy ? 0 : quiet + 1;
      if (quiet >= (options.quietLooks ?? 3)) return { quiet: true, durationMs: Date.now() - began, stalls };
      if (busy && now - lastChangeAt >= (options.giveUpMs ?? 2 * options.stallMs)) break;
      if (busy && !open && now - lastChangeAt >= options.stallMs) {
        open = { fromMs: lastChangeAt - startedAt, toMs: now - startedAt, backlog: seen.work, running: seen.running };
        stalls.push(open);
      } else if (open) {
        open.toMs = now - startedAt;
      }
    }
    await new Promise((r) => setTimeout(r, options.pollMs ?? 1000));
  }
  return { quiet: false, durationMs: Date.now() - began, stalls };
}
