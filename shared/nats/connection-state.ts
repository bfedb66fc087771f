/**
 * Whether a NATS connection is up, known without a round trip: for the health reports of the
 * bridge and the worker, which answer while the connection reconnects.
 */
import type { NatsConnection } from '@nats-io/nats-core';

/** Whether `nc` is connected now, kept from its status events (it reconnects by itself). */
export function trackConnection(nc: NatsConnection): { readonly connected: boolean } {
  const state = { connected: !nc.isClosed() };
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') state.connected = false;
      if (status.type === 'reconnect') state.connected = true;
    }
    state.connected = false;
  })();
  return state;
}
