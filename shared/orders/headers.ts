/**
 * Which of a message's headers travel on with its order: into the stage workflow's input and onto
 * the next stage's message. Trace context (W3C traceparent and tracestate) and the publisher's own
 * headers are carried, within a bound, so that large headers can neither bloat a workflow's
 * history nor push the next stage's message over the server's max payload. NATS's own headers
 * (Nats-Msg-Id, Nats-Expected-*, Nats-TTL, ...) act on one publish and orderflow's own
 * (Orderflow-*) describe one message: neither is the order's, so neither is carried. Everything
 * left behind is reported, for the caller to log.
 */
import type { MsgHdrs } from '@nats-io/nats-core';

/** Bytes of carried headers at most, counted as on the wire (`Name: value\r\n`): 8 KiB. */
export const MAX_CARRIED_HEADERS_BYTES = 8 * 1024;

/** Carried headers at most: 32. */
export const MAX_CARRIED_HEADER_COUNT = 32;

/** Why a header was not carried. */
export type DropReason =
  /** A NATS header: it controls or describes one publish (message ID, expectations, TTL...). */
  | 'nats'
  /** One of orderflow's own headers (dead-letter and redrive markers). */
  | 'orderflow'
  /** A second value of the same header; the first is carried (tracestate's are joined instead). */
  | 'repeated'
  /** Over MAX_CARRIED_HEADER_COUNT. */
  | 'count'
  /** Over MAX_CARRIED_HEADERS_BYTES. */
  | 'bytes';

export interface DroppedHeader {
  readonly name: string;
  readonly reason: DropReason;
}

export interface CarriedHeaders {
  readonly headers: Record<string, string>;
  readonly dropped: readonly DroppedHeader[];
}

/** Set on a message `orderflow dlq redrive` put back: the dead letter it came from (`ORDERS_DLQ:<id>`). */
export const REDRIVEN_FROM_HEADER = 'Orderflow-Redriven-From';

type WithHeaders = { readonly headers?: MsgHdrs | undefined };

const TRACE_HEADERS = ['traceparent', 'tracestate'];
const encoder = new TextEncoder();

/** NATS's own headers: they act on the publish that carries them (or were set by the server). */
export function isNatsHeader(name: string): boolean {
  return /^nats-/i.test(name);
}

/** orderflow's own headers, set on one message: dead-letter records and redrive markers. */
function isOrderflowHeader(name: string): boolean {
  return /^orderflow-/i.test(name);
}

/** Bytes one header line takes in a NATS message: `Name: value\r\n`. */
export function headerLineBytes(name: string, value: string): number {
  return encoder.encode(name).length + encoder.encode(value).length + 4;
}

/** Bytes a header block takes in a NATS message, as nats.js encodes it; 0 for no headers. */
export function encodedHeadersBytes(h: MsgHdrs | undefined): number {
  if (!h) return 0;
  let bytes = 0;
  let lines = 0;
  for (const [name, values] of h) {
    for (const value of values) bytes += headerLineBytes(name, value);
    lines += values.length;
  }
  // The version line ("NATS/1.0\r\n") and the blank line that ends the block.
  return lines === 0 ? 0 : bytes + 'NATS/1.0\r\n\r\n'.length;
}

/** The message's headers as a plain record (the first value of each), every one of them. */
export function headersOf(msg: WithHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  if (!msg.headers) return out;
  for (const key of msg.headers.keys()) out[key] = msg.headers.get(key);
  return out;
}

/** Trace context first, so a publisher's many headers can never crowd it out; then the rest in order. */
function inCarryOrder(names: readonly string[]): string[] {
  const isTrace = (n: string): boolean => TRACE_HEADERS.includes(n.toLowerCase());
  return [...names.filter(isTrace), ...names.filter((n) => !isTrace(n))];
}

/** The headers worth carrying on with the order, within the bounds, and what was left behind. */
export function carriedHeaders(msg: WithHeaders): CarriedHeaders {
  const headers: Record<string, string> = {};
  const dropped: DroppedHeader[] = [];
  if (!msg.headers) return { headers, dropped };
  let bytes = 0;
  let count = 0;
  for (const name of inCarryOrder(msg.headers.keys())) {
    if (isNatsHeader(name)) {
      dropped.push({ name, reason: 'nats' });
      continue;
    }
    if (isOrderflowHeader(name)) {
      dropped.push({ name, reason: 'orderflow' });
      continue;
    }
    const values = msg.headers.values(name);
    // W3C Trace Context: several tracestate headers are one list, joined with commas.
    const value = name.toLowerCase() === 'tracestate' ? values.join(',') : (values[0] ?? '');
    const lineBytes = headerLineBytes(name, value);
    if (count >= MAX_CARRIED_HEADER_COUNT) {
      dropped.push({ name, reason: 'count' });
      continue;
    }
    if (bytes + lineBytes > MAX_CARRIED_HEADERS_BYTES) {
      dropped.push({ name, reason: 'bytes' });
      continue;
    }
    headers[name] = value;
    bytes += lineBytes;
    count += 1;
    if (values.length > 1 && name.toLowerCase() !== 'tracestate') dropped.push({ name, reason: 'repeated' });
  }
  return { headers, dropped };
}
