import type { MsgHdrs } from '@nats-io/nats-core';
import { headers } from '@nats-io/nats-core';

import {
  MAX_CARRIED_HEADERS_BYTES,
  MAX_CARRIED_HEADER_COUNT,
  carriedHeaders,
  encodedHeadersBytes,
  headerLineBytes,
} from '../../shared/orders/headers';
import { MAX_REASON_BYTES, oneLine } from '../../shared/dead-letters/dead-letters';

function msgWith(entries: Array<[string, string]>): { headers: MsgHdrs } {
  const h = headers();
  for (const [name, value] of entries) h.append(name, value);
  return { headers: h };
}

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('headers - what travels on with an order', () => {
  it('carries trace context and user headers, and drops NATS and orderflow ones, saying why', () => {
    const { headers: carried, dropped } = carriedHeaders(
      msgWith([
        ['Nats-Msg-Id', 'A-1'],
        ['Nats-Expected-Last-Subject-Sequence', '0'],
        ['traceparent', TRACEPARENT],
        ['X-Tenant', 'acme'],
        ['Orderflow-Dlq-Kind', 'poison'],
        ['Orderflow-Redriven-From', 'ORDERS_DLQ:4'],
      ]),
    );
    expect(carried).toEqual({ traceparent: TRACEPARENT, 'X-Tenant': 'acme' });
    expect(dropped).toEqual([
      { name: 'Nats-Msg-Id', reason: 'nats' },
      { name: 'Nats-Expected-Last-Subject-Sequence', reason: 'nats' },
      { name: 'Orderflow-Dlq-Kind', reason: 'orderflow' },
      { name: 'Orderflow-Redriven-From', reason: 'orderflow' },
    ]);
  });

  it('a message without headers carries none and drops none', () => {
    expect(carriedHeaders({})).toEqual({ headers: {}, dropped: [] });
  });

  it('keeps trace context even when user headers alone would fill the bound', () => {
    const big = 'v'.repeat(1000);
    const entries: Array<[string, string]> = [];
    for (let i = 0; i < 20; i += 1) entries.push([`X-Big-${i}`, big]);
    entries.push(['tracestate', 'vendor=1'], ['traceparent', TRACEPARENT]);
    const { headers: carried, dropped } = carriedHeaders(msgWith(entries));
    expect(carried.traceparent).toBe(TRACEPARENT);
    expect(carried.tracestate).toBe('vendor=1');
    const bytes = Object.entries(carried).reduce((sum, [k, v]) => sum + headerLineBytes(k, v), 0);
    expect(bytes).toBeLessThanOrEqual(MAX_CARRIED_HEADERS_BYTES);
    // 8 KiB holds the trace headers and eight lines of about 1 KB; the other twelve are reported.
    expect(Object.keys(carried)).toHaveLength(2 + 8);
    expect(dropped).toHaveLength(12);
    expect(dropped.every((d) => d.reason === 'bytes')).toBe(true);
  });

  it('a header too large to fit is dropped, and smaller ones after it are still carried', () => {
    const { headers: carried, dropped } = carriedHeaders(
      msgWith([
        ['X-Huge', 'h'.repeat(MAX_CARRIED_HEADERS_BYTES)],
        ['X-Small', 's'],
      ]),
    );
    expect(carried).toEqual({ 'X-Small': 's' });
    expect(dropped).toEqual([{ name: 'X-Huge', reason: 'bytes' }]);
  });

  it('carries at most MAX_CARRIED_HEADER_COUNT headers', () => {
    const entries: Array<[string, string]> = [];
    for (let i = 0; i < MAX_CARRIED_HEADER_COUNT + 3; i += 1) entries.push([`X-H-${i}`, String(i)]);
    const { headers: carried, dropped } = carriedHeaders(msgWith(entries));
    expect(Object.keys(carried)).toHaveLength(MAX_CARRIED_HEADER_COUNT);
    expect(dropped.map((d) => d.reason)).toEqual(['count', 'count', 'count']);
    expect(carried[`X-H-${MAX_CARRIED_HEADER_COUNT}`]).toBeUndefined();
  });

  it('joins repeated tracestate values (W3C) and keeps the first of any other repeated header', () => {
    const { headers: carried, dropped } = carriedHeaders(
      msgWith([
        ['tracestate', 'a=1'],
        ['tracestate', 'b=2'],
        ['X-Repeated', 'first'],
        ['X-Repeated', 'second'],
      ]),
    );
    expect(carried).toEqual({ tracestate: 'a=1,b=2', 'X-Repeated': 'first' });
    expect(dropped).toEqual([{ name: 'X-Repeated', reason: 'repeated' }]);
  });
});

describe('headers - sizes as on the wire', () => {
  it('counts a header block exactly as nats.js encodes it', () => {
    const h = headers();
    h.append('X-One', 'é1');
    h.append('X-One', 'two');
    h.set('traceparent', TRACEPARENT);
    // The encoding nats.js sends (MsgHdrsImpl.encode is not on the public MsgHdrs type).
    const encoded = (h as unknown as { encode(): Uint8Array }).encode();
    expect(encodedHeadersBytes(h)).toBe(encoded.length);
    expect(encodedHeadersBytes(headers())).toBe(0);
    expect(encodedHeadersBytes(undefined)).toBe(0);
  });
});

describe('dead letters - our own header values stay one bounded line', () => {
  it('folds whitespace and cuts a long reason at the byte bound without splitting a character', () => {
    expect(oneLine('line one\n  line two\t end ', 100)).toBe('line one line two end');
    const long = oneLine('é'.repeat(MAX_REASON_BYTES), MAX_REASON_BYTES);
    expect(new TextEncoder().encode(long).length).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(long.endsWith(' …')).toBe(true);
    expect(long).not.toContain('\uFFFD');
  });
});
