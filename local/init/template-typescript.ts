/**
 * The TypeScript code of the project `orderflow init` writes by default: `src/functions.ts`, the
 * pipeline (chargeCard POSTs the order's total to a payments API with orderflow's idempotency
 * key; confirmOrder reads chargeCard's result, typed), and `src/fake-payments.ts`, a payments API
 * its tests serve. Run by orderflow without a build step; its tests are template-typescript-tests.ts.
 * Template literals of the written code are escaped (`\${`, `` \` ``).
 */

export const FUNCTIONS_TS = `/**
 * The functions orderflow runs for every order, stage by stage. \`orderflow dev\` and
 * \`orderflow worker\` load this file as it is (no build step): \`--functions src/functions.ts\`.
 */
import { NonRetryableError, defineFunction, definePipeline } from 'orderflow';
import type { Order } from 'orderflow';

/** Where charges are sent when PAYMENTS_URL is not set. */
const DEFAULT_PAYMENTS_URL = 'http://127.0.0.1:8080/charges';

/**
 * 4xx answers that say "not now" rather than "no": a request timeout, the same idempotency key
 * still being processed (409, as Stripe answers), too many requests. Trying again is right.
 */
const RETRYABLE_CLIENT_ERRORS = new Set([408, 409, 429]);

/** What the payments API answers for a charge it made. */
export interface Charge {
  chargeId: string;
  amount: number;
}

/**
 * The order's total in its currency's major unit (25.3 for 25.30 EUR). Summed in hundredths, so
 * three items at 0.1 make 0.3, not 0.30000000000000004, which a payments API would refuse.
 * A currency without two decimals (JPY, KWD) needs its own factor.
 */
export function totalOf(order: Order): number {
  const cents = order.items.reduce((sum, item) => sum + Math.round(item.unitPrice * 100) * item.quantity, 0);
  return cents / 100;
}

/** The reason an API gives for an error answer: its JSON \`error\` or \`message\`, else its text. */
async function reasonOf(response: Response): Promise<string> {
  const text = (await response.text().catch(() => '')).trim();
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const reason = body.error ?? body.message;
    if (typeof reason === 'string') return reason;
  } catch {
    // not JSON: the text itself says it
  }
  return text.slice(0, 200) || response.statusText;
}

/** Stage \`process\`: charge the order's total to the customer's card. */
export const chargeCard = defineFunction({
  name: 'chargeCard',
  // Five attempts in all, 5 s apart doubling up to a minute: enough to ride out a payments API
  // restarting. Each attempt sends the same Idempotency-Key, so a charge that went through before
  // its answer was lost is answered again by the API, never made twice.
  retry: { maximumAttempts: 5, initialInterval: '5s', maximumInterval: '1m' },
  timeout: '30s',
  run: async (order, ctx): Promise<Charge> => {
    // Read at each call, not at load: a test (or a worker's environment) sets it.
    const url = process.env.PAYMENTS_URL ?? DEFAULT_PAYMENTS_URL;
    const amount = totalOf(order);
    let response: Response;
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
      // The API refused this charge (a declined card): the same request would be refused again.
      // NonRetryableError fails the stage at once, with the API's reason.
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
    const answer = (await response.json()) as Partial<Charge>;
    if (typeof answer.chargeId !== 'string' || typeof answer.amount !== 'number') {
      throw new Error(\`payments API answered without a charge: \${JSON.stringify(answer).slice(0, 200)}\`);
    }
    ctx.log.info('card charged', { chargeId: answer.chargeId, amount: answer.amount });
    return { chargeId: answer.chargeId, amount: answer.amount };
  },
});

/** Stage \`dispatch\`: the confirmation the customer gets, made from what chargeCard returned. */
export const confirmOrder = defineFunction({
  name: 'confirmOrder',
  // What this function reads of earlier ones: ctx.results.process.chargeCard is a Charge.
  needs: { process: [chargeCard] },
  run: (order, ctx) => {
    const { chargeId, amount } = ctx.results.process.chargeCard;
    return { message: \`Order \${order.orderId}: \${amount} \${order.currency} charged (\${chargeId}).\` };
  },
});

export default definePipeline({ process: [chargeCard], dispatch: [confirmOrder] });
`;

export const FAKE_PAYMENTS_TS = `/**
 * A fake payments API for the tests, served on a free port. Like a real sandbox it has magic
 * inputs: a charge over 1000 is declined (402), and an order ID starting with \`flaky-\` gets a 503
 * on its key's first three requests. Like a real idempotent API, it answers a key it has charged
 * before with that first charge.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Charge } from './functions.ts';

export interface ChargeRequest {
  key: string;
  body: { orderId: string; amount: number; currency: string };
}

export interface FakePayments {
  /** Where to send charges: set it as PAYMENTS_URL. */
  url: string;
  /** Every request, in order. */
  requests: ChargeRequest[];
  /** How many requests carried \`key\`. */
  requestsWith(key: string): number;
  close(): Promise<void>;
}

export async function startFakePayments(): Promise<FakePayments> {
  const requests: ChargeRequest[] = [];
  const charged = new Map<string, Charge>();
  const requestsWith = (key: string) => requests.filter((r) => r.key === key).length;
  const answerFor = ({ key, body }: ChargeRequest): [number, object] => {
    const earlier = charged.get(key);
    if (earlier) return [201, earlier];
    if (body.amount > 1000) return [402, { error: 'card declined: over the limit' }];
    if (body.orderId.startsWith('flaky-') && requestsWith(key) <= 3) return [503, { error: 'try again' }];
    const charge = { chargeId: \`ch_\${charged.size + 1}\`, amount: body.amount };
    charged.set(key, charge);
    return [201, charge];
  };
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const request = { key: String(req.headers['idempotency-key'] ?? ''), body: JSON.parse(text) };
      requests.push(request);
      const [status, answer] = answerFor(request);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: \`http://127.0.0.1:\${port}/charges\`,
    requests,
    requestsWith,
    close: async () => {
      // fetch keeps connections alive: close them, or the server (and the test) never ends.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
`;

export const TSCONFIG_JSON = `{
  "compilerOptions": {
    "target": "ES2022",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "allowImportingTsExtensions": true,
    "noEmit": true,
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "types": ["node"]
  },
  "include": ["src"]
}
`;
