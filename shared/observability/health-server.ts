/**
 * /metrics (Prometheus text, from a prom-client registry), /healthz (the process runs) and
 * /readyz (it can do its work) over plain HTTP, bound to 127.0.0.1 unless told otherwise.
 */
import http from 'node:http';

import type { Registry } from 'prom-client';

import { ConfigError, messageOf } from '../errors';

export interface HealthServerOptions {
  /** Default: 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** What /metrics serves: the process's registry (registry.ts). */
  readonly registry: Registry;
  readonly ready: () => boolean;
  /** Why it is not ready, one line each, written in the /readyz body. Default: none given. */
  readonly notReadyReasons?: () => readonly string[];
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        // A metric whose collect failed: say why, rather than serve a partial scrape.
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${messageOf(err)}\n`),
      );
    } else if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    } else if (path === '/readyz') {
      const ready = options.ready();
      const why = ready ? [] : (options.notReadyReasons?.() ?? []);
      res
        .writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' })
        .end(ready ? 'ready\n' : `not ready\n${why.map((line) => `${line}\n`).join('')}`);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('try /metrics, /healthz or /readyz\n');
    }
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new ConfigError(
              '--metrics-port',
              `${host}:${options.port} is already in use`,
              'give another port (ORDERFLOW_METRICS_PORT), 0 for any free one, or off',
            )
          : err,
      ),
    );
    server.listen(options.port, host, resolve);
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
