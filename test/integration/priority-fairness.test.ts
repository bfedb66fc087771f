/**
 * Issue 22, item 2: priority and fairness from the order, on real servers (the dev server with
 * Temporal's priority and fairness on). An `orderflow bridge` process given the pipeline module
 * (`--functions`) holds a whole burst, and a worker with few slots makes a backlog in Temporal.
 * Counted from what the stream saw: the order of the orders' completions on ORDERS.completed.
 *   - fairness: customer A's burst of 300, then customer B's 10: B's complete before most of A's.
 *   - priority: a backlog of 300 standard orders, then 10 express ones of the same customer:
 *     the express orders complete before most of the backlog.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { ChildProcess } from 'node:child_process';

import type { Order } from '../../shared/orders/schema';
import { workflowIdFor } from '../../workflows/names';
import { ROOT } from '../harness/paths';
import type { Pipeline } from '../harness/pipeline';
import {
  countOn,
  killProcess,
  orderIdsOn,
  orders,
  publish,
  spawnBridgeProcess,
  spawnCliWorker,
  startPipeline,
  waitFor,
} from '../harness/pipeline';

const API = path.join(ROOT, 'dist/activities/index.js');
const BURST = 300;
const FEW = 10;

/** The pipeline module: one 20 ms call per stage; the customer is the fairness key, express goes first. */
const MODULE = [
  `const { defineFunction, definePipeline } = require(${JSON.stringify(API)});`,
  'const call = (name) => defineFunction({ name, run: () => new Promise((r) => setTimeout(() => r({ ok: true }), 20)) });',
  'module.exports = definePipeline({',
  "  process: [call('reserve')],",
  "  dispatch: [call('ship')],",
  "  priority: (order) => (order.metadata?.shipping === 'express' ? 1 : 3),",
  '  fairness: { key: (order) => order.customerId },',
  '});',
  '',
].join('\n');

function ofCustomer(prefix: string, customerId: string, count: number, express = false): Order[] {
  return orders(count, prefix).map((o) => ({
    ...o,
    customerId,
    ...(express ? { metadata: { shipping: 'express' } } : {}),
  }));
}

/** The share of `many` that completed before the last of `few`, in the stream's order of completions. */
function shareBeforeLast(completed: readonly string[], many: readonly Order[], few: readonly Order[]): number {
  const fewIds = new Set(few.map((o) => o.orderId));
  const manyIds = new Set(many.map((o) => o.orderId));
  const lastFew = Math.max(...completed.map((id, i) => (fewIds.has(id) ? i : -1)));
  return completed.slice(0, lastFew).filter((id) => manyIds.has(id)).length / many.length;
}

describe('priority and fairness - the bridge and Temporal order a backlog by the order', () => {
  let p: Pipeline;
  let dir: string;
  let bridge: ChildProcess;
  let bridgeOutput = '';

  beforeAll(async () => {
    p = await startPipeline();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-fairness-'));
    const file = path.join(dir, 'functions.cjs');
    fs.writeFileSync(file, MODULE);
    // Few slots: the burst waits in Temporal's queues, where its priority and fairness keys act.
    await spawnCliWorker(p, ['--functions', file, '--max-workflow-tasks', '2', '--max-activities', '4']);
    bridge = spawnBridgeProcess(p, { ORDERFLOW_FUNCTIONS: file, ORDERFLOW_MAX_IN_FLIGHT: '1000' });
    const collect = (chunk: Buffer): void => void (bridgeOutput += chunk.toString());
    bridge.stdout?.on('data', collect);
    bridge.stderr?.on('data', collect);
    await waitFor('the bridge consuming', () => Promise.resolve(bridgeOutput.includes('bridge consuming')));
  }, 120_000);

  afterAll(async () => {
    if (bridge) await killProcess(bridge, 'SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
    await p?.stop();
  }, 60_000);

  it('priority and fairness - the bridge says what it applies when it starts', () => {
    expect(bridgeOutput).toContain(
      'priority and fairness: priority and fairness (weight 1) on each run start and in the intake',
    );
  });

  it('priority and fairness - B’s 10 orders published after A’s burst of 300 complete before most of A’s, each once', async () => {
    const a = ofCustomer('fair-a-', 'customer-a', BURST);
    const b = ofCustomer('fair-b-', 'customer-b', FEW);
    await publish(p, a);
    await publish(p, b);
    await waitFor('the burst completed', async () => (await countOn(p, 'ORDERS.completed')) >= BURST + FEW, 120_000);
    const completed = await orderIdsOn(p, 'ORDERS.completed');
    expect(completed).toHaveLength(BURST + FEW);
    expect(new Set(completed).size).toBe(BURST + FEW);
    // In arrival order, B's last order would complete after all of A's.
    expect(shareBeforeLast(completed, a, b)).toBeLessThan(0.5);
    // The run carries the order's keys; its functions inherit them.
    const run = await p.client.workflow.getHandle(workflowIdFor('process', b[0]!.orderId)).describe();
    expect(run.priority).toMatchObject({ priorityKey: 3, fairnessKey: 'customer-b' });
  }, 150_000);

  it('priority and fairness - express orders published behind a backlog of 300 complete before most of it', async () => {
    const before = (await orderIdsOn(p, 'ORDERS.completed')).length;
    const backlog = ofCustomer('prio-std-', 'customer-c', BURST);
    const express = ofCustomer('prio-exp-', 'customer-c', FEW, true);
    await publish(p, backlog);
    await publish(p, express);
    await waitFor(
      'the backlog completed',
      async () => (await countOn(p, 'ORDERS.completed')) >= before + BURST + FEW,
      120_000,
    );
    const completed = (await orderIdsOn(p, 'ORDERS.completed')).slice(before);
    expect(new Set(completed).size).toBe(BURST + FEW);
    expect(shareBeforeLast(completed, backlog, express)).toBeLessThan(0.5);
    const run = await p.client.workflow.getHandle(workflowIdFor('dispatch', express[0]!.orderId)).describe();
    expect(run.priority).toMatchObject({ priorityKey: 1, fairnessKey: 'customer-c' });
  }, 150_000);
});
