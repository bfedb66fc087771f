/**
 * Hole 8 of issue #8, throttling: a Temporal that answers RESOURCE_EXHAUSTED (its namespace rate
 * limit set low through dynamic config) is throttling, not "unreachable". Intake pauses for real and
 * resumes, each change logged once, and no order is charged a delivery or dead-lettered for it.
 */
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';

import { GRPC_STATUS } from '../../shared/temporal/faults';
import { connectTemporal } from '../../shared/temporal/connect';
import { sleep } from '../../shared/waits';
import {
  expectEachOnceUncharged,
  expectLoggedOncePerChange,
  pausedOtherThan,
  shortPauses,
  temporalStates,
  watchedBridge,
} from '../harness/bridge-watch';
import type { Pipeline } from '../harness/pipeline';
import { deliveries, orders, publish, startPipeline, startWorker, stopComponents, waitFor } from '../harness/pipeline';
import { startTemporal } from '../harness/servers';

/**
 * A neighbour in the same namespace that spends its whole rate budget until `signal` aborts:
 * several callers without the SDK's retries, each calling again 10 ms after an answer. Resolves
 * with how many of its calls the server answered RESOURCE_EXHAUSTED.
 */
async function spendRateBudget(address: string, signal: AbortSignal): Promise<{ throttled: number }> {
  const connection = await Connection.connect({ address, interceptors: [] });
  const service = new Client({ connection }).workflowService;
  let throttled = 0;
  const caller = async (): Promise<void> => {
    while (!signal.aborted) {
      await service.describeNamespace({ namespace: 'default' }).catch((err: unknown) => {
        if (isGrpcServiceError(err) && Number(err.code) === GRPC_STATUS.RESOURCE_EXHAUSTED) throttled += 1;
      });
      await sleep(10, signal);
    }
  };
  try {
    await Promise.all(Array.from({ length: 5 }, caller));
  } finally {
    await connection.close();
  }
  return { throttled };
}

/** Runs `body` with `p` seen through a Temporal of its own that gives each namespace `rps` calls a second. */
async function withThrottledTemporal(p: Pipeline, rps: number, body: (throttled: Pipeline) => Promise<void>) {
  const temporal = await startTemporal({
    dynamicConfig: { 'frontend.namespaceRPS': rps, 'frontend.namespaceBurstRatio': 1 },
  });
  const settings = { ...p.temporalSettings, address: temporal.address };
  const client = await connectTemporal(settings);
  const env = { ...p.env, TEMPORAL_ADDRESS: temporal.address };
  try {
    await body({ ...p, temporal, client, temporalSettings: settings, env });
  } finally {
    await stopComponents();
    await client.connection.close();
    await temporal.stop(5000);
  }
}

describe('temporal faults - hole 8: throttling is classified as throttling', () => {
  // A pipeline per test: orders a failed test leaves unfinished must not reach the next one.
  let p: Pipeline;
  beforeEach(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
  }, 60_000);
  afterEach(() => p?.stop(), 60_000);

  it('temporal faults - throttling (RESOURCE_EXHAUSTED) pauses intake and resumes, no order charged', async () => {
    await withThrottledTemporal(p, 20, async (throttled) => {
      await startWorker(throttled);
      const bridge = await watchedBridge(throttled);
      const neighbour = new AbortController();
      const spending = spendRateBudget(throttled.temporal.address, neighbour.signal);
      const batch = orders(12, 'th-');
      const before = await deliveries(p);
      await publish(p, batch);
      // Throttled for a while after the bridge first noticed (or for 30 s if it never does).
      await waitFor('the bridge paused', () => Promise.resolve(temporalStates(bridge.records()).length > 0), 30_000)
        .catch(() => undefined)
        .then(() => sleep(5000, neighbour.signal))
        .finally(() => neighbour.abort());
      // The fixture: the server did answer RESOURCE_EXHAUSTED.
      expect((await spending).throttled).toBeGreaterThan(0);

      await expectEachOnceUncharged(throttled, batch, 'th-', before, 120_000);
      const states = temporalStates(bridge.records());
      // Temporal was never away: throttling is not "unreachable".
      expect(pausedOtherThan(states, 'throttled')).toEqual([]);
      expect(states[0]).toBe('paused:throttled');
      expect(states.at(-1)).toBe('resumed');
      expectLoggedOncePerChange(states);
      expect(shortPauses(bridge.records())).toEqual([]);
    });
  }, 240_000);

  it("temporal faults - throttling under the pipeline's own load: each pause holds, no order charged", async () => {
    await withThrottledTemporal(p, 10, async (throttled) => {
      // The fixture: a burst without the SDK's retries is answered RESOURCE_EXHAUSTED.
      expect((await spendRateBudget(throttled.temporal.address, AbortSignal.timeout(1000))).throttled).toBeGreaterThan(
        0,
      );
      await startWorker(throttled);
      const bridge = await watchedBridge(throttled);
      const batch = orders(16, 'tl-');
      const before = await deliveries(p);
      await publish(p, batch);
      await expectEachOnceUncharged(throttled, batch, 'tl-', before, 240_000);
      const states = temporalStates(bridge.records());
      expect(pausedOtherThan(states, 'throttled')).toEqual([]);
      expectLoggedOncePerChange(states);
      // The SDK's own retries may hide this throttling from the bridge; when they do not, the
      // bridge must pause for real, not log a pause and a resume for every throttled call.
      expect(shortPauses(bridge.records())).toEqual([]);
    });
  }, 300_000);
});
