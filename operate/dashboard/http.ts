/**
 * The dashboard's HTTP plumbing, shared by the server and its action routes: the security headers
 * every response carries, JSON answers, a request's JSON body, the error that becomes a 4xx with a
 * one-line JSON `error`, and the guard every action passes (auth.ts's token rules, a refusal logged).
 */
import type http from 'node:http';

import type { Logger } from '../../shared/log';
import type { DashboardAccess } from './auth';
import { authorizeAction } from './auth';

export const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
} as const;

/** Largest JSON body an action takes, in bytes (a corrected payload fits one NATS message). */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Thrown by a route to answer `status` with `{ error: message }`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type });
  res.end(body);
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

export async function readJson(req: http.IncomingMessage): Promise<Record<string, unknown>> {
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

/**
 * Lets an action through only with the dashboard token where one is required (auth.ts); returns who
 * acts. A refusal is logged as `dashboard action refused` with `log` and answered 401 or 403.
 */
export function guardAction(
  access: DashboardAccess,
  logger: Logger,
  req: http.IncomingMessage,
  log: Record<string, unknown>,
): string {
  const auth = authorizeAction(access, req.headers.authorization);
  if (auth.ok) return auth.who;
  logger.warn('dashboard action refused', { ...log, status: auth.status, reason: auth.reason });
  throw new HttpError(auth.status, auth.reason);
}

/** A path segment decoded; a 400 naming `what` when it is not a valid URL component. */
export function pathSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, `the ${what} is not a valid URL component`);
  }
}
