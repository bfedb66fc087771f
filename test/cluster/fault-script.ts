/**
 * The cluster run's faults, one after another at fixed points of the window: the ORDERS stream
 * leader SIGKILLed (the node started again after `downMs`), a bridge SIGKILLed, a worker
 * SIGKILLed (each restarted after `downMs`), Temporal's process SIGKILLed and restarted. Each
 * fault is measured: failover and catch-up for the node, time back for the processes, and for all
 * of them how long until what the work queues had handed out before it was acknowledged.
 */
import { jetstreamManager } from '@nats-io/jetstream';

import { STREAM } from '../../workflows/names';
import type { Deployment } from './deployment';
import type { NatsCluster } from './nats-cluster';
import { deliveredMarks, drainedAfter } from './progress';
import { waitForNewLeader, waitForWholeStream } from './stream-health';
import type { TemporalCluster } from './temporal-cluster';

export interface FaultRecord {
  /** What was done, e.g. `SIGKILL stream leader`. */
  readonly fault: string;
  /** n1..n3, bridge-1, worker-1, temporal. */
  readonly target: string;
  /** From the start of the window, in ms. */
  readonly atMs: number;
  /** Measured times, in ms (see the keys). */
  readonly figures: Record<string, number>;
  /** Resolves with the in-flight drain time (ms) once measured; undefined if aborted first. */
  drained?: Promise<number | undefined>;
}

export interface FaultScriptOptions {
  readonly windowMs: number;
  readonly downMs: number;
  /** When the window began (Date.now()). */
  readonly startedAt: number;
  /** Ends waits and drain watches (the run is over or failed). */
  readonly signal: AbortSignal;
  readonly say: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const since = (t: number): number => Date.now() - t;

export async function runFaultScript(
  d: Deployment,
  nats: NatsCluster,
  temporal: TemporalCluster,
  o: FaultScriptOptions,
): Promise<FaultRecord[]> {
  const { jsm } = d.clients;
  // A short request timeout while the stream elects a leader, so the failover time is read finely.
  const probe = await jetstreamManager(d.clients.nc, { timeout: 1000 });
  const records: FaultRecord[] = [];
  /** Waits for the fault's moment, marks what is in flight, injects it, and watches the drain. */
  const strike = async (
    fraction: number,
    fault: string,
    target: () => Promise<string>,
    act: (name: string, figures: Record<string, number>) => Promise<void>,
  ): Promise<void> => {
    await sleep(o.startedAt + fraction * o.windowMs - Date.now());
    if (o.signal.aborted) return;
    const marks = await deliveredMarks(jsm, o.signal);
    const name = await target();
    const at = Date.now();
    const record: FaultRecord = { fault, target: name, atMs: at - o.startedAt, figures: {} };
    records.push(record);
    o.say(`${fault} ${name} at ${Math.round(record.atMs / 1000)} s`);
    record.drained = drainedAfter(jsm, marks, at, o.signal);
    await act(name, record.figures);
    o.say(`${fault} ${name}: ${JSON.stringify(record.figures)}`);
  };

  await strike(
    0.15,
    'SIGKILL stream leader',
    async () => (await waitForWholeStream(jsm, STREAM, { signal: o.signal })).placement.leader!,
    async (node, figures) => {
      const killedAt = Date.now();
      await nats.kill(node);
      await waitForNewLeader(probe, STREAM, node, { timeoutMs: 60_000, signal: o.signal, pollMs: 100 });
      figures.newLeaderMs = since(killedAt);
      await sleep(killedAt + o.downMs - Date.now());
      const startedAt = Date.now();
      await nats.start(node);
      figures.nodeRestartMs = since(startedAt);
      await waitForWholeStream(jsm, STREAM, { timeoutMs: 120_000, signal: o.signal });
      figures.replicasCurrentMs = since(startedAt);
    },
  );
  const restartComponent = async (name: string, figures: Record<string, number>): Promise<void> => {
    const c = d.component(name);
    await c.kill();
    await sleep(o.downMs);
    const startedAt = Date.now();
    await c.start();
    figures.restartMs = since(startedAt);
  };
  await strike(0.35, 'SIGKILL bridge', () => Promise.resolve('bridge-1'), restartComponent);
  await strike(0.55, 'SIGKILL worker', () => Promise.resolve('worker-1'), restartComponent);
  await strike(
    0.75,
    'SIGKILL and restart',
    () => Promise.resolve('temporal'),
    async (_name, figures) => {
      const startedAt = Date.now();
      await temporal.restart({ kill: true });
      figures.restartMs = since(startedAt);
    },
  );
  return records;
}
