/**
 * The metrics as prom-client renders them: the bridge's and the worker's names, labels and
 * buckets (as the README documents them), the process metrics, and the activity wrapper telling
 * each function's outcome to its observer.
 */
import net from 'node:net';

import { MockActivityEnvironment } from '@temporalio/testing';
import { Registry } from 'prom-client';

import { activityOf } from '../../activities/function-activity';
import type { FunctionDone } from '../../activities/function-activity';
import { defineFunction } from '../../activities/define';
import { NonRetryableError } from '../../activities/errors';
import type { BridgeState, StageState } from '../../bridge/metrics';
import { BridgeMetrics } from '../../bridge/metrics';
import { healthServerLine, startHealthServer } from '../../shared/observability/health-server';
import { ConfigError } from '../../shared/errors';
import { BUCKETS, processRegistry } from '../../shared/observability/registry';
import { FunctionMetrics, registerWorkerGauges } from '../../worker/metrics';
import { STAGES } from '../../workflows/names';
import type { FunctionInput, StepResult } from '../../workflows/types';

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** The samples of Prometheus text, and the type each metric family declares. */
function parse(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels = Object.fromEntries([...(sample[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]));
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

/** A bucket's upper bound as a number (`+Inf` included). */
const bound = (le: string): number => (le === '+Inf' ? Infinity : Number(le));

function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

function stageState(name: 'process' | 'dispatch', over: Partial<StageState> = {}): StageState {
  return {
    stage: STAGES[name],
    counters: { received: 0, acked: 0, naked: 0, terminated: 0 },
    inFlight: 0,
    stuckRuns: 0,
    longPolledRuns: 0,
    sweptRuns: 0,
    intakePaused: false,
    active: true,
    operatorPause: undefined,
    ...over,
  };
}

describe('metrics - the bridge, rendered by prom-client', () => {
  let state: BridgeState;
  let registry: Registry;
  let metrics: BridgeMetrics;
  beforeEach(() => {
    state = {
      stages: [
        stageState('process', {
          counters: { received: 6, acked: 5, naked: 0, terminated: 1 },
          inFlight: 3,
          intakePaused: true,
        }),
        stageState('dispatch', {
          counters: { received: 5, acked: 4, naked: 2, terminated: 0 },
          stuckRuns: 1,
          active: false,
          operatorPause: {
            stage: 'dispatch',
            by: 'alice',
            reason: 'ERP deploy',
            since: '2026-12-01T10:00:00.000Z',
            until: '2026-12-01T11:00:00.000Z',
          },
        }),
      ],
      health: { ready: false, natsConnected: true, temporalReachable: false },
    };
    registry = new Registry();
    metrics = new BridgeMetrics(registry, () => state);
  });

  it('has the documented names, types and labels, with counts read from the stage consumers', async () => {
    const { samples, types } = parse(await registry.metrics());
    expect(Object.fromEntries(types)).toEqual({
      orderflow_messages_received_total: 'counter',
      orderflow_messages_acked_total: 'counter',
      orderflow_messages_naked_total: 'counter',
      orderflow_messages_terminated_total: 'counter',
      orderflow_in_flight: 'gauge',
      orderflow_stuck_runs: 'gauge',
      orderflow_runs_long_polled: 'gauge',
      orderflow_runs_swept: 'gauge',
      orderflow_intake_paused: 'gauge',
      orderflow_bridge_active: 'gauge',
      orderflow_stage_paused: 'gauge',
      orderflow_stage_paused_until_seconds: 'gauge',
      orderflow_workflow_start_seconds: 'histogram',
      orderflow_stage_end_to_end_seconds: 'histogram',
      orderflow_ack_delay_seconds: 'histogram',
      orderflow_ready: 'gauge',
      orderflow_nats_connected: 'gauge',
      orderflow_temporal_reachable: 'gauge',
    });
    expect(samples.filter((s) => s.name === 'orderflow_messages_received_total')).toEqual([
      { name: 'orderflow_messages_received_total', labels: { stage: 'process', consumer: 'NEW' }, value: 6 },
      { name: 'orderflow_messages_received_total', labels: { stage: 'dispatch', consumer: 'DISPATCH' }, value: 5 },
    ]);
    expect(valueOf(samples, 'orderflow_messages_terminated_total', { stage: 'process' })).toBe(1);
    expect(valueOf(samples, 'orderflow_messages_naked_total', { stage: 'dispatch' })).toBe(2);
    expect(valueOf(samples, 'orderflow_in_flight', { stage: 'process' })).toBe(3);
    expect(valueOf(samples, 'orderflow_intake_paused', { stage: 'process' })).toBe(1);
    expect(valueOf(samples, 'orderflow_intake_paused', { stage: 'dispatch' })).toBe(0);
    expect(valueOf(samples, 'orderflow_stuck_runs', { stage: 'dispatch' })).toBe(1);
    // A warm standby of dispatch (0), pulling process (1).
    expect(valueOf(samples, 'orderflow_bridge_active', { stage: 'process' })).toBe(1);
    expect(valueOf(samples, 'orderflow_bridge_active', { stage: 'dispatch' })).toBe(0);
    // An operator's pause of dispatch: who and why as labels, its deadline in Unix seconds.
    expect(samples.filter((s) => s.name === 'orderflow_stage_paused')).toEqual([
      { name: 'orderflow_stage_paused', labels: { stage: 'process', by: '', reason: '' }, value: 0 },
      { name: 'orderflow_stage_paused', labels: { stage: 'dispatch', by: 'alice', reason: 'ERP deploy' }, value: 1 },
    ]);
    expect(valueOf(samples, 'orderflow_stage_paused_until_seconds', { stage: 'dispatch' })).toBe(
      Date.parse('2026-12-01T11:00:00.000Z') / 1000,
    );
    expect(valueOf(samples, 'orderflow_stage_paused_until_seconds', { stage: 'process' })).toBe(0);
    expect(valueOf(samples, 'orderflow_ready')).toBe(0);
    expect(valueOf(samples, 'orderflow_nats_connected')).toBe(1);
    expect(valueOf(samples, 'orderflow_temporal_reachable')).toBe(0);
  });

  it('the existing tests read lines that start with the name and the stage label', async () => {
    const text = await registry.metrics();
    expect(text).toMatch(/^orderflow_messages_acked_total\{stage="process",consumer="NEW"\} 5$/m);
    expect(text).toMatch(/^orderflow_stuck_runs\{stage="dispatch"\} 1$/m);
  });

  it('a scrape reads the live counts: twice gives the same, and a later count shows', async () => {
    await registry.metrics();
    const again = parse(await registry.metrics()).samples;
    expect(valueOf(again, 'orderflow_messages_acked_total', { stage: 'process' })).toBe(5);
    state = {
      ...state,
      stages: [stageState('process', { counters: { received: 9, acked: 8, naked: 0, terminated: 1 } })],
    };
    const later = parse(await registry.metrics()).samples;
    expect(valueOf(later, 'orderflow_messages_acked_total', { stage: 'process' })).toBe(8);
  });

  it('histograms per stage and per consumer, with the documented buckets', async () => {
    const process = metrics.stage(STAGES.process);
    process.workflowStart.observe(0.02);
    process.endToEnd.observe(0.3);
    process.endToEnd.observe(4);
    metrics.ackDelay('NEW', 0.2);
    const { samples } = parse(await registry.metrics());
    const buckets = (name: string, labels: Record<string, string>): number[] =>
      samples
        .filter((s) => s.name === `${name}_bucket` && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
        .map((s) => bound(s.labels.le!));
    expect(buckets('orderflow_workflow_start_seconds', { stage: 'process' })).toEqual([
      ...BUCKETS.workflowStart,
      Infinity,
    ]);
    expect(buckets('orderflow_stage_end_to_end_seconds', { stage: 'process' })).toEqual([
      ...BUCKETS.endToEnd,
      Infinity,
    ]);
    expect(buckets('orderflow_ack_delay_seconds', { consumer: 'NEW' })).toEqual([...BUCKETS.ackDelay, Infinity]);
    expect(valueOf(samples, 'orderflow_stage_end_to_end_seconds_count', { stage: 'process' })).toBe(2);
    expect(valueOf(samples, 'orderflow_stage_end_to_end_seconds_bucket', { stage: 'process', le: '0.5' })).toBe(1);
    expect(valueOf(samples, 'orderflow_stage_end_to_end_seconds_sum', { stage: 'process' })).toBeCloseTo(4.3);
    expect(valueOf(samples, 'orderflow_workflow_start_seconds_count', { stage: 'process' })).toBe(1);
    expect(valueOf(samples, 'orderflow_ack_delay_seconds_count', { consumer: 'NEW' })).toBe(1);
  });

  it('two bridges in one process, each in its own registry, do not clash', async () => {
    const other = new Registry();
    new BridgeMetrics(other, () => ({ ...state, stages: [stageState('process')] }));
    expect(valueOf(parse(await other.metrics()).samples, 'orderflow_messages_acked_total', { stage: 'process' })).toBe(
      0,
    );
    expect(
      valueOf(parse(await registry.metrics()).samples, 'orderflow_messages_acked_total', { stage: 'process' }),
    ).toBe(5);
  });
});

describe('metrics - the worker, rendered by prom-client', () => {
  it('counts calls per function, queue and outcome and times them; zero before the first', async () => {
    const registry = new Registry();
    const metrics = FunctionMetrics.in(registry);
    metrics.hosting(['chargePayment'], 'payments');
    metrics.onFunctionDone({ function: 'reserveStock', taskQueue: 'orderflow', outcome: 'completed', seconds: 0.03 });
    metrics.onFunctionDone({ function: 'reserveStock', taskQueue: 'orderflow', outcome: 'completed', seconds: 0.2 });
    metrics.onFunctionDone({ function: 'reserveStock', taskQueue: 'orderflow', outcome: 'failed', seconds: 1 });
    const { samples, types } = parse(await registry.metrics());
    expect(types.get('orderflow_function_calls_total')).toBe('counter');
    expect(types.get('orderflow_function_duration_seconds')).toBe('histogram');
    const calls = (labels: Record<string, string>): number | undefined =>
      valueOf(samples, 'orderflow_function_calls_total', labels);
    expect(calls({ function: 'reserveStock', task_queue: 'orderflow', outcome: 'completed' })).toBe(2);
    expect(calls({ function: 'reserveStock', task_queue: 'orderflow', outcome: 'failed' })).toBe(1);
    for (const outcome of ['completed', 'failed', 'rejected', 'cancelled']) {
      expect(calls({ function: 'chargePayment', task_queue: 'payments', outcome })).toBe(0);
    }
    expect(
      samples
        .filter((s) => s.name === 'orderflow_function_duration_seconds_bucket' && s.labels.function === 'reserveStock')
        .map((s) => bound(s.labels.le!)),
    ).toEqual([...BUCKETS.functionDuration, Infinity]);
    expect(
      valueOf(samples, 'orderflow_function_duration_seconds_count', {
        function: 'reserveStock',
        task_queue: 'orderflow',
      }),
    ).toBe(3);
  });

  it('workers sharing a registry share the function metrics instead of clashing', async () => {
    const registry = new Registry();
    expect(FunctionMetrics.in(registry)).toBe(FunctionMetrics.in(registry));
    FunctionMetrics.in(registry).hosting(['a'], 'q1');
    FunctionMetrics.in(registry).hosting(['b'], 'q2');
    const queues = parse(await registry.metrics())
      .samples.filter((s) => s.name === 'orderflow_function_calls_total')
      .map((s) => s.labels.task_queue);
    expect(new Set(queues)).toEqual(new Set(['q1', 'q2']));
  });

  it('the worker gauges read the live state', async () => {
    const registry = new Registry();
    let health = { running: true, natsConnected: true, temporalReachable: true };
    registerWorkerGauges(registry, () => health);
    expect(await registry.metrics()).toMatch(/^orderflow_worker_running 1$/m);
    health = { ...health, running: false, temporalReachable: false };
    const { samples } = parse(await registry.metrics());
    expect(valueOf(samples, 'orderflow_worker_running')).toBe(0);
    expect(valueOf(samples, 'orderflow_nats_connected')).toBe(1);
    expect(valueOf(samples, 'orderflow_temporal_reachable')).toBe(0);
  });
});

describe('metrics - the process registry and /metrics', () => {
  it("has prom-client's standard process metrics, unprefixed", async () => {
    const { types } = parse(await processRegistry().metrics());
    expect(types.get('process_cpu_seconds_total')).toBe('counter');
    expect(types.get('process_start_time_seconds')).toBe('gauge');
    expect(types.get('nodejs_heap_size_used_bytes')).toBe('gauge');
    expect(types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
  });

  it('serves the registry with its content type, and a failing collect as a 500 that says why', async () => {
    const registry = new Registry();
    registerWorkerGauges(registry, () => ({ running: true, natsConnected: true, temporalReachable: true }));
    const server = await startHealthServer({ port: 0, registry, ready: () => true });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(registry.contentType);
      expect(await res.text()).toBe(await registry.metrics());

      const broken = new Registry();
      registerWorkerGauges(broken, () => {
        throw new Error('state unavailable');
      });
      const failing = await startHealthServer({ port: 0, registry: broken, ready: () => true });
      try {
        const bad = await fetch(`http://127.0.0.1:${failing.port}/metrics`);
        expect(bad.status).toBe(500);
        expect(await bad.text()).toContain('state unavailable');
      } finally {
        await failing.close();
      }
    } finally {
      await server.close();
    }
  });
});

describe('metrics - the health server on a port that is taken', () => {
  /** A port another listener holds for the length of `body`. */
  async function whileTaken<T>(body: (port: number) => Promise<T>): Promise<T> {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      return await body((holder.address() as net.AddressInfo).port);
    } finally {
      holder.close();
    }
  }

  it('a default port that is taken is swapped for a free one, and the line says which was taken', async () => {
    await whileTaken(async (port) => {
      const server = await startHealthServer({ port, registry: new Registry(), ready: () => true });
      try {
        expect(server.port).not.toBe(port);
        expect(server.taken).toBe(port);
        expect(healthServerLine(server)).toBe(`metrics on 127.0.0.1:${server.port} (${port} was taken)`);
        expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(200);
      } finally {
        await server.close();
      }
    });
  });

  it('a port the user named that is taken is a ConfigError naming the flag or variable', async () => {
    await whileTaken(async (port) => {
      const started = startHealthServer({
        port,
        portNamedBy: 'ORDERFLOW_METRICS_PORT',
        registry: new Registry(),
        ready: () => true,
      });
      const err = await started.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toBe(
        `ORDERFLOW_METRICS_PORT: 127.0.0.1:${port} is already in use; give another port, 0 for any free one, or off`,
      );
    });
  });

  it('a free port is used as it is, and the line says only where', async () => {
    const server = await startHealthServer({ port: 0, registry: new Registry(), ready: () => true });
    try {
      expect(server.taken).toBeUndefined();
      expect(healthServerLine(server)).toBe(`metrics on 127.0.0.1:${server.port}`);
    } finally {
      await server.close();
    }
  });

  it('serves several registries as one exposition (dev: its bridge and its workers)', async () => {
    const workers = new Registry();
    FunctionMetrics.in(workers).hosting(['reserveStock'], 'orderflow');
    const bridge = new Registry();
    new BridgeMetrics(bridge, () => ({
      stages: [stageState('process', { counters: { received: 2, acked: 2, naked: 0, terminated: 0 } })],
      health: { ready: true, natsConnected: true, temporalReachable: true },
    }));
    const server = await startHealthServer({ port: 0, registry: [workers, bridge], ready: () => true });
    try {
      const { samples, types } = parse(await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text());
      expect(types.get('orderflow_function_calls_total')).toBe('counter');
      expect(valueOf(samples, 'orderflow_messages_acked_total', { stage: 'process' })).toBe(2);
      expect(valueOf(samples, 'orderflow_ready', {})).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('metrics - the activity wrapper tells each attempt to its observer', () => {
  const input: FunctionInput = {
    stage: 'process',
    order: { orderId: 'A-1', customerId: 'C-1', currency: 'EUR', items: [{ sku: 'S', quantity: 1, unitPrice: 1 }] },
    revision: 'r1',
    previous: {},
  };

  async function attempt(run: () => Promise<unknown>, cancel = false): Promise<FunctionDone[]> {
    const told: FunctionDone[] = [];
    const fn = defineFunction({ name: 'probe', run });
    const env = new MockActivityEnvironment({ taskQueue: 'payments' });
    const running = env.run(activityOf(fn, { observer: { onFunctionDone: (done) => told.push(done) } }), input);
    if (cancel) env.cancel('CANCELLED');
    await running.catch(() => undefined);
    return told;
  }

  it('completed, failed, rejected and cancelled, with the task queue and a duration', async () => {
    const [completed] = await attempt(() => new Promise((r) => setTimeout(() => r({ ok: true }), 20)));
    expect(completed).toMatchObject({ function: 'probe', taskQueue: 'payments', outcome: 'completed' });
    expect(completed!.seconds).toBeGreaterThanOrEqual(0.015);
    expect((await attempt(() => Promise.reject(new Error('flaky'))))[0]?.outcome).toBe('failed');
    expect((await attempt(() => Promise.reject(new NonRetryableError('declined'))))[0]?.outcome).toBe('rejected');
    const cancelled = await attempt(
      () => new Promise((_, reject) => setTimeout(() => reject(new Error('aborted')), 50)),
      true,
    );
    expect(cancelled.map((d) => d.outcome)).toEqual(['cancelled']);
  });

  it('an observer that throws does not fail the attempt; it is logged', async () => {
    const fn = defineFunction({ name: 'probe', run: () => Promise.resolve(1) });
    const observer = {
      onFunctionDone: () => {
        throw new Error('metrics broke');
      },
    };
    const warnings: string[] = [];
    const ignore = (): void => undefined;
    const logger = {
      log: ignore,
      trace: ignore,
      debug: ignore,
      info: ignore,
      warn: (message: string) => void warnings.push(message),
      error: ignore,
    };
    const activity = activityOf(fn, { observer });
    const env = new MockActivityEnvironment({}, { logger });
    const step = await env.run<[FunctionInput], StepResult, typeof activity>(activity, input);
    expect(step.result).toBe(1);
    expect(warnings).toEqual(['function observer failed']);
  });
});
