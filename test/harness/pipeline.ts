/**
 * A whole orderflow pipeline on real servers for integration tests: NATS + Temporal started by
 * the harness, topology provisioned, and bridges and workers either in this process or as their
 * own processes (to be SIGKILLed). Everything started here is stopped after the test file.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';

import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { KV } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { Client } from '@temporalio/client';

import type { Pipeline as FunctionsPipeline } from '../../activities/define';
import type { BridgeOptions } from '../../shared/config/run-options';
import { bridgeOptions, workerOptions } from '../../shared/config/run-options';
import type { TemporalSettings } from '../../shared/config/temporal';
import { EFFECTS_BUCKET, STREAM } from '../../workflows/names';
import { Bridge } from '../../bridge/bridge';
import { silentLogger } from '../../shared/log';
import { connectNats, jetStreamManagerFor } from '../../shared/nats/connect';
import type { NatsServer } from '../../local/servers/nats-server';
import type { TemporalServer } from '../../local/servers/temporal-server';
import { connectTemporal } from '../../shared/temporal/connect';
import { provisionTopology } from '../../shared/topology/provision';
import { ensureSupportObjects } from '../../shared/topology/support';
import type { OrderflowWorker } from '../../worker/worker';
import { createOrderflowWorker, installRuntimeWithoutSignalHandlers } from '../../worker/worker';
import { cleanEnv } from './cli';
import { CLI, FAULTY_WORKER, WORKFLOW_BUNDLE } from './paths';
import type { FaultPlan } from './faults';
import { withFaults } from './faults';
import { startNats, startTemporal } from './servers';

export * from './pipeline-reads';

export interface Pipeline {
  readonly nats: NatsServer;
  readonly temporal: TemporalServer;
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly js: JetStreamClient;
  readonly kv: KV;
  readonly client: Client;
  readonly temporalSettings: TemporalSettings;
  /** NATS_URL and TEMPORAL_ADDRESS for processes. */
  readonly env: Record<string, string>;
  /**
   * Stops the components, closes this pipeline's connections and stops its servers, so a file
   * that runs one pipeline per nats-server version holds one Temporal at a time. Idempotent.
   */
  readonly stop: () => Promise<void>;
}

export interface PipelineOptions {
  /** nats-server binary to run (see natsServerVersions()). Default: the pinned build. */
  readonly natsBinary?: string;
  /** Ack wait of NEW and DISPATCH, in milliseconds. Default: the topology's (production) value. */
  readonly ackWaitMs?: number;
  /** Dynamic config values of the Temporal server, beside the dev server's own. Default: none. */
  readonly temporalDynamicConfig?: Record<string, string | number | boolean>;
}

/** Bridges, workers and processes: stopped after each test (stopComponents). */
const cleanups: Array<() => Promise<unknown>> = [];
/** The pipeline's own connections: closed after the test file. */
const connections: Array<() => Promise<unknown>> = [];

/** Closes a test's own connection after the test file, before its servers stop. */
export function closeAfterFile(close: () => Promise<unknown>): void {
  connections.push(close);
}

/** Stops every bridge, worker and process started so far, newest first. */
export async function stopComponents(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
}

/** Stops the components, then closes the pipelines' connections. */
export async function stopPipelines(): Promise<void> {
  await stopComponents();
  for (const close of connections.splice(0).reverse()) await close().catch(() => undefined);
}

export async function startPipeline(options: PipelineOptions = {}): Promise<Pipeline> {
  const nats = await startNats(options.natsBinary ? { binary: options.natsBinary } : {});
  const temporal = await startTemporal(
    options.temporalDynamicConfig ? { dynamicConfig: options.temporalDynamicConfig } : {},
  );
  const own: Array<() => Promise<unknown>> = [];
  const nc = await connectNats({ servers: [nats.url] }, { reconnectForever: true });
  own.push(() => nc.close());
  const jsm = await jetStreamManagerFor(nc);
  await provisionTopology(jsm, nc.info?.version ?? '');
  await ensureSupportObjects(nc, jsm);
  if (options.ackWaitMs) {
    // Shorter than the production 30 s, so redeliveries after a crash come within the test's time.
    for (const name of ['NEW', 'DISPATCH'])
      await jsm.consumers.update(STREAM, name, { ack_wait: options.ackWaitMs * 1e6 });
  }
  const temporalSettings: TemporalSettings = { address: temporal.address, namespace: 'default', connection: {} };
  const client = await connectTemporal(temporalSettings);
  own.push(() => client.connection.close());
  const closeOwn = async (): Promise<void> => {
    for (const close of own.splice(0).reverse()) await close().catch(() => undefined);
  };
  connections.push(closeOwn);
  return {
    nats,
    temporal,
    nc,
    jsm,
    js: jetstream(nc),
    kv: await new Kvm(nc).open(EFFECTS_BUCKET),
    client,
    temporalSettings,
    env: { NATS_URL: nats.url, TEMPORAL_ADDRESS: temporal.address },
    stop: async () => {
      await stopComponents();
      await closeOwn();
      await Promise.all([nats.stop(5000), temporal.stop(5000)]);
    },
  };
}

/** What an in-process worker hosts, when not the demo pipeline under its derived build. */
export interface WorkerHosting {
  readonly pipeline?: FunctionsPipeline;
  readonly build?: string;
}

export async function startWorker(
  p: Pipeline,
  faults?: FaultPlan | FaultPlan[],
  hosting: WorkerHosting = {},
): Promise<OrderflowWorker> {
  installRuntimeWithoutSignalHandlers();
  const nc = await connectNats({ servers: [p.nats.url] }, { reconnectForever: true });
  const worker = await createOrderflowWorker({
    nc,
    temporal: p.temporalSettings,
    options: workerOptions({ shutdownGraceMs: '5000' }, {}),
    workflowBundlePath: WORKFLOW_BUNDLE,
    ...(faults ? { wrapEffects: withFaults(faults) } : {}),
    ...(hosting.pipeline ? { pipeline: hosting.pipeline } : {}),
    ...(hosting.build ? { build: hosting.build } : {}),
  }).catch(async (err: unknown) => {
    await nc.close();
    throw err;
  });
  const running = worker.run();
  cleanups.push(async () => {
    worker.shutdown();
    await running;
    await nc.close();
  });
  return worker;
}

/** Stops a worker and waits until it has stopped: its running activities have ended. */
export async function stopWorker(worker: OrderflowWorker): Promise<void> {
  worker.shutdown();
  await worker.run();
}

/** Test defaults: quick naks, so failure paths finish in seconds. */
export function testBridgeOptions(overrides: Record<string, string> = {}): BridgeOptions {
  return bridgeOptions(
    { nakDelayMs: '200', nakDelayMaxMs: '1000', shutdownGraceMs: '10000', fetchExpiresMs: '1000', ...overrides },
    {},
  );
}

export async function startBridge(p: Pipeline, overrides: Record<string, string> = {}): Promise<Bridge> {
  const nc = await connectNats({ servers: [p.nats.url] }, { reconnectForever: true });
  const client = await connectTemporal(p.temporalSettings);
  const probeClient = await connectTemporal(p.temporalSettings, { retries: false });
  const bridge = new Bridge({ nc, client, probeClient, logger: silentLogger }, testBridgeOptions(overrides));
  await bridge.start();
  cleanups.push(async () => {
    await bridge.close();
    await nc.close();
    await client.connection.close();
    await probeClient.connection.close();
  });
  return bridge;
}

/** A process, killed after the test file if still running. */
function track(child: ChildProcess): ChildProcess {
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  });
  return child;
}

function waitForOutput(child: ChildProcess, text: string, timeoutMs = 30_000): Promise<void> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${timeoutMs} ms:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited (${code}) before "${text}":\n${seen}`)));
  });
}

/** `orderflow bridge` as its own process, not waited for. */
export function spawnBridgeProcess(p: Pick<Pipeline, 'env'>, env: Record<string, string> = {}): ChildProcess {
  return track(
    spawn(process.execPath, [CLI, 'bridge'], {
      env: cleanEnv({
        ...p.env,
        ORDERFLOW_NAK_DELAY_MS: '200',
        ORDERFLOW_NAK_DELAY_MAX_MS: '1000',
        ORDERFLOW_FETCH_EXPIRES_MS: '1000',
        ORDERFLOW_METRICS_PORT: '0',
        ...env,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

/** `orderflow bridge` as its own process, once it consumes. */
export async function spawnBridge(p: Pick<Pipeline, 'env'>, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawnBridgeProcess(p, env);
  await waitForOutput(child, 'bridge consuming');
  return child;
}

/** `orderflow worker` as its own process, as operators run it, once it polls. */
export async function spawnCliWorker(
  p: Pick<Pipeline, 'env'>,
  args: readonly string[] = [],
  env: Record<string, string> = {},
): Promise<ChildProcess> {
  const child = track(
    spawn(process.execPath, [CLI, 'worker', ...args], {
      env: cleanEnv({ ...p.env, ORDERFLOW_METRICS_PORT: '0', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  await waitForOutput(child, 'worker running');
  return child;
}

/** A worker process with injected faults (FAULT_* variables; see faults.ts). */
export async function spawnWorker(p: Pick<Pipeline, 'env'>, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = track(
    spawn(process.execPath, [FAULTY_WORKER], {
      env: cleanEnv({ ...p.env, ORDERFLOW_SHUTDOWN_GRACE_MS: '5000', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  await waitForOutput(child, 'worker ready');
  return child;
}

export async function killProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}
