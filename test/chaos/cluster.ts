/**
 * Everything the chaos run runs on: the harness's pipeline (nats-server and the Temporal dev
 * server on free ports with their own data, the topology with a short ack wait), two bridge
 * processes, two worker processes, and a link proxy in front of bridge-1's and worker-1's NATS
 * connection. Each is a nemesis target; ensureUp() brings everything back after the faults.
 */
import path from 'node:path';

import type { LaunchedServer } from '../../local/servers/launched-server';
import { CLI, ROOT } from '../harness/paths';
import type { Pipeline } from '../harness/pipeline';
import { startPipeline } from '../harness/pipeline';
import { stopAllServers } from '../harness/servers';
import { Component } from './component';
import { LinkProxy } from './link-proxy';
import type { FaultTarget } from './nemesis';
import type { FaultKind, TargetSpec } from './schedule';

export interface ClusterOptions {
  readonly natsBinary: string;
  /** Ack wait of NEW and DISPATCH, in ms: short, so redeliveries come within the run. */
  readonly ackWaitMs: number;
  /** Where process logs go. */
  readonly logDir: string;
  readonly counterUrl: string;
  /** Told of what processes did by themselves (exits, failed starts). */
  readonly report: (target: string, event: string, detail: string) => void;
}

/** Bridge settings for the run: quick naks and pulls, so failure paths finish in seconds. */
const BRIDGE_ENV = {
  ORDERFLOW_NAK_DELAY_MS: '200',
  ORDERFLOW_NAK_DELAY_MAX_MS: '1000',
  ORDERFLOW_FETCH_EXPIRES_MS: '1000',
  ORDERFLOW_SHUTDOWN_GRACE_MS: '5000',
  ORDERFLOW_METRICS_PORT: 'off',
};

/** The built worker fixture, whether this runs from test/ (jest) or dist/test/ (npm run chaos). */
const CHAOS_WORKER = path.join(ROOT, 'dist/test/chaos/chaos-worker.js');

const component = (name: string): TargetSpec => ({ name, kinds: ['kill', 'pause'], weight: 3, restartMs: 6000 });

/** What the nemesis may hit, and how often. */
export const TARGETS: readonly TargetSpec[] = [
  component('bridge-1'),
  component('bridge-2'),
  component('worker-1'),
  component('worker-2'),
  { name: 'nats', kinds: ['kill', 'pause'] as FaultKind[], weight: 2, restartMs: 3000 },
  { name: 'temporal', kinds: ['kill', 'pause'] as FaultKind[], weight: 1, restartMs: 15_000 },
  { name: 'link-bridge-1', kinds: ['cut'] as FaultKind[], weight: 2, restartMs: 0 },
  { name: 'link-worker-1', kinds: ['cut'] as FaultKind[], weight: 2, restartMs: 0 },
];

export interface Cluster {
  /** The runner's own view: connections straight to the servers (never through a proxy). */
  readonly pipeline: Pipeline;
  readonly targets: readonly FaultTarget[];
  /** Restarts whatever is down, resumes what is paused, heals links; resolves once all serve. */
  ensureUp(): Promise<void>;
  /** Stops bridges (SIGTERM), then workers, proxies, connections and servers. Idempotent. */
  stop(): Promise<void>;
}

function serverTarget(name: string, server: LaunchedServer): FaultTarget {
  return {
    name,
    inject: async (kind) => (kind === 'pause' ? server.pause() : server.kill()),
    recover: async (kind) => (kind === 'pause' ? server.resume() : server.restart()),
  };
}

function componentTarget(c: Component): FaultTarget {
  return {
    name: c.name,
    inject: async (kind) => (kind === 'pause' ? c.pause() : c.kill()),
    recover: async (kind) => (kind === 'pause' ? c.resume() : c.start()),
  };
}

function linkTarget(name: string, proxy: LinkProxy): FaultTarget {
  return { name, inject: () => Promise.resolve(proxy.cut()), recover: () => Promise.resolve(proxy.heal()) };
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const undo: Array<() => Promise<unknown>> = [stopAllServers];
  try {
    return await launch(options, undo);
  } catch (err) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw err;
  }
}

async function launch(options: ClusterOptions, undo: Array<() => Promise<unknown>>): Promise<Cluster> {
  const p = await startPipeline({ natsBinary: options.natsBinary, ackWaitMs: options.ackWaitMs });
  undo.push(p.stop);
  const natsPort = Number(new URL(p.nats.url).port);
  const links = { bridge: await LinkProxy.start(natsPort), worker: await LinkProxy.start(natsPort) };
  undo.push(() => Promise.all([links.bridge.close(), links.worker.close()]));
  const make = (name: string, args: string[], env: Record<string, string>, readyText: string): Component =>
    new Component(
      {
        name,
        args,
        env: { TEMPORAL_ADDRESS: p.temporal.address, ...env },
        readyText,
        logFile: path.join(options.logDir, `${name}.log`),
        ...(process.env.ORDERFLOW_TEST_PID_REGISTRY ? { pidRegistryDir: process.env.ORDERFLOW_TEST_PID_REGISTRY } : {}),
      },
      (event, detail) => options.report(name, event, detail),
    );
  const worker = (n: number, natsUrl: string): Component =>
    make(
      `worker-${n}`,
      [CHAOS_WORKER],
      {
        NATS_URL: natsUrl,
        CHAOS_COUNTER_URL: options.counterUrl,
        CHAOS_WORKER_NAME: `worker-${n}`,
        ORDERFLOW_SHUTDOWN_GRACE_MS: '5000',
      },
      'worker ready',
    );
  const bridge = (n: number, natsUrl: string): Component =>
    make(`bridge-${n}`, [CLI, 'bridge'], { ...BRIDGE_ENV, NATS_URL: natsUrl }, 'bridge consuming');
  const workers = [worker(1, links.worker.url), worker(2, p.nats.url)];
  const bridges = [bridge(1, links.bridge.url), bridge(2, p.nats.url)];
  const all = [...workers, ...bridges];
  undo.push(() => Promise.all(all.map((c) => c.stop(0))));
  for (const c of all) await c.start();
  let stopping: Promise<void> | undefined;
  return {
    pipeline: p,
    targets: [
      ...all.map(componentTarget),
      serverTarget('nats', p.nats),
      serverTarget('temporal', p.temporal),
      linkTarget('link-bridge-1', links.bridge),
      linkTarget('link-worker-1', links.worker),
    ],
    ensureUp: async () => {
      for (const server of [p.nats, p.temporal]) {
        server.resume();
        if (!server.process?.running) await server.restart();
      }
      links.bridge.heal();
      links.worker.heal();
      for (const c of all) c.resume();
      await Promise.all(all.map((c) => c.whenReady()));
    },
    stop: () =>
      (stopping ??= (async () => {
        // Bridges first, so none hands an order to a worker that is already gone.
        await Promise.all(bridges.map((c) => c.stop(10_000)));
        await Promise.all(workers.map((c) => c.stop(10_000)));
        for (const step of undo.reverse()) await step().catch(() => undefined);
      })()),
  };
}
