/**
 * A fake payment provider for tests of user functions: a local HTTP server that answers
 * `POST /charges` after a delay (so that calls are in flight when a worker is killed), counts the
 * requests per Idempotency-Key, remembers which order each key was for, and answers the same
 * chargeId for the same key, as a real idempotent API does. A caller may say which process it is
 * (header `X-Worker-Pid`), so a test can tell the calls of the worker it is about to kill.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PaymentApiOptions {
  /** Each answer comes after a delay drawn from this range, in ms. Default: 100 to 300. */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
}

/** One request as the API saw it. */
export interface ChargeRequest {
  readonly key: string;
  readonly orderId: string;
  /** The request's JSON body (orderId included), as the caller sent it. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly pid: number | undefined;
  /** open: not answered yet; answered; cut: the caller went away before the answer. */
  state: 'open' | 'answered' | 'cut';
  /** When it arrived (performance.now() of this process, in ms). */
  readonly at: number;
  /** When it was answered or cut, once it was. */
  endedAt?: number;
}

export interface PaymentApi {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Every request with a key and an order, in the order they arrived. */
  readonly requests: () => readonly ChargeRequest[];
  /** Requests not answered yet (of one caller process when `pid` is given). */
  readonly open: (pid?: number) => number;
  /** Requests whose caller went away before the answer (of one caller process when `pid` is given). */
  readonly cut: (pid?: number) => number;
  /** Keys each order was requested under. */
  readonly keysByOrder: () => Map<string, Set<string>>;
  /** Requests per key. */
  readonly countByKey: () => Map<string, number>;
  /** The chargeId the API gives for `key`, once it saw it. */
  readonly chargeIdFor: (key: string) => string | undefined;
  /** Requests refused (no key, no order): each a line saying why. */
  readonly refused: () => readonly string[];
  readonly close: () => Promise<void>;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

export async function startPaymentApi(options: PaymentApiOptions = {}): Promise<PaymentApi> {
  const minDelayMs = options.minDelayMs ?? 100;
  const maxDelayMs = Math.max(minDelayMs, options.maxDelayMs ?? 300);
  const requests: ChargeRequest[] = [];
  const chargeIds = new Map<string, string>();
  const refused: string[] = [];

  const refuse = (res: http.ServerResponse, why: string): void => {
    refused.push(why);
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: why }));
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const key = req.headers['idempotency-key'];
      if (req.method !== 'POST' || req.url !== '/charges') return refuse(res, `${req.method} ${req.url}`);
      if (typeof key !== 'string' || !key) return refuse(res, 'no Idempotency-Key');
      const body = await readBody(req).catch(() => undefined);
      let fields: Record<string, unknown> = {};
      try {
        fields = (JSON.parse(body ?? '') as Record<string, unknown> | null) ?? {};
      } catch {
        fields = {};
      }
      const { orderId } = fields;
      if (typeof orderId !== 'string' || !orderId) return refuse(res, `no orderId in ${JSON.stringify(body)}`);
      const pidHeader = Number(req.headers['x-worker-pid']);
      const request: ChargeRequest = {
        key,
        orderId,
        body: fields,
        pid: Number.isInteger(pidHeader) ? pidHeader : undefined,
        state: 'open',
        // When the body arrived: what the API's limits are about.
        at: performance.now(),
      };
      requests.push(request);
      // The charge is made when the request arrives, answered or not: a retry must find it.
      let chargeId = chargeIds.get(key);
      if (!chargeId) {
        chargeId = `ch_${chargeIds.size + 1}`;
        chargeIds.set(key, chargeId);
      }
      // A caller gone while its body was read: the answer has nowhere to go.
      if (res.destroyed || req.socket.destroyed) {
        request.state = 'cut';
        request.endedAt = performance.now();
        return;
      }
      const answer = JSON.stringify({ chargeId, orderId });
      const timer = setTimeout(
        () => {
          if (request.state !== 'open') return;
          request.state = 'answered';
          request.endedAt = performance.now();
          res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
        },
        minDelayMs + Math.random() * (maxDelayMs - minDelayMs),
      );
      res.once('close', () => {
        if (request.state !== 'open') return;
        clearTimeout(timer);
        request.state = 'cut';
        request.endedAt = performance.now();
      });
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const of = (pid: number | undefined): ChargeRequest[] =>
    pid === undefined ? requests : requests.filter((r) => r.pid === pid);
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    open: (pid) => of(pid).filter((r) => r.state === 'open').length,
    cut: (pid) => of(pid).filter((r) => r.state === 'cut').length,
    keysByOrder: () => {
      const keys = new Map<string, Set<string>>();
      for (const r of requests) keys.set(r.orderId, (keys.get(r.orderId) ?? new Set()).add(r.key));
      return keys;
    },
    countByKey: () => {
      const counts = new Map<string, number>();
      for (const r of requests) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
      return counts;
    },
    chargeIdFor: (key) => chargeIds.get(key),
    refused: () => refused,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
