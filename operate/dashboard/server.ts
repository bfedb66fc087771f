/**
 * The dashboard's HTTP server: the page and its script, the live state as server-sent events
 * (one reader of the monitor events and one poller for every open page), an order's timeline,
 * and the actions: redriving a dead letter, and pausing or resuming a stage (stage-actions.ts). Every
 * response forbids anything but its own origin (Content-Security-Policy: default-src 'self');
 * actions are POST with a JSON body and the token header (auth.ts, http.ts), and each is logged
 * with who and what.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';

import { redriveOne } from '../dlq/redrive';
import { ConfigError, isUserError, messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import type { MonitorSnapshot } from '../monitor/aggregator';
import { orderTimeline } from '../status/order-timeline';
import type { DashboardAccess } from './auth';
import { hostAllowed } from './auth';
import { CLIENT_SCRIPT } from './client-script';
import { HttpError, SECURITY_HEADERS, guardAction, pathSegment, readJson, send, sendJson } from './http';
import { PAGE_CSS, PAGE_HTML } from './page';
import { PAUSE_SCRIPT } from './pause-script';
import type { StageActionDeps } from './stage-actions';
import { stageAction, stageActionPath } from './stage-actions';
import type { OrderView } from './order-states';
import type { SystemState } from './system-state';

export interface DashboardServerDeps {
  readonly access: DashboardAccess;
  readonly client: Client;
  readonly nc: NatsConnection;
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
      if (path === '/pause.js') return send(res, 200, 'text/javascript; charset=utf-8', PAUSE_SCRIPT);
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
        const orderId = pathSegment(order[1]!, 'order ID');
        return sendJson(res, 200, await orderTimeline(this.deps.client, this.deps.jsm, orderId));
      }
      throw new HttpError(404, 'not found');
    }
    const redrive = /^\/api\/dead-letters\/(\d+)\/redrive$/.exec(path);
    if (req.method === 'POST' && redrive) return this.redrive(req, res, Number(redrive[1]));
    const stage = stageActionPath(path);
    if (req.method === 'POST' && stage) return stageAction(this.stageActions, req, res, stage);
    throw new HttpError(405, 'method not allowed');
  }

  private get stageActions(): StageActionDeps {
    const { access, nc, jsm, logger } = this.deps;
    return { access, nc, jsm, logger, settled: () => this.settled() };
  }

  /** After an action: polls again and sends the new state to every page at once. */
  private async settled(): Promise<void> {
    await this.deps.refresh();
    this.push();
  }

  private openStream(res: http.ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
    res.write(`retry: 2000\nevent: state\ndata: ${JSON.stringify(this.deps.state())}\n\n`);
    this.streams.add(res);
    res.on('close', () => this.streams.delete(res));
  }

  private async redrive(req: http.IncomingMessage, res: http.ServerResponse, id: number): Promise<void> {
    const log = { action: 'redrive', deadLetter: id, remote: req.socket.remoteAddress };
    const who = guardAction(this.deps.access, this.deps.logger, req, log);
    const body = await readJson(req);
    if (body.payload !== undefined && typeof body.payload !== 'string')
      throw new HttpError(400, 'payload must be a string (the corrected message body)');
    const corrected =
      typeof body.payload === 'string'
        ? { payload: new TextEncoder().encode(body.payload), source: 'the corrected payload' }
        : undefined;
    const acted = { ...log, who, corrected: Boolean(corrected) };
    try {
      const outcome = await redriveOne(this.deps.js, this.deps.jsm, id, corrected);
      this.deps.logger.info('dashboard action', {
        ...acted,
        orderId: outcome.orderId,
        subject: outcome.record.subject,
        streamSeq: outcome.seq,
        duplicate: outcome.duplicate,
      });
      await this.settled().catch(() => undefined);
      sendJson(res, 200, { seq: outcome.seq, duplicate: outcome.duplicate, orderId: outcome.orderId ?? null });
    } catch (err) {
      this.deps.logger.warn('dashboard action failed', { ...acted, error: messageOf(err) });
      throw err;
    }
  }
}
