/**
 * Issue #8, hole 9 (stage outputs): the next stage's message is published once even when the
 * worker that published it dies before recording it, and Temporal's retry comes back after the
 * stream's duplicate window, when Nats-Msg-Id no longer drops a second copy. On every supported
 * nats-server version: the search for an earlier publish uses an ordered consumer whose filter
 * 2.9 only takes as a single string.
 */
import type { ChildProcess } from 'node:child_process';

import { STREAM, outputIntentKey, outputKey } from '../../workflows/names';
import { CHOSEN } from '../../shared/config/topology';
import { orderRevision } from '../../shared/orders/revision';
import type { Published, StageOutput, StageResult } from '../../workflows/types';
import { expectCompletedOnce, idsWithPrefix } from '../harness/expect-pipeline';
import type { Pipeline } from '../harness/pipeline';
import {
  orders,
  publish,
  spawnWorker,
  startBridge,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';
import { forEachNatsServer } from '../harness/tools';

/** Resolves with the signal that ended the process; rejects if it is still running after `timeoutMs`. */
function ended(child: ChildProcess, timeoutMs: number): Promise<NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker still running after ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal);
    });
  });
}

forEachNatsServer('exactly once - a stage output is published once, even beyond the duplicate window', (server) => {
  let p: Pipeline;

  async function setDuplicateWindow(ms: number): Promise<void> {
    const { config } = await p.jsm.streams.info(STREAM);
    await p.jsm.streams.update(STREAM, { ...config, duplicate_window: ms * 1e6 });
  }

  /**
   * Runs one order through a worker process that SIGKILLs itself after publishing the order's
   * process-stage output and before recording it; once the intent is older than `waitPastMs`, a
   * healthy worker takes Temporal's retry, which must find that output rather than add another.
   */
  async function crashAfterPublish(prefix: string, waitPastMs: number): Promise<void> {
    const [order] = orders(1, prefix);
    const id = order!.orderId;
    const revision = orderRevision(order!);
    const crashing = await spawnWorker(p, {
      FAULT_ORDER_PREFIX: prefix,
      FAULT_DIE_BEFORE_RECORDING_OUTPUT: 'process',
    });
    await startBridge(p);
    await publish(p, [order!]);
    expect(await ended(crashing, 60_000)).toBe('SIGKILL');

    // It died between the publish and its record: the intent is there, the output too, its record not.
    const intent = await p.kv.get(outputIntentKey('process', id, revision));
    expect(intent?.json<{ msgId: string }>().msgId).toBe(`orderflow/out/process/${revision}/${id}`);
    expect(await p.kv.get(outputKey('process', id, revision))).toBeNull();
    expect(await idsWithPrefix(p, 'ORDERS.processed', prefix)).toEqual([id]);
    const at = intent!.json<{ at: number }>().at;
    await waitFor('the intent to age', () => Promise.resolve(Date.now() > at + waitPastMs), waitPastMs + 5000);

    await startWorker(p);
    // DISPATCH takes the output as soon as it is stored: the process run itself is what must finish.
    const result = (await p.client.workflow.getHandle(`process-${id}`).result()) as StageResult;
    await expectCompletedOnce(p, [id], prefix);
    // The run completed with the one message there is, and recorded it.
    const recorded = (await p.kv.get(outputKey('process', id, revision)))!.json<Published>();
    const stored = await p.jsm.streams.getMessage(STREAM, { seq: recorded.streamSeq });
    expect([stored?.subject, stored?.json<StageOutput>().order.orderId]).toEqual(['ORDERS.processed', id]);
    expect(result.published).toEqual({ subject: 'ORDERS.processed', streamSeq: recorded.streamSeq, duplicate: true });
  }

  beforeAll(async () => {
    p = await startPipeline({ natsBinary: server.path, ackWaitMs: 2000 });
  }, 60_000);
  afterEach(stopComponents, 60_000);
  afterAll(() => p?.stop(), 60_000);

  it('exactly once - a worker killed after publishing, retried after the duplicate window: the output is found, not published again', async () => {
    const windowMs = 1000;
    await setDuplicateWindow(windowMs);
    try {
      await crashAfterPublish('eo-late-', 2 * windowMs);
    } finally {
      await setDuplicateWindow(CHOSEN.duplicateWindowNs / 1e6);
    }
  }, 150_000);

  it('exactly once - a worker killed after publishing, retried within the duplicate window: still one output', async () => {
    await crashAfterPublish('eo-soon-', 0);
  }, 150_000);
});
