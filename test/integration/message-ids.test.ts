/**
 * Issue #8, hole 1: message-ID namespaces. Intake messages carry the order ID as Nats-Msg-Id and
 * JetStream drops a publish whose ID it saw within the duplicate window, so an ID orderflow
 * generates (stage output, redrive) that a valid order ID could also be would silently drop one of
 * the two messages. Every generated ID now lives under `orderflow/`, which no valid order ID can
 * reach, and a publish JetStream calls a duplicate is checked against the message it kept.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';

import { MESSAGE_ID_COLLISION } from '../../activities/stored-output';
import { outputKey, stageOutputMsgId } from '../../workflows/names';
import { orderRevision } from '../../shared/orders/revision';
import type { Order } from '../../shared/orders/schema';
import { expectNoStackTrace, runCli } from '../harness/cli';
import { expectCompletedOnce, expectEachCompletedOnce, idsWithPrefix } from '../harness/expect-pipeline';
import type { Pipeline } from '../harness/pipeline';
import {
  countOn,
  publish,
  startBridge,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';

const order = (orderId: string): Order => ({
  orderId,
  customerId: 'c-1',
  currency: 'EUR',
  items: [{ sku: 'KB-101', quantity: 1, unitPrice: 49.9 }],
});

const SUBJECTS = ['ORDERS.received', 'ORDERS.processed', 'ORDERS.completed'] as const;

describe('message IDs - no valid order ID collides with a message ID orderflow generates', () => {
  let p: Pipeline;
  const counts = async (): Promise<number[]> => Promise.all(SUBJECTS.map((s) => countOn(p, s)));
  const deadLetterIds = async (): Promise<number[]> =>
    (await runCli(['dlq', 'list', '--json'], { env: p.env })).stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => (JSON.parse(line) as { id: number }).id);

  beforeAll(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
  }, 60_000);
  afterEach(stopComponents, 60_000);
  afterAll(() => p?.stop(), 60_000);

  it('message IDs - order `K:process` (and `K:dispatch`) published before order `K`: all three complete, none dropped', async () => {
    await startWorker(p);
    await startBridge(p);
    const before = await counts();
    // `<orderId>:<stage>` was the output ID of order K's stage: the output would have been dropped.
    const ids = ['mk:process', 'mk:dispatch', 'mk'];
    await publish(p, ids.map(order));
    await expectCompletedOnce(p, ids, 'mk');
    expect(await counts()).toEqual(before.map((n) => n + ids.length));
  }, 120_000);

  it('message IDs - orders named `redrive:7` and `dlq:NEW:1:1` complete, and the redrive of dead letter 7 is not taken for order `redrive:7`', async () => {
    await startWorker(p);
    await startBridge(p);
    const [received] = await counts();
    // Poison messages until dead letter 7 exists (dead letters are numbered by ORDERS_DLQ sequence).
    let poison = 0;
    while (!(await deadLetterIds()).includes(7)) {
      expect(poison).toBeLessThan(7);
      await p.js.publish('ORDERS.received', `{"poison": ${poison}}`);
      poison += 1;
      await waitFor(`dead letter of poison ${poison}`, async () => (await deadLetterIds()).length >= poison, 30_000);
    }
    // `redrive:<n>` was the ID of a redrive: order `redrive:7` first, then the redrive within the window.
    await publish(p, [order('redrive:7'), order('dlq:NEW:1:1'), order('dlq:NEW:7:1')]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mid-')), 'fixed.json');
    fs.writeFileSync(file, JSON.stringify(order('rd-fixed-7')));
    const redriven = await runCli(['dlq', 'redrive', '7', '--payload', file], { env: p.env });
    expect(redriven.code).toBe(0);
    expectNoStackTrace(redriven);
    await expectEachCompletedOnce(p, ['redrive:7', 'dlq:NEW:1:1', 'dlq:NEW:7:1', 'rd-fixed-7']);
    expect(await deadLetterIds()).not.toContain(7);
    // Every poison message, the three orders and the redrive are stored: nothing was dropped.
    expect(await countOn(p, 'ORDERS.received')).toBe(received! + poison + 3 + 1);
  }, 150_000);

  it('keys - order IDs a KV key cannot hold as they are (`x.`, `.a`, `a..b`, `a:b`, `.`) complete, every record under a valid key', async () => {
    await startWorker(p);
    await startBridge(p);
    const ids = ['x.', '.a', 'a..b', 'a:b', '.'];
    await publish(p, ids.map(order));
    // Also checks that every key in the bucket parses back (workflows/names/keys.ts).
    await expectEachCompletedOnce(p, ids);
    const keys: string[] = [];
    for await (const key of await p.kv.keys()) keys.push(key);
    for (const key of keys) {
      expect([key, /^[-/_=.A-Za-z0-9]+$/.test(key) && !/^\.|\.$|\.\./.test(key)]).toEqual([key, true]);
    }
    expect(keys).toContain(`effect.process.reserveStock.${orderRevision(order('x.'))}.x=2E`);
  }, 120_000);

  it('message IDs - an order ID in the generated namespace, or holding "/" or "=", is refused at publish', async () => {
    const before = await counts();
    for (const id of ['orderflow/out/process/0123456789abcdef/mk', 'a/b', 'a=3Ab']) {
      const result = await runCli(['publish', '-'], { env: p.env, input: JSON.stringify(order(id)) });
      expect([id, result.code]).toEqual([id, 2]);
      expect(result.stderr).toContain('orderId: may contain only letters, digits and . _ : -');
      expectNoStackTrace(result);
    }
    expect(await counts()).toEqual(before);
  });

  it('message IDs - a stage output whose ID another message took fails the run for good (MessageIdCollision), never passes for published', async () => {
    await startWorker(p);
    await startBridge(p, { maxDeliveries: '1' });
    // A stranger's message under each victim's output ID, within the window: JetStream will call
    // the victim's output a duplicate of it. One on another subject, one holding another order.
    const cases = [
      { victim: order('coll-1'), subject: 'ORDERS.completed' },
      { victim: order('coll-2'), subject: 'ORDERS.processed' },
    ];
    const forged: number[] = [];
    for (const { victim, subject } of cases) {
      const msgID = stageOutputMsgId('process', victim.orderId, orderRevision(victim));
      const body = JSON.stringify({ order: order('stranger-1'), stages: {} });
      forged.push((await p.js.publish(subject, body, { msgID })).seq);
    }
    await publish(
      p,
      cases.map((c) => c.victim),
    );

    for (const [i, { victim }] of cases.entries()) {
      let failure: unknown;
      await waitFor(`the run of ${victim.orderId} to fail`, async () => {
        failure = await p.client.workflow
          .getHandle(`process-${victim.orderId}`)
          .result()
          .then(
            () => undefined,
            (err: unknown) => err,
          );
        return failure instanceof WorkflowFailedError;
      });
      const cause = (failure as WorkflowFailedError).cause?.cause as ApplicationFailure | undefined;
      expect([victim.orderId, cause?.type, cause?.nonRetryable]).toEqual([victim.orderId, MESSAGE_ID_COLLISION, true]);
      expect(cause?.message).toContain(`ORDERS seq ${forged[i]}`);
      // Not recorded as published.
      expect(await p.kv.get(outputKey('process', victim.orderId, orderRevision(victim)))).toBeNull();
    }
    // No output of either victim anywhere.
    expect(await idsWithPrefix(p, 'ORDERS.processed', 'coll-')).toEqual([]);
    expect(await idsWithPrefix(p, 'ORDERS.completed', 'coll-')).toEqual([]);
  }, 120_000);
});
