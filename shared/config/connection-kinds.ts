/**
 * The kinds of value the connection settings take (option-kinds.ts says how a kind is read). A
 * refused value reads `"<value>" is not valid (<what was expected>)`, wherever it came from: a
 * flag, a variable, a `nats` context or a Temporal profile.
 */
import { z } from 'zod';

import type { OptionKind } from './option-kinds';

const notValid =
  (expected: string) =>
  (issue: { readonly input?: unknown }): string =>
    `${JSON.stringify(issue.input)} is not valid (${expected})`;

function isNatsServer(value: string): boolean {
  const withScheme = /^[a-z]+:\/\//i.test(value) ? value : `nats://${value}`;
  try {
    const url = new URL(withScheme);
    const port = url.port === '' ? 4222 : Number(url.port);
    return ['nats:', 'tls:', 'ws:', 'wss:'].includes(url.protocol) && url.hostname !== '' && port > 0 && port < 65536;
  } catch {
    return false;
  }
}

/** NATS servers, comma-separated: `nats://host:port`, `tls://…`, `ws(s)://…` or `host:port`. */
export function natsServers(): OptionKind<readonly string[]> {
  return {
    schema: z.string().transform((raw, ctx) => {
      const servers = raw
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      if (servers.length === 0) {
        const advice = 'set it to nats://host:port (comma-separated for several)';
        ctx.issues.push({ code: 'custom', input: raw, message: 'no server given', params: { advice } });
      }
      const bad = servers.find((server) => !isNatsServer(server));
      if (bad !== undefined) {
        const expected = 'expected nats://host:port, tls://host:port or host:port';
        ctx.issues.push({ code: 'custom', input: bad, message: notValid(expected)({ input: bad }) });
      }
      return servers;
    }),
    advice: 'use nats://host:port, comma-separated for several servers',
  };
}

/** host:port of a Temporal frontend. */
export function hostPort(): OptionKind<string> {
  return {
    schema: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/, { error: notValid('expected host:port') })
      .refine(
        (v) => {
          const port = Number(v.slice(v.lastIndexOf(':') + 1));
          return port > 0 && port < 65536;
        },
        { error: notValid('port must be 1-65535') },
      ),
    advice: 'use host:port, for example 127.0.0.1:7233 or my-ns.a1b2c.tmprl.cloud:7233',
  };
}

/** The name of a Temporal namespace. */
export function namespaceName(): OptionKind<string> {
  return {
    schema: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, { error: notValid('expected a namespace name') }),
    advice: 'use the name of an existing Temporal namespace, for example `default`',
  };
}
