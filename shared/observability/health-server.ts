/**
 * /metrics (Prometheus text, from prom-client registries), /healthz (the process runs) and
 * /readyz (it can do its work) over plain HTTP, bound to 127.0.0.1 unless told otherwise. A port
 * the user named that is taken is a ConfigError; a default one that is taken (several workers on
 * one host) is swapped for a free one, which the server reports.
 */
import http from 'node:http';

import type { Registry } from 'prom-client';
import { Registry as PromRegistry } from 'prom-client';

import { ConfigError, messageOf } from '../errors';

export interface HealthServerOptions {
  /** Default: 127.0.0.1. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port: number;
  /**
   * The flag or variable that named the port. A named port that is taken is a ConfigError naming
   * it; without one the port is a default, and when taken a free one is used instead.
   */
  readonly portNamedBy?: string;
  /**
   * What /metrics serves: the process's registry (registry.ts), or several served as one (dev's
   * bridge and workers; their metric names must differ).
   */
  readonly registry: Registry | readonly Registry[];
  readonly ready: () => boolean;
  /** Why it is not ready, one line each, written in the /readyz body. Default: none given. */
  readonly notReadyReasons?: () => readonly string[];
}

export interface HealthServer {
  readonly host: string;
  readonly port: number;
  /** The default port that was taken, when a free one was used instead. */
  readonly taken?: number;
  close(): Promise<void>;
}

/** Where the server listens, one line for the log: `metrics on 127.0.0.1:41234 (9465 was taken)`. */
export function healthServerLine(server: HealthServer): string {
  return `metrics on ${server.host}:${server.port}${server.taken === undefined ? '' : ` (${server.taken} was taken)`}`;
}

/** The registries /metrics serves. */
function registriesOf(registry: Registry | readonly Registry[]): readonly Registry[] {
  // Array.isArray narrows to any[] and leaves a readonly array in the other branch: tell them apart by a method.
  return 'metrics' in registry ? [registry] : registry;
}

/** The Prometheus text of the registries, as one exposition; rejects when two hold the same name. */
async function metricsText(registries: readonly Registry[]): Promise<string> {
  const [only] = registries;
  if (registries.length === 1 && only) return only.metrics();
  // Merged at each scrape: a metric registered after the server started is served too.
  return PromRegistry.merge([...registries]).metrics();
}

function handler(options: HealthServerOptions): http.RequestListener {
  const registries = registriesOf(options.registry);
  const contentType = registries[0]?.contentType ?? PromRegistry.PROMETHEUS_CONTENT_TYPE;
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      metricsText(registries).then(
        (text) => res.writeHead(200, { 'content-type': contentType }).end(text),
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
  };
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (err: Error): void => reject(err);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = http.createServer(handler(options));
  const host = options.host ?? '127.0.0.1';
  let taken: number | undefined;
  try {
    await listen(server, options.port, host);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    if (options.portNamedBy !== undefined) {
      throw new ConfigError(
        options.portNamedBy,
        `${host}:${options.port} is already in use`,
        'give another port, 0 for any free one, or off',
        { cause: err },
      );
    }
    // A default port nobody asked for: another process of the same kind has it. Any free one will do.
    taken = options.port;
    await listen(server, 0, host);
  }
  const address = server.address();
  return {
    host,
    port: typeof address === 'object' && address ? address.port : options.port,
    ...(taken === undefined ? {} : { taken }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
