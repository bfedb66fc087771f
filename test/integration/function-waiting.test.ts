/**
 * A function waiting for its limit is visible, not only slow: `orderflow status <id>` says what
 * the order's run waits for, and the worker's `orderflow_function_waiting` gauge counts the
 * attempts waiting, by reason. One worker, a function that runs 4 s with at most 1 call at once,
 * three orders: while the first calls, the other two wait.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from '../../local/servers/ports';
import { runCli } from '../harness/cli';
import { ROOT } from '../harness/paths';
import type { Pipeline } from '../harness/pipeline';
import { orderIdsOn, orders, publish, spawnCliWorker, startBridge, startPipeline, waitFor } from '../harness/pipeline';

const API = path.join(ROOT, 'dist/activities/index.js');

const MODULE = [
  `const { defineFunction, definePipeline } = require(${JSON.stringify(API)});`,
  'const slow = defineFunction({ name: "slow", concurrency: { limit: 1 }, run: (order, ctx) =>',
  '  new Promise((resolve) => { const t = setTimeout(() => resolve({ done: true }), 4000);',
  '    ctx.signal.addEventListener("abort", () => { clearTimeout(t); resolve({ done: false }); }); }) });',
  'module.exports = definePipeline({ process: [slow], dispatch: [] });',
  '',
].join('\n');

describe('function limits - a waiting order is shown waiting', () => {
  let p: Pipeline;
  let dir: string;
  beforeAll(async () => {
    p = await startPipeline();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-waiting-'));
    fs.writeFileSync(path.join(dir, 'functions.cjs'), MODULE);
  }, 60_000);
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await p?.stop();
  }, 60_000);

  it('function limits - status names the permit an order waits for; orderflow_function_waiting counts the waiting attempts', async () => {
    const port = await freePort();
    const file = path.join(dir, 'functions.cjs');
    await spawnCliWorker(p, ['--functions', file], { ORDERFLOW_METRICS_PORT: String(port) });
    await startBridge(p);
    const batch = orders(3, 'waits-');
    await publish(p, batch);
    const gauge = async (): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const line =
        /^orderflow_function_waiting\{function="slow",task_queue="[^"]+",reason="concurrency"\} (\d+)$/m.exec(text);
      return Number(line?.[1] ?? 0);
    };
    await waitFor('two attempts waiting for the permit', async () => (await gauge()) === 2, 30_000);
    // Whichever two wait, status says so for each, naming the limit.
    const shown: string[] = [];
    for (const order of batch) {
      const status = await runCli(['status', order.orderId], { env: p.env });
      expect(status.code).toBe(0);
      if (status.stdout.includes('waiting: a concurrency permit (1 at once)')) shown.push(order.orderId);
    }
    expect(shown.length).toBeGreaterThanOrEqual(1);
    const ids = batch.map((o) => o.orderId).sort();
    await waitFor(
      'all three completed, one at a time',
      async () => (await orderIdsOn(p, 'ORDERS.completed')).filter((id) => id.startsWith('waits-')).length === 3,
      60_000,
    );
    expect((await orderIdsOn(p, 'ORDERS.completed')).filter((id) => id.startsWith('waits-')).sort()).toEqual(ids);
    await waitFor('nothing waiting any more', async () => (await gauge()) === 0, 10_000);
  }, 120_000);
});
