/**
 * Round trips on the bridge's hot path: a gRPC interceptor that counts the Temporal calls of one
 * client by method (each attempt, retries included), and the NATS connection's own message
 * counters. The bench reads both before and after the bridge's slices and divides by the orders.
 */
import type { Interceptor } from '@grpc/grpc-js';
import { InterceptingCall } from '@grpc/grpc-js';
import type { NatsConnection } from '@nats-io/nats-core';

export class CallCounter {
  private readonly counts = new Map<string, number>();

  /** Counts every call that reaches it; put it inside the retry interceptor to count attempts. */
  readonly interceptor: Interceptor = (options, nextCall) => {
    const method = options.method_definition.path.split('/').pop() ?? '?';
    this.counts.set(method, (this.counts.get(method) ?? 0) + 1);
    return new InterceptingCall(nextCall(options));
  };

  /** Calls so far, by method. */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

/** Calls made between two snapshots, by method, without the methods not called. */
export function callsBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [method, n] of Object.entries(after)) {
    const d = n - (before[method] ?? 0);
    if (d > 0) delta[method] = d;
  }
  return delta;
}

export interface NatsTraffic {
  readonly outMsgs: number;
  readonly inMsgs: number;
}

export function natsTraffic(nc: NatsConnection): NatsTraffic {
  const { outMsgs, inMsgs } = nc.stats();
  return { outMsgs, inMsgs };
}

export function trafficBetween(before: NatsTraffic, after: NatsTraffic): NatsTraffic {
  return { outMsgs: after.outMsgs - before.outMsgs, inMsgs: after.inMsgs - before.inMsgs };
}

/** What one order cost the bridge, summed over a round's bridge slices. */
export interface RoundTrips {
  readonly orders: number;
  /** Temporal calls of the bridge's client, by method. */
  readonly temporal: Record<string, number>;
  /** Calls of its probe client (health, worker presence): periodic, not per order. */
  readonly probes: Record<string, number>;
  readonly nats: NatsTraffic;
  /** Pull requests the stage consumer sent, and the sizes they asked for. */
  readonly pulls: { readonly count: number; readonly sizes: Record<string, number> };
  /** Subscriptions made (each also unsubscribed: two protocol lines the message counts miss). */
  readonly subscriptions: number;
}

/** Adds up per-slice round trips. */
export function addRoundTrips(a: RoundTrips, b: RoundTrips): RoundTrips {
  const sum = (x: Record<string, number>, y: Record<string, number>): Record<string, number> => {
    const out = { ...x };
    for (const [k, v] of Object.entries(y)) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  return {
    orders: a.orders + b.orders,
    temporal: sum(a.temporal, b.temporal),
    probes: sum(a.probes, b.probes),
    nats: { outMsgs: a.nats.outMsgs + b.nats.outMsgs, inMsgs: a.nats.inMsgs + b.nats.inMsgs },
    pulls: { count: a.pulls.count + b.pulls.count, sizes: sum(a.pulls.sizes, b.pulls.sizes) },
    subscriptions: a.subscriptions + b.subscriptions,
  };
}

export const NO_ROUND_TRIPS: RoundTrips = {
  orders: 0,
  temporal: {},
  probes: {},
  nats: { outMsgs: 0, inMsgs: 0 },
  pulls: { count: 0, sizes: {} },
  subscriptions: 0,
};

/** Sum of a by-method count. */
export function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
