/**
 * The testing kit's pipeline runner: `const env = await startPipelineTest(pipeline)` runs the whole
 * pipeline in this process, as production runs it (the ORDERS topology on a nats-server of its
 * own, the bridge, a worker per task queue), on a Temporal server whose runs skip time: a function
 * retried after an hour's backoff finishes in about a second. `await env.runOrder(order)` publishes
 * an order and returns how it ended; `await env.stop()` stops it all and removes its data.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';

import type { Pipeline } from '../../activities/pipeline';
import { isPipeline } from '../../activities/pipeline';
import { durationMs, isOptionsObject, refuseUnknown } from '../../activities/define-checks';
import type { Duration } from '../../activities/types';
import { functionQueues } from '../../activities/plan';
import { Bridge } from '../../bridge/bridge';
import { publishOrders } from '../../operate/publish/publish';
import { bridgeOptions, workerOptions } from '../../shared/config/run-options';
import type { TemporalSettings } from '../../shared/config/temporal';
import { silentLogger } from '../../shared/log';
import { closeNats } from '../../shared/nats/close';
import { connectNats, jetStreamManagerFor } from '../../shared/nats/connect';
import { validateOrder } from '../../shared/orders/schema';
import { connectTemporal } from '../../shared/temporal/connect';
import { provisionTopology } from '../../shared/topology/provision';
import { ensureSupportObjects } from '../../shared/topology/support';
import { createOrderflowWorker, installRuntimeWithoutSignalHandlers } from '../../worker/worker';
import { StopSteps } from '../dev/stop-steps';
import { ensureBinary } from '../servers/binaries';
import { NatsServer } from '../servers/nats-server';
import { freePort, startWithPortRetry } from '../servers/ports';
import { KitError } from './kit-error';
import type { OrderOutcome } from './order-outcomes';
import { OrderOutcomes } from './order-outcomes';
import { TimeSkippingServer, skipTimeOnStart } from './time-skipping-server';

export type { OrderOutcome } from './order-outcomes';

export interface PipelineTestOptions {
  /** How long runOrder waits for an order to complete or be dead-lettered, in real time. Default: '60s'. */
  readonly orderTimeout?: Duration;
  /** Attempts of a failed stage before its order is dead-lettered (the bridge's --max-deliveries). Default: the bridge's. */
  readonly maxDeliveries?: number;
  /**
   * Told each line of progress while a server binary is missing and built with Go (once, minutes).
   * Default: written to stderr, so that a first test run says why it waits.
   */
  readonly onProgress?: (line: string) => void;
}

const OPTIONS = ['orderTimeout', 'maxDeliveries', 'onProgress'] satisfies Array<keyof PipelineTestOptions>;

function progressToStderr(line: string): void {
  process.stderr.write(`orderflow/testing: ${line}\n`);
}
const DEFAULT_ORDER_TIMEOUT_MS = 60_000;

export interface PipelineTest<P extends Pipeline = Pipeline> {
  /**
   * Publishes `order` to ORDERS.received and waits until it completed every stage (its results,
   * typed from the pipeline) or was dead-lettered (kind, reason). Throws KitError for an order the
   * bridge would refuse, and when neither happens within the order timeout.
   */
  runOrder(order: unknown, options?: { readonly timeout?: Duration }): Promise<OrderOutcome<P>>;
  /** Where the servers are, for a test that looks further (NATS_URL, TEMPORAL_ADDRESS). */
  readonly natsUrl: string;
  readonly temporalAddress: string;
  /** Stops the bridge, the workers and the servers, and removes their data. Idempotent. */
  stop(): Promise<void>;
}

/** The servers: a nats-server and the time-skipping Temporal server, both with data under `dir`. */
async function startServers(
  dir: string,
  steps: StopSteps,
  onProgress: (line: string) => void,
): Promise<{ natsUrl: string; temporal: TemporalSettings }> {
  const [natsBinary, temporalBinary] = await Promise.all([
    ensureBinary('nats-server', { onProgress }),
    ensureBinary('temporal-time-skipping', { onProgress }),
  ]);
  const [nats, temporal] = await Promise.all([
    startWithPortRetry(async () =>
      NatsServer.start({ binary: natsBinary, port: await freePort(), storeDir: path.join(dir, 'nats') }),
    ),
    startWithPortRetry(() => TimeSkippingServer.start({ binary: temporalBinary, dir: path.join(dir, 'temporal') })),
  ]);
  steps.add('nats-server', () => nats.stop());
  steps.add('Temporal server', () => temporal.stop());
  return { natsUrl: nats.url, temporal: { address: temporal.address, namespace: temporal.namespace, connection: {} } };
}

async function provisioned(natsUrl: string, steps: StopSteps): Promise<NatsConnection> {
  const nc = await connectNats({ servers: [natsUrl] }, { name: 'orderflow testing kit', reconnectForever: true });
  steps.add('NATS connection', () => closeNats(nc));
  const jsm = await jetStreamManagerFor(nc);
  await provisionTopology(jsm, nc.info?.version ?? 'unknown');
  await ensureSupportObjects(nc, jsm);
  return nc;
}

/** A worker for the pipeline's queue and one for each queue its functions name, run until stopped. */
async function startWorkers(nc: NatsConnection, temporal: TemporalSettings, pipeline: Pipeline, steps: StopSteps) {
  installRuntimeWithoutSignalHandlers({ quiet: true });
  const options = workerOptions({ shutdownGraceMs: '2000' }, {});
  for (const taskQueue of new Set([options.taskQueue, ...functionQueues(pipeline, options.taskQueue)])) {
    const worker = await createOrderflowWorker({
      nc,
      temporal,
      options: { ...options, taskQueue },
      pipeline,
      build: 'test',
    });
    const running = worker.run();
    steps.add(`worker on ${taskQueue}`, async () => {
      worker.shutdown();
      await running;
    });
  }
}

/** The bridge, on a client whose workflow starts skip time; quick naks, so a failing order ends in seconds. */
async function startBridge(nc: NatsConnection, temporal: TemporalSettings, steps: StopSteps, maxDeliveries?: number) {
  const client: Client = await connectTemporal(temporal);
  steps.add('Temporal client', () => client.connection.close());
  skipTimeOnStart(client.connection);
  const flags = {
    nakDelayMs: '100',
    nakDelayMaxMs: '500',
    shutdownGraceMs: '2000',
    fetchExpiresMs: '1000',
    ...(maxDeliveries !== undefined ? { maxDeliveries: String(maxDeliveries) } : {}),
  };
  const bridge = new Bridge({ nc, client, logger: silentLogger }, bridgeOptions(flags, {}));
  await bridge.start();
  steps.add('bridge', () => bridge.close());
}

function checkOptions(pipeline: unknown, options: PipelineTestOptions): number {
  if (!isPipeline(pipeline)) throw new KitError('startPipelineTest: give the pipeline, definePipeline({ ... })');
  if (!isOptionsObject(options)) throw new KitError('startPipelineTest: options must be an object');
  try {
    refuseUnknown('startPipelineTest options', options, OPTIONS);
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
      throw new KitError('startPipelineTest onProgress: give a function of one line, (line) => ...');
    }
    return durationMs('startPipelineTest orderTimeout', options.orderTimeout, DEFAULT_ORDER_TIMEOUT_MS, 1);
  } catch (err) {
    throw new KitError((err as Error).message);
  }
}

/** Starts the pipeline's whole system in this process; see the module's comment. */
export async function startPipelineTest<P extends Pipeline>(
  pipeline: P,
  options: PipelineTestOptions = {},
): Promise<PipelineTest<P>> {
  const orderTimeoutMs = checkOptions(pipeline, options);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-test-'));
  const steps = new StopSteps(silentLogger);
  steps.add('data folder', () => fs.rmSync(dir, { recursive: true, force: true }));
  try {
    const { natsUrl, temporal } = await startServers(dir, steps, options.onProgress ?? progressToStderr);
    const nc = await provisioned(natsUrl, steps);
    const outcomes = new OrderOutcomes(nc);
    steps.add('outcome watch', () => outcomes.close());
    await startWorkers(nc, temporal, pipeline, steps);
    await startBridge(nc, temporal, steps, options.maxDeliveries);
    return {
      natsUrl,
      temporalAddress: temporal.address,
      runOrder: (order, runOptions) => runOrder(nc, outcomes, order, runOptions?.timeout, orderTimeoutMs),
      stop: () => steps.stop(),
    };
  } catch (err) {
    await steps.stop();
    throw err;
  }
}

async function runOrder(
  nc: NatsConnection,
  outcomes: OrderOutcomes,
  order: unknown,
  timeout: Duration | undefined,
  defaultTimeoutMs: number,
): Promise<OrderOutcome> {
  const valid = validateOrder(order);
  if (!valid.ok) throw new KitError(`runOrder: the order is not valid: ${valid.rejection.detail}`);
  const timeoutMs = durationMs('runOrder timeout', timeout, defaultTimeoutMs, 1);
  const outcome = outcomes.outcomeOf(valid.order.orderId, timeoutMs);
  await publishOrders(jetstream(nc), [valid.order]);
  const ended = await outcome;
  if (!ended) {
    throw new KitError(
      `runOrder: order ${valid.order.orderId} neither completed nor was dead-lettered within ${timeoutMs} ms; see the functions' logs, or give a longer timeout`,
    );
  }
  return ended;
}
