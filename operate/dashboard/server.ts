/**
 * The dashboard's HTTP server: the page and its script, the live state as server-sent events
 * (one reader of the monitor events and one poller for every open page), an order's timeline,
 * and the one action, redriving a dead letter. Every response forbids anything but its own origin
 * (Content-Security-Policy: default-src 'self'); actions are POST with a JSON body and the token
 * header (auth.ts), and each is logged with who and what.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';

import { redriveOne } from '../dlq/redrive';
import { ConfigError, isUserError, messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import type { MonitorSnapshot } from '../monitor/aggregator';
import { orderTimeline } from '../status/order-timeline';
import type { DashboardAccess } from './auth';
import { authorizeAction, hostAllowed } from './auth';
import { CLIENT_SCRIPT } from './client-script';
import { PAGE_CSS, PAGE_HTML } from './page';
import type { OrderView } from './order-states';
import type { SystemState } from './system-state';

export interface DashboardServerDeps {
  readonly access: DashboardAccess;
  readonly client: Client;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly logger: Logger;
  /** What the page shows now: the live events, the polled state, and the recent orders with their states. */
  readonly state: () => {
    readonly monitor: MonitorSnapshot;
    readonly system: SystemState;
    readonly orders: readonly OrderView[];
  };
  /** Polls the system state again (after an action). */
  readonly refresh: () => Promise<void>;
  /** The Temporal web UI, for links to each run; absent: no links. */
  readonly temporalUiUrl?: string;
  readonly namespace: string;
  /** Between two states sent to each page, in ms. Default: 1000. */
  readonly pushEveryMs?: number;
}

const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
} as const;

/** Largest JSON body an action takes, in bytes (a corrected payload fits one NATS message). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type });
  res.end(body);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? ''))
    throw new HttpError(415, 'actions take a JSON body (Content-Type: application/json)');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'the body is too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const body = JSON.parse(text || '{}') as unknown;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    return body as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'the body is not a JSON object');
  }
}

export class DashboardServer {
  private readonly server: http.Server;
  private readonly streams = new Set<http.ServerResponse>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: DashboardServerDeps) {
    this.server = http.createServer((req, res) => {
      this.route(req, res).catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : isUserError(err) ? 400 : 500;
        if (status === 500) deps.logger.error('dashboard request failed', { url: req.url, error: messageOf(err) });
        if (!res.headersSent) sendJson(res, status, { error: messageOf(err) });
        else res.end();
      });
    });
  }

  /** Listens; resolves with the address it listens on. */
  async listen(port: number): Promise<{ host: string; port: number; url: string }> {
    const host = this.deps.access.host;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new ConfigError(
                '--port',
                `${host}:${port} is already in use`,
                'give another port (ORDERFLOW_DASHBOARD_PORT), or 0 for any free one',
              )
            : err,
        ),
      );
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    this.timer = setInterval(() => this.push(), this.deps.pushEveryMs ?? 1000);
    const shown = host.includes(':') ? `[${host}]` : host;
    return { host, port: address.port, url: `http://${shown}:${address.port}/` };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const res of this.streams) res.end();
    this.streams.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // A page's keep-alive connection or a timeline still being read does not hold up a shutdown.
    this.server.closeAllConnections();
    await closed;
  }

  private push(): void {
    if (this.streams.size === 0) return;
    const data = `event: state\ndata: ${JSON.stringify(this.deps.state())}\n\n`;
    for (const res of this.streams) res.write(data);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostAllowed(this.deps.access, req.headers.host)) throw new HttpError(421, 'unexpected Host header');
    const url = new URL(req.url ?? '/', 'http://dashboard');
    const path = url.pathname;
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (path === '/') return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
      if (path === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', CLIENT_SCRIPT);
      if (path === '/app.css') return send(res, 200, 'text/css; charset=utf-8', PAGE_CSS);
      if (path === '/events') return this.openStream(res);
      if (path === '/api/config')
        return sendJson(res, 200, {
          tokenRequired: Boolean(this.deps.access.token),
          temporalUi: this.deps.temporalUiUrl ?? '',
          namespace: this.deps.namespace,
        });
      if (path === '/api/state') return sendJson(res, 200, this.deps.state());
      const order = /^\/api\/orders\/([^/]+)$/.exec(path);
      if (order) {
        let orderId: string;
        try {
          orderId = decodeURIComponent(order[1]!);
        } catch {
          throw new HttpError(400, 'the order ID is not a valid URL component');
        }
        const timeline = await orderTimeline(this.deps.client, this.deps.jsm, orderId);
        return sendJson(res, 200, timeline);
      }
      throw new HttpError(404, 'not found');
    }
    const redrive = /^\/api\/dead-letters\/(\d+)\/redrive$/.exec(path);
    if (req.method === 'POST' && redrive) return this.redrive(req, res, Number(redrive[1]));
    throw new HttpError(405, 'method not allowed');
  }

  private openStream(res: http.ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
    res.write(`retry: 2000\nevent: state\ndata: ${JSON.stringify(this.deps.state())}\n\n`);
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
  }

  private async redrive(req: http.IncomingMessage, res: http.ServerResponse, id: number): Promise<void> {
    const auth = authorizeAction(this.deps.access, req.headers.authorization);
    const log = { action: 'redrive', deadLetter: id, remote: req.socket.remoteAddress };
    if (!auth.ok) {
      this.deps.logger.warn('dashboard action refused', { ...log, status: auth.status, reason: auth.reason });
      throw new HttpError(auth.status, auth.reason);
    }
    const body = await readJson(req);
    if (body.payload !== undefined && typeof body.payload !== 'string')
      throw new HttpError(400, 'payload must be a string (the corrected message body)');
    const corrected =
      typeof body.payload === 'string'
        ? { payload: new TextEncoder().encode(body.payload), source: 'the corrected payload' }
        : undefined;
    const who = { ...log, who: auth.who, corrected: Boolean(corrected) };
    try {
      const outcome = await redriveOne(this.deps.js, this.deps.jsm, id, corrected);
      this.deps.logger.info('dashboard action', {
        ...who,
        orderId: outcome.orderId,
        subject: outcome.record.subject,
        streamSeq: outcome.seq,
        duplicate: outcome.duplicate,
      });
      await this.deps.refresh().catch(() => undefined);
      this.push();
      sendJson(res, 200, { seq: outcome.seq, duplicate: outcome.duplicate, orderId: outcome.orderId ?? null });
    } catch (err) {
      this.deps.logger.warn('dashboard action failed', { ...who, error: messageOf(err) });
      throw err;
    }
  }
}
