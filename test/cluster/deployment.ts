/**
 * orderflow deployed on the clusters as a user would: `orderflow provision --replicas 3` on the
 * NATS cluster (and the search attributes on Temporal), two `orderflow bridge` processes given all
 * three NATS URLs, and three workers: two on the pipeline's queue, one on the `payments` queue of
 * the fixture pipeline. Workers are the chaos worker (an `orderflow worker` whose applied effects
 * are reported to the effect counter). Each process is a chaos Component: SIGKILLable, restarted.
 */
import path from 'node:path';

import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { jetstream } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';

import { closeNats } from '../../shared/nats/close';
import { connectNats, jetStreamManagerFor } from '../../shared/nats/connect';
import { connectTemporal } from '../../shared/temporal/connect';
import { DEFAULT_TASK_QUEUE, EFFECTS_BUCKET } from '../../workflows/names';
import { Component } from '../chaos/component';
import { runCli } from '../harness/cli';
import { CLI, ROOT } from '../harness/paths';
import type { NatsCluster } from './nats-cluster';
import type { TemporalCluster } from './temporal-cluster';
import { PAYMENTS_QUEUE } from './payments-pipeline';

/** Built by the pretest step (tsc): the worker fixture and the pipeline module, as processes load them. */
const WORKER = path.join(ROOT, 'dist/test/chaos/chaos-worker.js');
const FUNCTIONS = path.join(ROOT, 'dist/test/cluster/payments-pipeline.js');

export interface DeploymentOptions {
  readonly nats: NatsCluster;
  readonly temporal: TemporalCluster;
  /** Where each process's log goes (<name>.log). */
  readonly logDir: string;
  readonly counterUrl: string;
  /** Told of what processes did by themselves (exits, failed starts). */
  readonly report: (target: string, event: string, detail: string) => void;
}

/** The test's own connections to the clusters (all three NATS nodes), for observe() and settle(). */
export interface Clients {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly kv: KV;
  readonly client: Client;
}

export interface Deployment {
  readonly clients: Clients;
  readonly bridges: readonly Component[];
  /** worker-1 and worker-2 on the pipeline's queue, worker-3 on `payments`. */
  readonly workers: readonly Component[];
  component(name: string): Component;
  /** Whatever is down comes back; resolves once every process is ready. */
  ensureUp(): Promise<void>;
  /** Bridges (SIGTERM), then workers, then the connections. Idempotent; the clusters are the caller's. */
  stop(): Promise<void>;
}

/** `orderflow provision --replicas 3` with Temporal configured (so its search attributes too). */
export async function provisionCluster(nats: NatsCluster, temporal: TemporalCluster): Promise<string> {
  const result = await runCli(['provision', '--replicas', '3'], {
    env: { NATS_URL: nats.urls, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: temporal.namespace },
    timeoutMs: 120_000,
  });
  if (result.code !== 0) throw new Error(`provision failed (${result.code}):\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

async function connectClients(nats: NatsCluster, temporal: TemporalCluster): Promise<Clients> {
  const nc = await connectNats({ servers: nats.servers }, { name: 'cluster test', reconnectForever: true });
  try {
    const client = await connectTemporal({ address: temporal.address, namespace: temporal.namespace, connection: {} });
    return {
      nc,
      js: jetstream(nc),
      jsm: await jetStreamManagerFor(nc),
      kv: await new Kvm(nc).open(EFFECTS_BUCKET),
      client,
    };
  } catch (err) {
    await nc.close();
    throw err;
  }
}

export async function startDeployment(options: DeploymentOptions): Promise<Deployment> {
  const { nats, temporal } = options;
  const clients = await connectClients(nats, temporal);
  const common = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: temporal.namespace,
    ORDERFLOW_FUNCTIONS: FUNCTIONS,
    ORDERFLOW_SHUTDOWN_GRACE_MS: '5000',
  };
  const make = (name: string, args: string[], env: Record<string, string>, readyText: string): Component =>
    new Component(
      {
        name,
        args,
        env: { ...common, ...env },
        readyText,
        logFile: path.join(options.logDir, `${name}.log`),
        ...(process.env.ORDERFLOW_TEST_PID_REGISTRY ? { pidRegistryDir: process.env.ORDERFLOW_TEST_PID_REGISTRY } : {}),
      },
      (event, detail) => options.report(name, event, detail),
    );
  const worker = (n: number, queue: string): Component =>
    make(
      `worker-${n}`,
      [WORKER],
      {
        NATS_URL: nats.urls,
        ORDERFLOW_TASK_QUEUE: queue,
        CHAOS_COUNTER_URL: options.counterUrl,
        CHAOS_WORKER_NAME: `worker-${n}`,
      },
      'worker ready',
    );
  // Production settings but for the metrics port, which two bridges on one host cannot share.
  const bridge = (n: number): Component =>
    make(
      `bridge-${n}`,
      [CLI, 'bridge', '--nats-url', nats.urls],
      { ORDERFLOW_METRICS_PORT: 'off' },
      'bridge consuming',
    );
  const workers = [worker(1, DEFAULT_TASK_QUEUE), worker(2, DEFAULT_TASK_QUEUE), worker(3, PAYMENTS_QUEUE)];
  const bridges = [bridge(1), bridge(2)];
  const all = [...workers, ...bridges];
  const closeClients = async (): Promise<void> => {
    await closeNats(clients.nc).catch(() => undefined);
    await clients.client.connection.close().catch(() => undefined);
  };
  try {
    for (const c of all) await c.start();
  } catch (err) {
    await Promise.all(all.map((c) => c.stop(0)));
    await closeClients();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    clients,
    bridges,
    workers,
    component: (name) => {
      const found = all.find((c) => c.name === name);
      if (!found) throw new Error(`no component ${name}`);
      return found;
    },
    ensureUp: async () => {
      await Promise.all(all.map((c) => c.whenReady()));
    },
    stop: () =>
      (stopping ??= (async () => {
        // Bridges first, so none hands an order to a worker that is already gone.
        await Promise.all(bridges.map((c) => c.stop(15_000)));
        await Promise.all(workers.map((c) => c.stop(10_000)));
        await closeClients();
      })()),
  };
}
