/**
 * Who may change state through the dashboard. Bound to a loopback address, reading is open and
 * actions are open unless a token is set; on any other address a token is required to start at
 * all, and every action must carry it. The token comes as `Authorization: Bearer <token>` (a
 * header, never a cookie: a cross-site form cannot send it), and names who acts:
 * ORDERFLOW_DASHBOARD_TOKEN may be `name:secret` (default name `operator`).
 */
import crypto from 'node:crypto';
import net from 'node:net';

import { ConfigError } from '../../shared/errors';

export const TOKEN_ENV = 'ORDERFLOW_DASHBOARD_TOKEN';
const DEFAULT_NAME = 'operator';

export interface DashboardToken {
  /** Who acts with it, in the action log. */
  readonly name: string;
  readonly secret: string;
}

export interface DashboardAccess {
  readonly host: string;
  readonly loopback: boolean;
  /** Set when actions require a token. */
  readonly token?: DashboardToken;
}

/** `name:secret` or a bare secret (name `operator`); undefined for an unset or empty value. */
function parseToken(value: string | undefined): DashboardToken | undefined {
  if (value === undefined || value === '') return undefined;
  const colon = value.indexOf(':');
  const token =
    colon > 0 ? { name: value.slice(0, colon), secret: value.slice(colon + 1) } : { name: DEFAULT_NAME, secret: value };
  if (token.secret.length < 8)
    throw new ConfigError(
      TOKEN_ENV,
      'the secret is shorter than 8 characters',
      'set it to name:secret with a longer secret',
    );
  return token;
}

/** Whether `host` only accepts connections from this machine. */
function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  const bare = host.replace(/^\[|\]$/g, '');
  if (net.isIPv4(bare)) return bare.startsWith('127.');
  if (net.isIPv6(bare)) return bare === '::1' || /^::ffff:127\./i.test(bare);
  return false;
}

/**
 * The access rules for a bind, or a ConfigError when a non-loopback bind has no token (the CLI
 * prints it on one line and exits 2).
 */
export function dashboardAccess(host: string, tokenValue: string | undefined): DashboardAccess {
  const loopback = isLoopback(host);
  const token = parseToken(tokenValue);
  if (!loopback && !token)
    throw new ConfigError(
      '--host',
      `${host} is not a loopback address and ${TOKEN_ENV} is not set`,
      `set ${TOKEN_ENV}=name:secret to serve the dashboard beyond this machine, or bind to 127.0.0.1`,
    );
  return { host, loopback, ...(token ? { token } : {}) };
}

function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export type ActionAuth =
  | { readonly ok: true; readonly who: string }
  | { readonly ok: false; readonly status: 401 | 403; readonly reason: string };

/**
 * Decides whether a state-changing request may proceed, from its Authorization header. Accepts
 * the secret alone or the whole `name:secret` value.
 */
export function authorizeAction(access: DashboardAccess, authorization: string | undefined): ActionAuth {
  const token = access.token;
  if (!token)
    return access.loopback
      ? { ok: true, who: DEFAULT_NAME }
      : { ok: false, status: 403, reason: 'no token is configured' };
  const match = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  if (!match)
    return { ok: false, status: 401, reason: 'this action needs the dashboard token (Authorization: Bearer)' };
  const given = match[1]!.trim();
  if (sameSecret(given, token.secret) || sameSecret(given, `${token.name}:${token.secret}`))
    return { ok: true, who: token.name };
  return { ok: false, status: 403, reason: 'the token is wrong' };
}

/**
 * On a loopback bind, requests must name a loopback host: a page elsewhere that resolves its own
 * name to 127.0.0.1 (DNS rebinding) is refused before it reads anything.
 */
export function hostAllowed(access: DashboardAccess, hostHeader: string | undefined): boolean {
  if (!access.loopback) return true;
  if (!hostHeader) return false;
  const host = hostHeader.startsWith('[')
    ? hostHeader.slice(0, hostHeader.indexOf(']') + 1)
    : hostHeader.split(':')[0]!;
  return isLoopback(host);
}
