/**
 * The bridge's and the worker's /metrics, /healthz and /readyz: counters match what was published
 * and what the worker's functions ran, and readiness follows NATS and Temporal going away and
 * coming back. Workers on one host with the default port each get one (the second used to exit:
 * the first held 9465), while a port named that is taken stays an error.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import net from 'node:net';

import { CLI, cleanEnv, runCli } from '../harness/cli';
import { expectCompletedOnce } from '../harness/expect-pipeline';
import { metric } from '../harness/metrics';
import type { Pipeline } from '../harness/pipeline';
import {
  orders,
  publish,
  spawnBridgeProcess,
  startBridge,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';

async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

describe('metrics - /metrics, /healthz and /readyz of the bridge', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
  }, 60_000);
  // After each: the worker test's functions must run on its worker process alone.
  afterEach(stopComponents, 60_000);

  it('counts what happened and turns not-ready while NATS or Temporal is down', async () => {
    await startWorker(p);
    const bridge = spawnBridgeProcess(p);
    let output = '';
    bridge.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    bridge.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    await waitFor('the metrics address', () => Promise.resolve(/serving \/metrics.*"url":"(http:[^"]+)"/.test(output)));
    const base = /"url":"(http:[^"]+)"/.exec(output)![1]!;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const batch = orders(5, 'm-');
    await publish(p, batch);
    await p.js.publish('ORDERS.received', 'poison');
    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      'm-',
    );
    await waitFor(
      'counters settle',
      async () =>
        metric((await get(`${base}/metrics`)).body, 'orderflow_messages_acked_total', 'stage="dispatch"') === 5,
    );
    const body = (await get(`${base}/metrics`)).body;
    expect(metric(body, 'orderflow_messages_received_total', 'stage="process"')).toBe(6);
    expect(metric(body, 'orderflow_messages_acked_total', 'stage="process"')).toBe(5);
    expect(metric(body, 'orderflow_messages_terminated_total', 'stage="process"')).toBe(1);
    expect(metric(body, 'orderflow_stage_end_to_end_seconds_count', 'stage="process"')).toBe(5);
    expect(metric(body, 'orderflow_workflow_start_seconds_count', 'stage="dispatch"')).toBe(5);
    // Every ack of NEW is sampled (sample 100): 5 acks; the poison was terminated, not acked.
    expect(metric(body, 'orderflow_ack_delay_seconds_count', 'consumer="NEW"')).toBe(5);
    expect((await get(`${base}/healthz`)).status).toBe(200);
    expect((await get(`${base}/readyz`)).status).toBe(200);

    await p.temporal.kill();
    await waitFor('not ready without Temporal', async () => (await get(`${base}/readyz`)).status === 503, 30_000);
    await p.temporal.restart();
    await waitFor('ready again with Temporal', async () => (await get(`${base}/readyz`)).status === 200, 60_000);

    await p.nats.kill();
    await waitFor('not ready without NATS', async () => (await get(`${base}/readyz`)).status === 503, 30_000);
    expect((await get(`${base}/healthz`)).status).toBe(200);
    await p.nats.restart();
    await waitFor('ready again with NATS', async () => (await get(`${base}/readyz`)).status === 200, 60_000);
  }, 180_000);

  it('the worker serves /healthz, /readyz and /metrics too, with its functions counted, and stops cleanly on SIGTERM', async () => {
    const worker = spawn(process.execPath, [CLI, 'worker'], {
      env: cleanEnv({ ...p.env, ORDERFLOW_METRICS_PORT: '0' }),
    });
    let output = '';
    worker.stderr.on('data', (c: Buffer) => (output += c.toString()));
    worker.stdout.on('data', (c: Buffer) => (output += c.toString()));
    await waitFor('the worker running', () => Promise.resolve(/"metrics":"(http:[^"]+)"/.test(output)), 60_000);
    const base = /"metrics":"(http:[^"]+)"/.exec(output)![1]!;
    expect((await get(`${base}/healthz`)).status).toBe(200);
    expect((await get(`${base}/readyz`)).status).toBe(200);
    expect((await get(`${base}/metrics`)).body).toContain('orderflow_worker_running 1');

    // The only worker: every function of these orders runs in it, once each.
    await startBridge(p);
    const batch = orders(3, 'wm-');
    await publish(p, batch);
    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      'wm-',
    );
    const body = (await get(`${base}/metrics`)).body;
    for (const fn of ['reserveStock', 'chargePayment', 'assignCourier', 'ship']) {
      const labels = `function="${fn}",task_queue="orderflow"`;
      expect(metric(body, 'orderflow_function_calls_total', `${labels},outcome="completed"`)).toBe(3);
      expect(metric(body, 'orderflow_function_calls_total', `${labels},outcome="rejected"`)).toBe(0);
      expect(metric(body, 'orderflow_function_duration_seconds_count', labels)).toBe(3);
    }
    // prom-client's process metrics, from the same registry.
    expect(body).toMatch(/^process_cpu_seconds_total \d/m);
    expect(body).toMatch(/^nodejs_heap_size_used_bytes \d/m);

    await p.temporal.kill();
    await waitFor(
      'worker not ready without Temporal',
      async () => (await get(`${base}/readyz`)).status === 503,
      30_000,
    );
    await p.temporal.restart();
    await waitFor('worker ready again', async () => (await get(`${base}/readyz`)).status === 200, 60_000);
    await p.nats.kill();
    await waitFor('worker not ready without NATS', async () => (await get(`${base}/readyz`)).status === 503, 30_000);
    await p.nats.restart();
    await waitFor('worker ready again with NATS', async () => (await get(`${base}/readyz`)).status === 200, 60_000);
    const exit = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    expect(await exit).toBe(0);
  }, 90_000);
});

/** A worker process with its output, stopped by stopWorkers. */
interface WorkerProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
}

function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [CLI, 'worker'], { env: cleanEnv(env) });
  let output = '';
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  return { child, output: () => output };
}

async function stopWorkers(workers: readonly WorkerProcess[]): Promise<void> {
  await Promise.all(
    workers
      .filter((w) => w.child.exitCode === null)
      .map((w) => {
        const exited = new Promise((resolve) => w.child.once('exit', resolve));
        w.child.kill('SIGTERM');
        return exited;
      }),
  );
}

describe('metrics - several workers on one host', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  }, 60_000);

  it('two workers with the default port both run: the second on a free port, and it says which was taken', async () => {
    // No ORDERFLOW_METRICS_PORT: both want the worker's default, 9465.
    const workers = [spawnWorker(p.env), spawnWorker(p.env)];
    try {
      const urls = await Promise.all(
        workers.map(async (w) => {
          await waitFor(
            'the worker running',
            () => {
              if (w.child.exitCode !== null) throw new Error(`worker exited (${w.child.exitCode}):\n${w.output()}`);
              return Promise.resolve(/"metrics":"(http:[^"]+)"/.test(w.output()));
            },
            60_000,
          );
          return /"metrics":"(http:[^"]+)"/.exec(w.output())![1]!;
        }),
      );
      const ports = urls.map((url) => Number(new URL(url).port));
      expect(new Set(ports).size).toBe(2);
      for (const [i, w] of workers.entries()) {
        expect(w.child.exitCode).toBeNull();
        expect((await get(`${urls[i]}/healthz`)).status).toBe(200);
        // 9465 went to one of them, unless something else held it: every other says it was taken.
        if (ports[i] !== 9465) expect(w.output()).toContain(`metrics on 127.0.0.1:${ports[i]} (9465 was taken)`);
      }
    } finally {
      await stopWorkers(workers);
    }
  }, 120_000);

  it('a port named that is taken is one line and exit 2, before the worker polls', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as net.AddressInfo).port;
    try {
      const result = await runCli(['worker'], { env: { ...p.env, ORDERFLOW_METRICS_PORT: String(port) } });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `orderflow: ORDERFLOW_METRICS_PORT: 127.0.0.1:${port} is already in use; give another port, 0 for any free one, or off\n`,
      );
      expect(result.stderr).not.toContain('worker running');
    } finally {
      holder.close();
    }
  }, 60_000);
});
