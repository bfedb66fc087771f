/**
 * The tests of the TypeScript project `orderflow init` writes, with orderflow's testing kit:
 * `src/functions.test.ts` runs chargeCard as a worker would (runFunction) against the fake
 * payments API, and `src/pipeline.test.ts` runs the whole pipeline in-process
 * (startPipelineTest), where a charge retried over minutes of backoff completes in a second.
 * Template literals of the written code are escaped (`\${`, `` \` ``).
 */

export const FUNCTIONS_TEST_TS = `/**
 * chargeCard's unit test (\`npm test\`): runFunction runs it as orderflow's worker would (its
 * idempotency key, attempt, signal and log), against a fake payments API served here. No NATS
 * or Temporal server needed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { NonRetryableError } from 'orderflow';
import { runFunction } from 'orderflow/testing';

import type { FakePayments } from './fake-payments.ts';
import { startFakePayments } from './fake-payments.ts';
import { chargeCard, confirmOrder } from './functions.ts';

let payments: FakePayments;

before(async () => {
  payments = await startFakePayments();
  process.env.PAYMENTS_URL = payments.url;
});

after(async () => {
  delete process.env.PAYMENTS_URL;
  await payments.close();
});

const orderOf = (orderId: string, unitPrice: number) => ({
  orderId,
  customerId: 'C-1',
  currency: 'EUR',
  items: [
    { sku: 'SKU-1', quantity: 2, unitPrice },
    { sku: 'SKU-2', quantity: 3, unitPrice: 0.1 },
  ],
});

test('chargeCard - posts the order total with the idempotency key and returns the charge', async () => {
  const run = await runFunction(chargeCard, orderOf('A-1', 12.5));

  const sent = payments.requests.filter((r) => r.body.orderId === 'A-1');
  assert.equal(sent.length, 1);
  assert.equal(sent[0]?.key, run.idempotencyKey);
  // 2 × 12.50 + 3 × 0.10, summed in cents: exactly 25.3.
  assert.deepEqual(sent[0]?.body, { orderId: 'A-1', amount: 25.3, currency: 'EUR' });
  assert.equal(run.result.amount, 25.3);
  assert.match(run.result.chargeId, /^ch_/);
  assert.deepEqual(
    run.logs.map((l) => [l.message, l.attrs.chargeId]),
    [['card charged', run.result.chargeId]],
  );
});

test('chargeCard - a second attempt for the same order sends the same key and gets the same charge', async () => {
  const first = await runFunction(chargeCard, orderOf('A-2', 5));
  const second = await runFunction(chargeCard, orderOf('A-2', 5), { attempt: 2 });

  assert.equal(second.idempotencyKey, first.idempotencyKey);
  assert.equal(payments.requestsWith(first.idempotencyKey), 2);
  assert.deepEqual(second.result, first.result);
  assert.equal(second.attempt, 2);
});

test('chargeCard - a declined card fails at once, not retried, with the reason', async () => {
  await assert.rejects(runFunction(chargeCard, orderOf('A-3', 600)), (err) => {
    assert.ok(err instanceof NonRetryableError, \`expected a NonRetryableError, got \${String(err)}\`);
    assert.equal(err.type, 'PaymentRefused');
    assert.match(err.message, /402.*card declined/);
    return true;
  });
});

test('confirmOrder - reads the charge chargeCard returned', async () => {
  const results = { process: { chargeCard: { chargeId: 'ch_9', amount: 25.3 } } };
  const run = await runFunction(confirmOrder, orderOf('A-4', 12.5), { stage: 'dispatch', results });

  assert.equal(run.result.message, 'Order A-4: 25.3 EUR charged (ch_9).');
});
`;

export const PIPELINE_TEST_TS = `/**
 * The whole pipeline (\`npm test\`), as production runs it: startPipelineTest starts a nats-server
 * and a Temporal server of its own (built with Go on first use, then cached; see the README), the
 * bridge and a worker, all in this process. Its Temporal skips time while a run only waits: the
 * flaky order's three retries, 5 s, 10 s and 20 s apart, take well under a second.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { PipelineTest } from 'orderflow/testing';
import { startPipelineTest } from 'orderflow/testing';

import type { FakePayments } from './fake-payments.ts';
import { startFakePayments } from './fake-payments.ts';
import pipeline from './functions.ts';

let payments: FakePayments;
let env: PipelineTest<typeof pipeline>;

before(async () => {
  payments = await startFakePayments();
  process.env.PAYMENTS_URL = payments.url;
  env = await startPipelineTest(pipeline);
});

after(async () => {
  await env?.stop();
  delete process.env.PAYMENTS_URL;
  await payments?.close();
});

const orderOf = (orderId: string, unitPrice: number) => ({
  orderId,
  customerId: 'C-1',
  currency: 'EUR',
  items: [{ sku: 'SKU-1', quantity: 1, unitPrice }],
});

test('pipeline - an order is charged once, after the payments API failed three times, and confirmed', async () => {
  const outcome = await env.runOrder(orderOf('flaky-1', 40), { timeout: '20s' });

  assert.equal(outcome.status, 'completed');
  if (outcome.status !== 'completed') return;
  assert.deepEqual(outcome.attempts.process, { chargeCard: 4 });
  const { chargeId } = outcome.results.process.chargeCard;
  assert.equal(outcome.results.dispatch.confirmOrder.message, \`Order flaky-1: 40 EUR charged (\${chargeId}).\`);
  // Four requests, all with one key: one charge.
  const keys = new Set(payments.requests.filter((r) => r.body.orderId === 'flaky-1').map((r) => r.key));
  assert.equal(keys.size, 1);
  assert.equal(payments.requestsWith([...keys][0] ?? ''), 4);
});

test('pipeline - a declined card dead-letters the order with the reason, and it is never confirmed', async () => {
  const outcome = await env.runOrder(orderOf('B-1', 2000));

  assert.equal(outcome.status, 'dead-lettered');
  if (outcome.status !== 'dead-lettered') return;
  assert.equal(outcome.stage, 'process');
  assert.match(outcome.reason, /card declined/);
});
`;
