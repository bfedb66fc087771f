/**
 * A bridge in the bench's process whose round trips are counted: its Temporal clients carry a
 * counting gRPC interceptor (inside the retry interceptor, so a retried call counts twice), its
 * NATS connection reports its message counters, and its pull requests are seen on their way out
 * (subject `$JS.API.CONSUMER.MSG.NEXT.*`, with the batch each asks for). Production options
 * otherwise: only the sizes and the stages are the bench's.
 */
import type { NatsConnection } from '@nats-io/nats-core';

import { bridgeOptions } from '../../shared/config/run-options';
import { Bridge } from '../../bridge/bridge';
import { silentLogger } from '../../shared/log';
import { connectNats } from '../../shared/nats/connect';
import { connectTemporal } from '../../shared/temporal/connect';
import type { Pipeline } from '../harness/pipeline';
import type { RoundTrips } from './round-trips';
import { CallCounter, callsBetween, natsTraffic, trafficBetween } from './round-trips';

export interface CountedBridge {
  readonly bridge: Bridge;
  /** Starts counting a stretch of work; `end(orders)` gives what it cost. */
  begin(): { end(orders: number): RoundTrips };
  close(): Promise<void>;
}

const PULL_SUBJECT = '$JS.API.CONSUMER.MSG.NEXT.';

/**
 * Sees each pull request leave (how many, and how many messages each asked for) and each
 * subscription made: a fetch subscribes an inbox of its own and unsubscribes it when done.
 */
function watchPulls(nc: NatsConnection): { count: number; sizes: Map<number, number>; subscriptions: number } {
  const seen = { count: 0, sizes: new Map<number, number>(), subscriptions: 0 };
  const subscribe = nc.subscribe.bind(nc);
  nc.subscribe = (subject, options) => {
    seen.subscriptions += 1;
    return subscribe(subject, options);
  };
  const publish = nc.publish.bind(nc);
  nc.publish = (subject, payload, options) => {
    if (subject.startsWith(PULL_SUBJECT) && typeof payload === 'string') {
      const batch = (JSON.parse(payload) as { batch?: number }).batch ?? 0;
      seen.count += 1;
      seen.sizes.set(batch, (seen.sizes.get(batch) ?? 0) + 1);
    }
    publish(subject, payload, options);
  };
  return seen;
}

export async function startCountedBridge(
  p: Pipeline,
  options: { stages: string; maxInFlight: number; taskQueue: string },
): Promise<CountedBridge> {
  const nc = await connectNats({ servers: [p.nats.url] }, { reconnectForever: true });
  const pulls = watchPulls(nc);
  const calls = new CallCounter();
  const probeCalls = new CallCounter();
  const client = await connectTemporal(p.temporalSettings, { interceptors: [calls.interceptor] });
  const probeClient = await connectTemporal(p.temporalSettings, {
    retries: false,
    interceptors: [probeCalls.interceptor],
  });
  const bridge = new Bridge(
    { nc, client, probeClient, logger: silentLogger },
    bridgeOptions(
      { stages: options.stages, maxInFlight: String(options.maxInFlight), taskQueue: options.taskQueue },
      {},
    ),
  );
  await bridge.start();
  return {
    bridge,
    begin() {
      const before = {
        calls: calls.snapshot(),
        probes: probeCalls.snapshot(),
        nats: natsTraffic(nc),
        pulls: pulls.count,
        subscriptions: pulls.subscriptions,
        sizes: new Map(pulls.sizes),
      };
      return {
        end(orders) {
          const sizes: Record<string, number> = {};
          for (const [size, n] of pulls.sizes) {
            const d = n - (before.sizes.get(size) ?? 0);
            if (d > 0) sizes[String(size)] = d;
          }
          return {
            orders,
            temporal: callsBetween(before.calls, calls.snapshot()),
            probes: callsBetween(before.probes, probeCalls.snapshot()),
            nats: trafficBetween(before.nats, natsTraffic(nc)),
            pulls: { count: pulls.count - before.pulls, sizes },
            subscriptions: pulls.subscriptions - before.subscriptions,
          };
        },
      };
    },
    async close() {
      await bridge.close();
      await nc.close();
      await client.connection.close();
      await probeClient.connection.close();
    },
  };
}
