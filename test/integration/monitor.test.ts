/**
 * `orderflow monitor --json`: every message published after it started, and for an order that
 * was redelivered, the delivery count and ack delay from JetStream's sampled ack metrics.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';

import type { MonitorEvent } from '../../shared/observability/monitor-events';
import { CLI, cleanEnv } from '../harness/cli';
import type { Pipeline } from '../harness/pipeline';
import {
  killProcess,
  orders,
  publish,
  spawnBridge,
  startBridge,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';

function startMonitor(p: Pipeline): { child: ChildProcess; events: MonitorEvent[]; ready: Promise<void> } {
  const child = spawn(process.execPath, [CLI, 'monitor', '--json'], { env: cleanEnv(p.env) });
  const events: MonitorEvent[] = [];
  let buffer = '';
  child.stdout.on('data', (c: Buffer) => {
    buffer += c.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line) events.push(JSON.parse(line) as MonitorEvent);
  });
  const ready = new Promise<void>((resolve) =>
    child.stderr.on('data', (c: Buffer) => c.toString().includes('monitoring') && resolve()),
  );
  return { child, events, ready };
}

describe('monitor - the live view, as JSON events', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
  }, 60_000);
  afterAll(stopComponents, 60_000);

  it('two monitors each see every message, and a redelivered order shows its deliveries and ack delay', async () => {
    const a = startMonitor(p);
    const b = startMonitor(p);
    await Promise.all([a.ready, b.ready]);
    await startWorker(p, { orderPrefix: 'mon-slow-', step: 'reserveStock', slowMs: 3000 });
    const batch = orders(3, 'mon-');
    const [slow] = orders(1, 'mon-slow-');

    const first = await spawnBridge(p, { ORDERFLOW_STAGES: 'process' });
    await publish(p, [...batch, slow!]);
    await waitFor(
      'the slow order in flight',
      async () => (await p.client.workflow.getHandle(`process-${slow!.orderId}`).describe()).status.name === 'RUNNING',
    );
    await killProcess(first, 'SIGKILL'); // its orders come back after the 2 s ack wait
    await startBridge(p);

    const ids = [...batch, slow!].map((o) => o.orderId);
    for (const m of [a, b]) {
      await waitFor('every order completed, seen by the monitor', () =>
        Promise.resolve(
          ids.every((id) =>
            m.events.some((e) => e.type === 'message' && e.subject === 'ORDERS.completed' && e.orderId === id),
          ),
        ),
      );
      const received = m.events
        .filter((e) => e.type === 'message' && e.subject === 'ORDERS.received')
        .map((e) => (e as { orderId?: string }).orderId);
      expect(received.sort()).toEqual([...ids].sort());
    }
    const seq = a.events.find(
      (e) => e.type === 'message' && e.subject === 'ORDERS.received' && e.orderId === slow!.orderId,
    ) as { streamSeq: number };
    await waitFor('the ack sample of the redelivered order', () =>
      Promise.resolve(a.events.some((e) => e.type === 'ack' && e.consumer === 'NEW' && e.streamSeq === seq.streamSeq)),
    );
    const sample = a.events.find(
      (e) => e.type === 'ack' && e.consumer === 'NEW' && e.streamSeq === seq.streamSeq,
    ) as Extract<MonitorEvent, { type: 'ack' }>;
    expect(sample.deliveries).toBeGreaterThanOrEqual(2);
    expect(sample.ackDelayMs).toBeGreaterThan(0);
    for (const m of [a, b]) await killProcess(m.child, 'SIGINT');
  }, 150_000);
});
