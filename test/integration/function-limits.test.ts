/**
 * Issue 22, item 3: a function's rate and concurrency limits hold across all its workers, counted
 * by what the outside world saw (local HTTP APIs of the test's own, which stamp each call's
 * arrival and end), not by orderflow's own statuses. 300 orders through one pipeline whose
 * `charge` is limited to 10 calls a second (two workers on its derived queue), whose `book` runs
 * at most 3 at once (three workers, one SIGKILLed while it holds permits), and whose `pack` runs
 * at most 1 at once per customer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { ChildProcess } from 'node:child_process';

import { ROOT } from '../harness/paths';
import type { ChargeRequest, PaymentApi } from '../harness/payment-api';
import { startPaymentApi } from '../harness/payment-api';
import type { Pipeline } from '../harness/pipeline';
import {
  orderIdsOn,
  orders,
  outputsOn,
  publish,
  runsOf,
  spawnCliWorker,
  startBridge,
  startPipeline,
  waitFor,
} from '../harness/pipeline';

const API = path.join(ROOT, 'dist/activities/index.js');
const ORDERS = 300;
const RATE = 10;
const AT_ONCE = 3;
/** book's heartbeat timeout, and so its permits' lease. */
const LEASE_MS = 3000;
const CUSTOMERS = 3;

/** The pipeline module the workers load: each function calls its API and says which process it is. */
function functionsModule(urls: { charge: string; book: string; pack: string }): string {
  const call = (url: string): string =>
    `async (order, ctx) => { const res = await fetch(${JSON.stringify(`${url}/charges`)}, { method: 'POST', ` +
    `headers: { 'content-type': 'application/json', 'idempotency-key': ctx.idempotencyKey, 'x-worker-pid': String(process.pid) }, ` +
    `body: JSON.stringify({ orderId: order.orderId, customerId: order.customerId, startedAt: Date.now() }), signal: ctx.signal }); ` +
    'if (!res.ok) throw new Error(`answered ${res.status}`); return { attempt: ctx.attempt }; }';
  return [
    `const { defineFunction, definePipeline } = require(${JSON.stringify(API)});`,
    `const charge = defineFunction({ name: 'charge', rateLimit: { limit: ${RATE}, period: '1s' }, run: ${call(urls.charge)} });`,
    `const book = defineFunction({ name: 'book', taskQueue: 'booking', heartbeatTimeout: ${LEASE_MS}, concurrency: { limit: ${AT_ONCE} }, run: ${call(urls.book)} });`,
    `const pack = defineFunction({ name: 'pack', taskQueue: 'booking', concurrency: { limit: 1, key: (order) => order.customerId }, run: ${call(urls.pack)} });`,
    'module.exports = definePipeline({ process: [charge], dispatch: [book, pack] });',
    '',
  ].join('\n');
}

/** The most calls that arrived within any `windowMs` (a sliding window over arrival times). */
function mostInAnyWindow(requests: readonly ChargeRequest[], windowMs: number): number {
  const at = requests.map((r) => r.at).sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < at.length; j++) {
    while (at[j]! - at[i]! >= windowMs) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

/** The most calls open at once (arrived, not yet answered or cut) among `requests`, within [from, to). */
function mostAtOnce(requests: readonly ChargeRequest[], from = -Infinity, to = Infinity): number {
  const events = requests.flatMap((r) => [
    { t: r.at, d: 1 },
    { t: r.endedAt ?? Infinity, d: -1 },
  ]);
  // An end before a start at the same instant: a call answered as the next arrives was not at once with it.
  events.sort((a, b) => a.t - b.t || a.d - b.d);
  let open = 0;
  let most = 0;
  for (const { t, d } of events) {
    open += d;
    if (t >= from && t < to) most = Math.max(most, open);
  }
  return most;
}

describe('function limits - rate and concurrency limits across all workers', () => {
  let p: Pipeline;
  let dir: string;
  const apis: Record<'charge' | 'book' | 'pack', PaymentApi | undefined> = {
    charge: undefined,
    book: undefined,
    pack: undefined,
  };
  let killedAt = 0;
  let killedPid = 0;
  let heldAtKill = 0;

  const completedIds = async (): Promise<string[]> =>
    (await orderIdsOn(p, 'ORDERS.completed')).filter((id) => id.startsWith('limits-')).sort();

  beforeAll(async () => {
    // Temporal divides a queue's rate among the partitions it reads; the dev server writes to one
    // and reads four, so its queues would run at a quarter of the limit (see the README). A server
    // that reads the partitions it writes runs at the limit, which is what this test holds it to.
    p = await startPipeline({ temporalDynamicConfig: { 'matching.numTaskqueueReadPartitions': 1 } });
    apis.charge = await startPaymentApi({ minDelayMs: 0, maxDelayMs: 5 });
    apis.book = await startPaymentApi({ minDelayMs: 200, maxDelayMs: 400 });
    apis.pack = await startPaymentApi({ minDelayMs: 100, maxDelayMs: 300 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-limits-'));
    fs.writeFileSync(
      path.join(dir, 'functions.cjs'),
      functionsModule({ charge: apis.charge.url, book: apis.book.url, pack: apis.pack.url }),
    );
  }, 120_000);

  afterAll(async () => {
    for (const api of Object.values(apis)) await api?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    await p?.stop();
  }, 60_000);

  it('function limits - 300 orders complete once through a rate-limited, a concurrency-limited and a keyed function, one worker SIGKILLed holding permits', async () => {
    const file = path.join(dir, 'functions.cjs');
    const worker = (queue: string): Promise<ChildProcess> =>
      spawnCliWorker(p, ['--functions', file, '--task-queue', queue]);
    const bookers = await Promise.all([worker('booking'), worker('booking'), worker('booking')]);
    await Promise.all([worker('orderflow'), worker('orderflow:charge'), worker('orderflow:charge')]);
    await startBridge(p);
    const batch = orders(ORDERS, 'limits-').map((o, i) => ({ ...o, customerId: `customer-${i % CUSTOMERS}` }));
    const started = performance.now();
    await publish(p, batch);

    // Killed while it holds permits: a third of the way, with calls of its own open at the book API.
    const victim = bookers[0];
    await waitFor('a third of the books, the first booking worker in a call', () =>
      Promise.resolve(apis.book!.requests().length >= ORDERS / 3 && apis.book!.open(victim.pid) > 0),
    );
    heldAtKill = apis.book!.open(victim.pid);
    killedPid = victim.pid!;
    victim.kill('SIGKILL');
    killedAt = performance.now();

    const ids = batch.map((o) => o.orderId).sort();
    await waitFor('every order completed', async () => (await completedIds()).length >= ORDERS, 150_000);
    expect(await completedIds()).toEqual(ids);
    for (const id of ids)
      expect([id, await runsOf(p, `process-${id}`), await runsOf(p, `dispatch-${id}`)]).toEqual([id, 1, 1]);
    const seconds = (performance.now() - started) / 1000;
    process.stdout.write(`function limits: ${ORDERS} orders in ${seconds.toFixed(1)} s\n`);
  }, 200_000);

  it('function limits - rateLimit 10/s with two workers: never more than 10 calls started in any second', () => {
    const calls = apis.charge!.requests();
    expect(new Set(calls.map((c) => c.orderId)).size).toBe(ORDERS);
    // When each call started, as the calling function stamped it (Date.now(), one machine's clock).
    const started = calls.map((c) => ({ ...c, at: c.body.startedAt as number }));
    const most = mostInAnyWindow(started, 1000);
    const arriving = mostInAnyWindow(calls, 1000);
    const spanS = (calls.at(-1)!.at - calls[0]!.at) / 1000;
    process.stdout.write(
      `function limits: charge ${calls.length} calls over ${spanS.toFixed(1)} s, at most ${most} started and ${arriving} arriving in any 1 s\n`,
    );
    expect(most).toBeLessThanOrEqual(RATE);
    // Held to the rate, not far below it: 300 calls at 10/s take about 30 s.
    expect(spanS).toBeGreaterThanOrEqual((ORDERS - RATE) / RATE - 1);
  });

  it('function limits - concurrency 3 across three workers: never more than 3 at once, also after a worker is SIGKILLed holding permits', () => {
    const calls = apis.book!.requests();
    expect(mostAtOnce(calls)).toBeLessThanOrEqual(AT_ONCE);
    expect(mostAtOnce(calls)).toBe(AT_ONCE);
    expect(heldAtKill).toBeGreaterThan(0);
    // The killed worker's permits stay held until their lease lapses (renewed every third of it):
    // until then the others run at most 3 minus what it held; after the lease, 3 at once again.
    const cut = calls.filter((c) => c.pid === killedPid && c.state === 'cut').map((c) => c.endedAt ?? killedAt);
    const from = Math.max(killedAt, ...cut);
    expect(mostAtOnce(calls, from, killedAt + (2 * LEASE_MS) / 3 - 200)).toBeLessThanOrEqual(AT_ONCE - heldAtKill);
    expect(mostAtOnce(calls, killedAt + LEASE_MS + 500)).toBe(AT_ONCE);
  });

  it('function limits - concurrency per key: never two calls of one customer at once, customers at once with each other', () => {
    const calls = apis.pack!.requests();
    for (let c = 0; c < CUSTOMERS; c++) {
      expect([c, mostAtOnce(calls.filter((r) => r.body.customerId === `customer-${c}`))]).toEqual([c, 1]);
    }
    expect(mostAtOnce(calls)).toBeGreaterThan(1);
  });

  it('function limits - waiting for a limit costs no attempt: ctx.attempt is 1 but for attempts lost with the killed worker', async () => {
    const outputs = (await outputsOn(p, 'ORDERS.completed')).filter((o) => o.order.orderId.startsWith('limits-'));
    expect(outputs).toHaveLength(ORDERS);
    const attemptOf = (result: unknown): number => (result as { attempt: number }).attempt;
    // charge waited for its rate (its workers live): every order's first attempt ran it.
    expect(outputs.filter((o) => attemptOf(o.stages.process!.charge!.result) !== 1)).toEqual([]);
    // book and pack: an attempt the killed worker had started (calling, or waiting for a permit) is
    // retried as the next; any other order got through on attempt 1 however long it waited.
    const lastCall = (api: PaymentApi, orderId: string): number =>
      Math.max(
        ...api
          .requests()
          .filter((c) => c.orderId === orderId)
          .map((c) => c.at),
      );
    const retried = outputs.flatMap((o) => {
      const { book, pack } = o.stages.dispatch!;
      return [
        ...(attemptOf(book!.result) > 1 ? [{ id: o.order.orderId, api: apis.book! }] : []),
        ...(attemptOf(pack!.result) > 1 ? [{ id: o.order.orderId, api: apis.pack! }] : []),
      ];
    });
    expect(retried.filter(({ id, api }) => lastCall(api, id) < killedAt)).toEqual([]);
    process.stdout.write(`function limits: ${retried.length} book/pack attempts retried after the kill\n`);
  });
});
