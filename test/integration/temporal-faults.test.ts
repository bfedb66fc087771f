/**
 * Hole 8 of issue #8: Temporal's own faults (a missing namespace, throttling, the server away) are
 * the system's, not the order's. Intake pauses, readiness says why, the cause is logged once per
 * change of state, and no delivery is charged or dead-lettered for it; only the order's own failed
 * runs count toward --max-deliveries. Bridges run as processes so their log and /readyz are real.
 */
import type { ChildProcess } from 'node:child_process';

import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common';

import { listDeadLetters } from '../../bridge/dlq/dead-letter-store';
import { GRPC_STATUS } from '../../bridge/temporal/faults';
import { connectTemporal } from '../../bridge/temporal/connect';
import { sleep } from '../../bridge/util/signals';
import { expectCompletedOnce, expectDrained, idsWithPrefix } from '../harness/expect-pipeline';
import type { Order } from '../../bridge/orders/schema';
import type { Pipeline } from '../harness/pipeline';
import {
  deliveries,
  killProcess,
  orders,
  publish,
  runsOf,
  spawnBridge,
  spawnBridgeProcess,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';
import { startTemporal } from '../harness/servers';

interface LogRecord {
  readonly msg?: string;
  readonly fault?: string;
  readonly [field: string]: unknown;
}

interface WatchedBridge {
  readonly child: ChildProcess;
  /** The JSON lines written so far, parsed. */
  readonly records: () => LogRecord[];
  /** Status and body of GET /readyz. */
  readonly readyz: () => Promise<{ status: number; body: string }>;
}

/** `orderflow bridge` as a process, its log kept from the first line, once it serves /readyz. */
async function watchedBridge(p: Pipeline, env: Record<string, string> = {}): Promise<WatchedBridge> {
  const child = spawnBridgeProcess(p, env);
  let text = '';
  child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
  const records = (): LogRecord[] =>
    text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogRecord);
  await waitFor('the bridge serves /readyz', () => {
    if (child.exitCode !== null) throw new Error(`bridge exited (${child.exitCode}):\n${text}`);
    return Promise.resolve(records().some((r) => r.msg === 'serving /metrics, /healthz, /readyz'));
  });
  const url = records().find((r) => r.msg === 'serving /metrics, /healthz, /readyz')!.url as string;
  const readyz = async (): Promise<{ status: number; body: string }> => {
    const res = await fetch(`${url}/readyz`);
    return { status: res.status, body: await res.text() };
  };
  return { child, records, readyz };
}

interface TemporalChange {
  /** `paused:<fault kind>` or `resumed`. */
  readonly state: string;
  /** When it was logged, in ms since the epoch. */
  readonly at: number;
}

/** The bridge's Temporal state changes, as logged, in order. */
function temporalChanges(records: readonly LogRecord[]): TemporalChange[] {
  return records.flatMap((r) => {
    const at = Date.parse(String(r.time));
    if (r.msg === 'Temporal cannot take work; intake paused') return [{ state: `paused:${r.fault}`, at }];
    if (r.msg === 'Temporal takes work again; intake resumed') return [{ state: 'resumed', at }];
    return [];
  });
}

function temporalStates(records: readonly LogRecord[]): string[] {
  return temporalChanges(records).map((c) => c.state);
}

/** Logged once per change of state: no entry repeats the one before it. */
function expectLoggedOncePerChange(states: readonly string[]): void {
  expect(states.filter((s, i) => i > 0 && s === states[i - 1])).toEqual([]);
}

/**
 * Pauses that ended before the health watch's first probe while faulted could have come
 * (`probeIntervalMs`, 500 ms by default), as `<state> for <ms> ms`. Such a pause pauses nothing:
 * it is a pair of log lines per failed call.
 */
function shortPauses(records: readonly LogRecord[]): string[] {
  const changes = temporalChanges(records);
  return changes.flatMap((c, i) => {
    const next = changes[i + 1];
    if (!c.state.startsWith('paused') || next?.state !== 'resumed' || next.at - c.at >= 500) return [];
    return [`${c.state} for ${next.at - c.at} ms`];
  });
}

async function deadLetteredWithPrefix(p: Pipeline, prefix: string): Promise<string[]> {
  return (await listDeadLetters(p.jsm)).flatMap((d) => (d.orderId?.startsWith(prefix) ? [d.orderId] : []));
}

/**
 * Every order of `batch` (IDs starting with `prefix`) completed once, as `view` (the pipeline on
 * the Temporal namespace the bridge used) sees it; NEW delivered each of them exactly once since
 * `deliveredBefore` (nothing charged, nothing redelivered) and none was dead-lettered.
 */
async function expectEachOnceUncharged(
  view: Pipeline,
  batch: readonly Order[],
  prefix: string,
  deliveredBefore: number,
  timeoutMs: number,
): Promise<void> {
  await expectCompletedOnce(
    view,
    batch.map((o) => o.orderId),
    prefix,
    timeoutMs,
  );
  await expectDrained(view);
  expect(await deliveries(view)).toBe(deliveredBefore + batch.length);
  expect(await deadLetteredWithPrefix(view, prefix)).toEqual([]);
}

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

describe('temporal faults - hole 8: Temporal errors are classified, not guessed by message text', () => {
  // A pipeline per test: orders a failed test leaves unfinished must not reach the next one.
  let p: Pipeline;
  beforeEach(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
  }, 60_000);
  afterEach(() => p?.stop(), 60_000);

  it('temporal faults - a namespace that does not exist pauses intake, readiness says why, no order is charged or dead-lettered', async () => {
    const namespace = 'missing-ns';
    const settings = { ...p.temporalSettings, namespace };
    const client = await connectTemporal(settings);
    // The same pipeline, seen from the namespace the bridge is told to use.
    const inNamespace: Pipeline = { ...p, client, temporalSettings: settings };
    try {
      const batch = orders(5, 'ns-');
      const before = await deliveries(p);
      await publish(p, batch);
      const bridge = await watchedBridge(p, { TEMPORAL_NAMESPACE: namespace });
      await waitFor('readiness names the missing namespace', async () =>
        (await bridge.readyz()).body.includes('namespace-not-found'),
      );
      // Past a few fetch cycles (1 s each) and probes (2 s): a paused bridge still has pulled nothing.
      await new Promise((r) => setTimeout(r, 3000));
      expect(await deliveries(p)).toBe(before);
      const readiness = await bridge.readyz();
      expect(readiness.status).toBe(503);
      expect(readiness.body).toMatch(/namespace-not-found/);

      await p.client.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      await waitFor('the namespace is served', async () => {
        await client.workflowService.describeNamespace({ namespace });
        return true;
      });
      await startWorker(inNamespace);
      await expectEachOnceUncharged(inNamespace, batch, 'ns-', before, 120_000);
      const states = temporalStates(bridge.records());
      expect(states[0]).toBe('paused:namespace-not-found');
      expect(states.at(-1)).toBe('resumed');
      expectLoggedOncePerChange(states);
    } finally {
      await stopComponents();
      await client.connection.close();
    }
  }, 180_000);

  it('temporal faults - throttling (RESOURCE_EXHAUSTED) pauses intake and resumes, no order charged', async () => {
    // A Temporal of its own that gives each namespace 20 calls a second.
    const temporal = await startTemporal({
      dynamicConfig: { 'frontend.namespaceRPS': 20, 'frontend.namespaceBurstRatio': 1 },
    });
    const settings = { ...p.temporalSettings, address: temporal.address };
    const client = await connectTemporal(settings);
    const throttled: Pipeline = {
      ...p,
      temporal,
      client,
      temporalSettings: settings,
      env: { ...p.env, TEMPORAL_ADDRESS: temporal.address },
    };
    const neighbour = new AbortController();
    try {
      await startWorker(throttled);
      const bridge = await watchedBridge(throttled);
      const spending = spendRateBudget(temporal.address, neighbour.signal);
      const batch = orders(12, 'th-');
      const before = await deliveries(p);
      await publish(p, batch);
      // Throttled for a while after the bridge first noticed (or for 30 s if it never does).
      await waitFor(
        'the bridge paused',
        () => Promise.resolve(temporalStates(bridge.records()).length > 0),
        30_000,
      ).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 5000));
      neighbour.abort();
      // The fixture: the server did answer RESOURCE_EXHAUSTED.
      expect((await spending).throttled).toBeGreaterThan(0);

      await expectEachOnceUncharged(throttled, batch, 'th-', before, 120_000);
      const states = temporalStates(bridge.records());
      // Temporal was never away: throttling is not "unreachable".
      expect(states.filter((s) => s.startsWith('paused:'))).toEqual(states.filter((s) => s === 'paused:throttled'));
      expect(states[0]).toBe('paused:throttled');
      expect(states.at(-1)).toBe('resumed');
      expectLoggedOncePerChange(states);
      expect(shortPauses(bridge.records())).toEqual([]);
    } finally {
      neighbour.abort();
      await stopComponents();
      await client.connection.close();
      await temporal.stop(5000);
    }
  }, 240_000);

  it('temporal faults - Temporal unreachable pauses intake without charging deliveries', async () => {
    await startWorker(p, { orderPrefix: 'un-', step: 'reserveStock', slowMs: 300 });
    const bridge = await watchedBridge(p, { ORDERFLOW_MAX_IN_FLIGHT: '4' });
    const batch = orders(12, 'un-');
    const before = await deliveries(p);
    await publish(p, batch);
    await waitFor('a few orders done', async () => (await idsWithPrefix(p, 'ORDERS.completed', 'un-')).length >= 2);
    await p.temporal.kill();
    await waitFor('readiness says Temporal is unreachable', async () =>
      (await bridge.readyz()).body.includes('Temporal unreachable'),
    );
    // Held for longer than the 2 s ack wait while Temporal is away: kept alive, not redelivered.
    await new Promise((r) => setTimeout(r, 4000));
    expect((await bridge.readyz()).status).toBe(503);
    await p.temporal.restart();

    await expectEachOnceUncharged(p, batch, 'un-', before, 120_000);
    await waitFor('ready again', async () => (await bridge.readyz()).status === 200);
    const states = temporalStates(bridge.records());
    expect(states[0]).toBe('paused:unreachable');
    expect(states.at(-1)).toBe('resumed');
    expectLoggedOncePerChange(states);
  }, 180_000);

  it("temporal faults - only the order's own failed runs count toward --max-deliveries", async () => {
    // Run 1 of `mdc-` orders exhausts the activity's 5 attempts; the worker's count per key then
    // lets run 2 succeed. `mdf-` orders fail every run, for good.
    await startWorker(p, [
      { orderPrefix: 'mdc-', step: 'reserveStock', slowMs: 500, failTimes: 5 },
      { orderPrefix: 'mdf-', step: 'reserveStock', failForGood: true },
    ]);
    const env = { ORDERFLOW_MAX_DELIVERIES: '2' };
    const crashed = await spawnBridge(p, env);
    const [survivor] = orders(1, 'mdc-');
    const before = await deliveries(p);
    await publish(p, [survivor!]);
    const workflowId = `process-${survivor!.orderId}`;
    await waitFor('the first run started', async () => (await runsOf(p, workflowId)) === 1);
    // The bridge dies while run 1 goes: JetStream redelivers (delivery 2), not the order's fault.
    await killProcess(crashed);
    await spawnBridge(p, env);
    await waitFor('the order completed or dead-lettered', async () => {
      const completed = await idsWithPrefix(p, 'ORDERS.completed', 'mdc-');
      return completed.length > 0 || (await deadLetteredWithPrefix(p, 'mdc-')).length > 0;
    });
    expect(await deadLetteredWithPrefix(p, 'mdc-')).toEqual([]);
    expect(await idsWithPrefix(p, 'ORDERS.processed', 'mdc-')).toEqual([survivor!.orderId]);
    expect(await idsWithPrefix(p, 'ORDERS.completed', 'mdc-')).toEqual([survivor!.orderId]);
    // Delivery 1 (crashed), 2 (attached to run 1, which failed: one failed run), 3 (run 2).
    expect(await deliveries(p)).toBe(before + 3);
    expect(await runsOf(p, workflowId)).toBe(2);

    const [doomed] = orders(1, 'mdf-');
    await publish(p, [doomed!]);
    await waitFor('the failing order dead-lettered', async () => (await deadLetteredWithPrefix(p, 'mdf-')).length > 0);
    const letters = (await listDeadLetters(p.jsm)).filter((d) => d.orderId === doomed!.orderId);
    expect(letters.map((d) => [d.kind, d.deliveries])).toEqual([['failed', 2]]);
    expect(letters[0]!.reason).toMatch(/after 2 failed runs/);
    expect(await runsOf(p, `process-${doomed!.orderId}`)).toBe(2);
    await expectDrained(p);
  }, 180_000);
});
