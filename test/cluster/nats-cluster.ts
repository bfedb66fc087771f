/**
 * A NATS cluster on loopback for the cluster tests: three nats-server processes (the pinned
 * build), each with a free client and cluster port, its own store folder and config file,
 * `server_name` n1..n3, JetStream on and routes to the others. Each runs in a process group of its
 * own, is listed in the test pid registry and dies with the test process (killChildrenOnExit);
 * any node can be SIGKILLed and started again on the same ports and store.
 */
import fs from 'node:fs';
import path from 'node:path';

import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

import { LaunchedServer } from '../../local/servers/launched-server';
import { freePort } from '../../local/servers/ports';
import { ManagedProcess, waitUntilReady } from '../../local/servers/process';
import { toolPath } from '../harness/tools';

export interface NatsClusterOptions {
  /** Folder for the nodes' stores, configs and logs (one sub-folder per node). */
  readonly dataDir: string;
  /** Nodes in the cluster. Default: 3. */
  readonly size?: number;
  /** nats-server binary. Default: the pinned build. */
  readonly binary?: string;
  /** The cluster's name in every node's config. Default: orderflow. */
  readonly name?: string;
  /** How long one node's start may take, in ms. Default: 20000. */
  readonly startTimeoutMs?: number;
}

interface NodeSpec {
  readonly name: string;
  readonly clientPort: number;
  readonly clusterPort: number;
  readonly dir: string;
}

const HOST = '127.0.0.1';

/** One node's config: its ports, its store, and routes to every other node's cluster port. */
export function nodeConfig(node: NodeSpec, all: readonly NodeSpec[], clusterName: string): string {
  const routes = all.filter((n) => n !== node).map((n) => `    "nats-route://${HOST}:${n.clusterPort}"`);
  return [
    `server_name: ${node.name}`,
    `listen: "${HOST}:${node.clientPort}"`,
    `jetstream {`,
    `  store_dir: ${JSON.stringify(path.join(node.dir, 'store'))}`,
    `}`,
    `cluster {`,
    `  name: ${clusterName}`,
    `  listen: "${HOST}:${node.clusterPort}"`,
    `  routes: [`,
    ...routes,
    `  ]`,
    `}`,
    '',
  ].join('\n');
}

/** One node: its config written once, so a restart comes back on the same ports and store. */
export class ClusterNode extends LaunchedServer {
  constructor(
    readonly spec: NodeSpec,
    private readonly binary: string,
    private readonly startTimeoutMs: number,
  ) {
    super();
  }

  get name(): string {
    return this.spec.name;
  }

  get url(): string {
    return `nats://${HOST}:${this.spec.clientPort}`;
  }

  get configFile(): string {
    return path.join(this.spec.dir, 'nats.conf');
  }

  get logFile(): string {
    return path.join(this.spec.dir, 'nats-server.log');
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  protected async launch(): Promise<void> {
    const proc = new ManagedProcess({
      name: `nats-server ${this.name}`,
      binary: this.binary,
      args: ['-c', this.configFile],
      logFile: this.logFile,
      pidRegistryDir: process.env.ORDERFLOW_TEST_PID_REGISTRY,
      ownProcessGroup: true,
    });
    this.proc = proc;
    await waitUntilReady(proc, () => Promise.resolve(proc.output.includes('Server is ready')), {
      timeoutMs: this.startTimeoutMs,
      intervalMs: 50,
    });
  }

  /** Starts the node (first time, or again after kill/stop); resolves once its JetStream answers. */
  async start(): Promise<void> {
    if (!this.running) await this.launch();
    await this.waitForJetStream();
  }

  /**
   * "Server is ready" comes before the cluster has a JetStream meta leader: until one is elected
   * (and this node knows it), the JetStream API times out.
   */
  private async waitForJetStream(): Promise<void> {
    const deadline = Date.now() + this.startTimeoutMs;
    const nc = await connect({ servers: this.url, reconnect: false });
    try {
      for (;;) {
        try {
          await jetstreamManager(nc, { timeout: 1000 });
          return;
        } catch (err) {
          if (Date.now() > deadline || !this.running)
            throw new Error(`${this.name}: JetStream not available`, { cause: err });
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } finally {
      await nc.close();
    }
  }
}

export interface NatsCluster {
  readonly nodes: readonly ClusterNode[];
  /** Every node's client URL, comma-separated, as `--nats-url` and NATS_URL take them. */
  readonly urls: string;
  /** The same, as a list (for connectNats' servers). */
  readonly servers: readonly string[];
  node(name: string): ClusterNode;
  /** SIGKILL: the node crashes with no chance to flush. */
  kill(name: string): Promise<void>;
  /** Starts a killed or stopped node on its ports and store; resolves once it serves clients. */
  start(name: string): Promise<void>;
  /** Stops every node (SIGTERM, then SIGKILL). Idempotent; leaves dataDir to its owner. */
  stop(): Promise<void>;
}

export async function startNatsCluster(options: NatsClusterOptions): Promise<NatsCluster> {
  const size = options.size ?? 3;
  const specs: NodeSpec[] = [];
  for (let i = 1; i <= size; i += 1) {
    const name = `n${i}`;
    specs.push({
      name,
      clientPort: await freePort(),
      clusterPort: await freePort(),
      dir: path.join(options.dataDir, name),
    });
  }
  const binary = options.binary ?? toolPath('nats-server');
  const nodes = specs.map((spec) => {
    fs.mkdirSync(spec.dir, { recursive: true });
    fs.writeFileSync(path.join(spec.dir, 'nats.conf'), nodeConfig(spec, specs, options.name ?? 'orderflow'));
    return new ClusterNode(spec, binary, options.startTimeoutMs ?? 20_000);
  });
  const stop = (): Promise<unknown> => Promise.all(nodes.map((n) => n.stop(5000)));
  try {
    // Together: each waits for routes to the others before JetStream elects its meta leader.
    await Promise.all(nodes.map((n) => n.start()));
  } catch (err) {
    await stop();
    throw err;
  }
  const node = (name: string): ClusterNode => {
    const found = nodes.find((n) => n.name === name);
    if (!found) throw new Error(`no node ${name} in the cluster (${nodes.map((n) => n.name).join(', ')})`);
    return found;
  };
  let stopping: Promise<unknown> | undefined;
  return {
    nodes,
    urls: nodes.map((n) => n.url).join(','),
    servers: nodes.map((n) => n.url),
    node,
    kill: (name) => node(name).kill(),
    start: (name) => node(name).start(),
    stop: async () => {
      await (stopping ??= stop());
    },
  };
}
