/**
 * The code of the JavaScript project `orderflow init --javascript` writes: `functions.js`, one
 * function that charges an order through an HTTP payments API with orderflow's idempotency key,
 * and `functions.test.js`, its unit test with orderflow's testing kit (runFunction) against a fake
 * API served by the test. Kept as strings here because the package ships only what TypeScript
 * compiles (dist/). Plain JavaScript (ES modules, `// @ts-check` with orderflow's types) so the
 * project runs without a build step. The default, TypeScript, project is template-typescript.ts.
 * Template literals of the written code are escaped (`\${`, `` \` ``).
 */

export const FUNCTIONS_JS = `// @ts-check
/**
 * The functions orderflow runs for every order, stage by stage. \`orderflow dev\` and
 * \`orderflow worker\` load this module: \`--functions ./functions.js\`.
 */
import { NonRetryableError, defineFunction, definePipeline } from 'orderflow';

/** Where charges are sent when PAYMENTS_URL is not set. */
const DEFAULT_PAYMENTS_URL = 'http://127.0.0.1:8080/charges';

/**
 * 4xx answers that say "not now" rather than "no": a request timeout, the same idempotency key
 * still being processed (409, as Stripe answers), too many requests. Trying again is right.
 */
const RETRYABLE_CLIENT_ERRORS = new Set([408, 409, 429]);

/**
 * The order's total in its currency's major unit (25.3 for 25.30 EUR). Summed in hundredths, so
 * three items at 0.1 make 0.3, not 0.30000000000000004, which a payments API would refuse.
 * A currency without two decimals (JPY, KWD) needs its own factor.
 * @param {import('orderflow').Order} order
 */
function totalOf(order) {
  const cents = order.items.reduce((sum, item) => sum + Math.round(item.unitPrice * 100) * item.quantity, 0);
  return cents / 100;
}

/**
 * The reason an API gives for an error answer: its JSON \`error\` or \`message\`, else its text.
 * @param {Response} response
 */
async function reasonOf(response) {
  const text = (await response.text().catch(() => '')).trim();
  try {
    const body = JSON.parse(text);
    const reason = body?.error?.message ?? body?.error ?? body?.message;
    if (typeof reason === 'string') return reason;
  } catch {
    // not JSON: the text itself says it
  }
  return text.slice(0, 200) || response.statusText;
}

/** Stage \`process\`: charge the order's total to the customer's card. */
export const chargeCard = defineFunction({
  name: 'chargeCard',
  // No taskQueue: it runs on the pipeline's workers. Give it one (and run \`orderflow worker
  // --task-queue <name>\`) to give it workers of its own, with their own secrets and scaling.
  // Five attempts in all, 1 s apart doubling: enough to ride out a payments API restarting. Each
  // attempt sends the same Idempotency-Key, so a charge that went through before its answer was
  // lost is answered again by the API, never made twice.
  retry: { maximumAttempts: 5 },
  run: async (order, ctx) => {
    // Read at each call, not at load: a test (or a worker's environment) sets it.
    const url = process.env.PAYMENTS_URL ?? DEFAULT_PAYMENTS_URL;
    const amount = totalOf(order);
    let response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': ctx.idempotencyKey },
        body: JSON.stringify({ orderId: order.orderId, amount, currency: order.currency }),
        // Aborted when the run is cancelled or the worker stops: no request outlives its attempt.
        signal: ctx.signal,
      });
    } catch (err) {
      // Unreachable, reset, timed out: a plain Error, so Temporal retries it.
      throw new Error(\`payments API at \${url} unreachable: \${err instanceof Error ? err.message : String(err)}\`, {
        cause: err,
      });
    }
    if (response.status >= 400 && response.status < 500 && !RETRYABLE_CLIENT_ERRORS.has(response.status)) {
      // The API refused this charge (a declined card, a bad amount): the same request would be
      // refused again. NonRetryableError fails the stage at once, with the API's reason.
      const reason = await reasonOf(response);
      throw new NonRetryableError(\`payment refused (\${response.status}): \${reason}\`, {
        type: 'PaymentRefused',
        details: { status: response.status, reason },
      });
    }
    if (!response.ok) {
      // The API failed, not the charge (5xx): retried, with the same key.
      throw new Error(\`payments API answered \${response.status}: \${await reasonOf(response)}\`);
    }
    const answer = await response.json();
    if (typeof answer?.chargeId !== 'string') {
      throw new Error(\`payments API answered without a chargeId: \${JSON.stringify(answer).slice(0, 200)}\`);
    }
    ctx.log.info('card charged', { chargeId: answer.chargeId, amount: answer.amount });
    // The result travels with the order: later functions read it as ctx.results.process?.chargeCard.
    return { chargeId: answer.chargeId, amount: answer.amount };
  },
});

export default definePipeline({ process: [chargeCard], dispatch: [] });
`;

export const FUNCTIONS_TEST_JS = `// @ts-check
/**
 * chargeCard's unit test (\`npm test\`): runFunction, from orderflow's testing kit, runs it as
 * orderflow's worker would (its idempotency key, attempt, signal and log), against a fake
 * payments API served here on a free port. No NATS or Temporal server needed.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';

import { NonRetryableError } from 'orderflow';
import { runFunction } from 'orderflow/testing';

import { chargeCard } from './functions.js';

/**
 * The fake payments API. Like a real sandbox it has magic inputs: a charge over 1000 is declined
 * (402), and an order ID starting with \`flaky\` gets a 503 on its key's first request. Like a real
 * idempotent API, it answers a key it has charged before with that first charge.
 */
const requests = []; // { key, body } of each request, in order
const charged = new Map(); // Idempotency-Key -> the charge made for it

/** @param {string} key */
const requestsWith = (key) => requests.filter((r) => r.key === key).length;

/** @param {string} key @param {{ orderId: string, amount: number }} body @returns {[number, object]} */
function answerFor(key, body) {
  const earlier = charged.get(key);
  if (earlier) return [201, earlier];
  if (body.amount > 1000) return [402, { error: 'card declined: over the limit' }];
  if (body.orderId.startsWith('flaky') && requestsWith(key) === 1) return [503, { error: 'try again' }];
  const charge = { chargeId: \`ch_\${charged.size + 1}\`, amount: body.amount };
  charged.set(key, charge);
  return [201, charge];
}

const server = createServer((req, res) => {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (text += chunk));
  req.on('end', () => {
    const key = String(req.headers['idempotency-key'] ?? '');
    const body = JSON.parse(text);
    requests.push({ key, body });
    const [status, answer] = answerFor(key, body);
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  });
});

before(async () => {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  process.env.PAYMENTS_URL = \`http://127.0.0.1:\${address.port}/charges\`;
});

after(async () => {
  delete process.env.PAYMENTS_URL;
  // fetch keeps connections alive: close them, or the server (and this test file) never ends.
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** @param {string} orderId @param {number} unitPrice */
const orderOf = (orderId, unitPrice) => ({
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

  const sent = requests.filter((r) => r.body.orderId === 'A-1');
  assert.equal(sent.length, 1);
  assert.equal(sent[0].key, run.idempotencyKey);
  assert.match(run.idempotencyKey, /A-1/); // made from the order ID: stable across attempts
  // 2 × 12.50 + 3 × 0.10, summed in cents: exactly 25.3.
  assert.deepEqual(sent[0].body, { orderId: 'A-1', amount: 25.3, currency: 'EUR' });
  assert.deepEqual(run.result, { chargeId: charged.get(run.idempotencyKey).chargeId, amount: 25.3 });
  const line = run.logs.find((l) => l.message === 'card charged');
  assert.equal(line?.attrs.chargeId, charged.get(run.idempotencyKey).chargeId);
});

test('chargeCard - a second attempt for the same order sends the same key and gets the same charge', async () => {
  const first = await runFunction(chargeCard, orderOf('A-2', 5));
  const second = await runFunction(chargeCard, orderOf('A-2', 5), { attempt: 2 });

  assert.equal(second.idempotencyKey, first.idempotencyKey);
  assert.equal(requestsWith(first.idempotencyKey), 2);
  assert.deepEqual(second.result, first.result);
  assert.equal(second.attempt, 2);
});

test('chargeCard - a declined card fails at once (non-retryable) with the reason', async () => {
  await assert.rejects(runFunction(chargeCard, orderOf('A-3', 600)), (err) => {
    assert.ok(err instanceof NonRetryableError, \`expected a NonRetryableError, got \${err}\`);
    assert.equal(err.type, 'PaymentRefused');
    assert.match(err.message, /402.*card declined/);
    return true;
  });
});

test('chargeCard - a server error is retried, and the retry sends the same key', async () => {
  const order = orderOf('flaky-1', 5);

  await assert.rejects(runFunction(chargeCard, order), (err) => {
    // A plain Error: orderflow retries it under chargeCard's retry policy.
    assert.ok(!(err instanceof NonRetryableError), \`expected a retryable error, got \${err}\`);
    assert.match(String(err), /503/);
    return true;
  });
  const retried = await runFunction(chargeCard, order, { attempt: 2 });

  assert.equal(requestsWith(retried.idempotencyKey), 2);
  assert.equal(retried.result.amount, 10.3);
});
`;
