/**
 * Shutdown's look at the runs it holds: with thousands held (functions that wait minutes), each
 * second looks at the next 200 in turn, 32 at once, instead of describing every run every second.
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';

import { IntakeGate } from '../../bridge/gates/intake-gate';
import { handBackWhatCannotFinish } from '../../bridge/consumer/shutdown-triage';
import { silentLogger } from '../../shared/log';
import { demoOrders } from '../../shared/orders/demo';
import { STAGES } from '../../workflows/names';

function fakeTemporal(): { client: Client; described: string[]; mostAtOnce: () => number } {
  const described: string[] = [];
  let open = 0;
  let most = 0;
  const client = {
    withAbortSignal: <T>(_: AbortSignal, fn: () => Promise<T>) => fn(),
    withDeadline: <T>(_: number, fn: () => Promise<T>) => fn(),
    workflow: {
      getHandle: (workflowId: string) => ({
        describe: async () => {
          described.push(workflowId);
          open += 1;
          most = Math.max(most, open);
          await new Promise((r) => setTimeout(r, 5));
          open -= 1;
          return { status: { name: 'RUNNING' }, raw: {} };
        },
      }),
    },
  } as unknown as Client;
  return { client, described, mostAtOnce: () => most };
}

describe('shutdown triage - bounded looks at the runs held', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('shutdown triage - 1,000 held: 200 looked at per second, 32 at once, every one within five seconds', async () => {
    const temporal = fakeTemporal();
    const held = new Map<JsMsg, { signal: AbortSignal; abort(): void }>();
    for (const order of demoOrders(1000, { prefix: 'triage-', seed: 1 })) {
      const controller = new AbortController();
      const msg = { seq: held.size + 1, data: new TextEncoder().encode(JSON.stringify(order)) } as unknown as JsMsg;
      held.set(msg, { signal: controller.signal, abort: () => controller.abort() });
    }
    const until = new AbortController();
    const triage = handBackWhatCannotFinish(
      { stage: STAGES.process, client: temporal.client, gate: new IntakeGate(), held, logger: silentLogger },
      until.signal,
    );
    await jest.advanceTimersByTimeAsync(500);
    expect(temporal.described).toHaveLength(200);
    expect(temporal.mostAtOnce()).toBe(32);
    await jest.advanceTimersByTimeAsync(4600);
    expect(new Set(temporal.described).size).toBe(1000);
    until.abort();
    await jest.advanceTimersByTimeAsync(1000);
    await triage;
  });
});
