/** Letting go of a NATS connection at shutdown, whether or not its server is still there. */
import type { NatsConnection } from '@nats-io/nats-core';

import { sleep } from '../waits';

/** How long a drain may take before the connection is just closed, in ms. Default of closeNats. */
const DRAIN_BOUND_MS = 5000;

/**
 * Drains the connection (flushing what is buffered) within `boundMs`, then closes it whatever
 * happened. A drain fails or waits while the server is away (nats.js rejects its flush with a
 * stackless "connection disconnected"), and a connection left open would go on reconnecting.
 * Rejects with the drain's error after closing, so the caller can say the drain failed.
 */
export async function closeNats(nc: NatsConnection, boundMs = DRAIN_BOUND_MS): Promise<void> {
  const bound = new AbortController();
  const drained = nc.drain().then(
    () => ({ ok: true as const }),
    (err: unknown) => ({ ok: false as const, err }),
  );
  const outcome = await Promise.race([
    drained,
    sleep(boundMs, bound.signal).then(() => ({
      ok: false as const,
      err: new Error(`drain not done after ${boundMs} ms; connection closed`),
    })),
  ]);
  // The bound's timer must not keep the process alive once the drain is done.
  bound.abort();
  if (!nc.isClosed()) await nc.close();
  if (!outcome.ok) throw outcome.err;
}
