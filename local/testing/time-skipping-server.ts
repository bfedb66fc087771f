/**
 * The Temporal server the testing kit's pipeline tests run on: Temporal's own server (the
 * `temporal-time-skipping` tool of scripts/tools.js, built from go.temporal.io/server) on
 * in-memory SQLite, with time skipping allowed (frontend.WorkflowTimeSkippingEnabled). A run
 * started with time skipping on (`skipTimeOnStart`) jumps over its timers and its activities'
 * retry backoffs whenever it has nothing else to do: a two-hour wait or a one-hour retry takes
 * well under a second. Activities still run in real time, and so does JetStream.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { ConnectionLike } from '@temporalio/client';
import { msToTs } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

import { openConnection } from '../../shared/temporal/connect';
import { LaunchedServer } from '../servers/launched-server';
import { freePort } from '../servers/ports';
import { ManagedProcess, waitUntilReady } from '../servers/process';

export interface TimeSkippingServerOptions {
  /** Path of the server binary (`temporal-time-skipping`). */
  readonly binary: string;
  /** Folder for its config files (its data is in memory). */
  readonly dir: string;
  /** How long startup may take, in milliseconds. Default: 60000. */
  readonly startTimeoutMs?: number;
}

const NAMESPACE = 'default';
const READY_CHECK_TIMEOUT_MS = 1000;
/** A day: the shortest retention the server takes; the data is gone when the server stops anyway. */
const RETENTION = '1 day';

/**
 * The server's dynamic config. The timer queue may fire a timer up to `timerProcessorMaxTimeShift`
 * late (1 s by default), and every skip waits for it: 50 ms makes a skip take tens of milliseconds.
 * One partition per task queue: with the default four, a test's few pollers leave a new task
 * where none waits for seconds (local/servers/temporal-server.ts says more).
 */
const DYNAMIC_CONFIG = `frontend.WorkflowTimeSkippingEnabled:
  - value: true
history.timerProcessorMaxTimeShift:
  - value: 50ms
matching.numTaskqueueWritePartitions:
  - value: 1
matching.numTaskqueueReadPartitions:
  - value: 1
`;

function sqliteStore(): string {
  return `      sql:
        pluginName: sqlite
        databaseName: default
        connectAddr: localhost
        connectProtocol: tcp
        connectAttributes:
          mode: memory
          cache: private
        maxConns: 1
        maxIdleConns: 1
        maxConnLifetime: 1h`;
}

function service(grpcPort: number, membershipPort: number, httpPort?: number): string {
  return [
    `    rpc:`,
    `      grpcPort: ${grpcPort}`,
    `      membershipPort: ${membershipPort}`,
    `      bindOnLocalHost: true`,
    ...(httpPort ? [`      httpPort: ${httpPort}`] : []),
  ].join('\n');
}

/** The server's static config: one process running every service on loopback ports. */
function serverConfig(ports: readonly number[], dynamicConfigFile: string): string {
  const [frontend, frontendHttp, history, matching, worker, m1, m2, m3, m4] = ports as [number, ...number[]];
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: sqlite-default
  visibilityStore: sqlite-visibility
  numHistoryShards: 1
  datastores:
    sqlite-default:
${sqliteStore()}
    sqlite-visibility:
${sqliteStore()}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:
${service(frontend, m1!, frontendHttp)}
  history:
${service(history!, m2!)}
  matching:
${service(matching!, m3!)}
  worker:
${service(worker!, m4!)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:${frontend}
      httpAddress: 127.0.0.1:${frontendHttp}
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${JSON.stringify(dynamicConfigFile)}
  pollInterval: 10s
`;
}

export class TimeSkippingServer extends LaunchedServer {
  private port = 0;

  private constructor(readonly options: TimeSkippingServerOptions) {
    super();
  }

  /** Starts the server on free ports and creates its `default` namespace. */
  static async start(options: TimeSkippingServerOptions): Promise<TimeSkippingServer> {
    const server = new TimeSkippingServer(options);
    await server.launch();
    return server;
  }

  /** host:port of the gRPC frontend. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  get namespace(): string {
    return NAMESPACE;
  }

  protected async launch(): Promise<void> {
    const { dir } = this.options;
    fs.mkdirSync(dir, { recursive: true });
    const ports = await Promise.all(Array.from({ length: 9 }, () => freePort()));
    this.port = ports[0]!;
    const dynamicConfig = path.join(dir, 'dynamic-config.yaml');
    const config = path.join(dir, 'server.yaml');
    fs.writeFileSync(dynamicConfig, DYNAMIC_CONFIG);
    fs.writeFileSync(config, serverConfig(ports, dynamicConfig));
    const proc = new ManagedProcess({
      name: 'temporal (time skipping)',
      binary: this.options.binary,
      args: ['--config-file', config, '--allow-no-auth', 'start'],
      logFile: path.join(dir, 'server.log'),
    });
    this.proc = proc;
    await waitUntilReady(proc, () => this.namespaceReady(), {
      timeoutMs: this.options.startTimeoutMs ?? 60_000,
      intervalMs: 100,
    });
  }

  /** True once the namespace exists; creates it when the frontend answers without it (the data is in memory). */
  private async namespaceReady(): Promise<boolean> {
    const connection = await openConnection({ address: this.address, connectTimeout: READY_CHECK_TIMEOUT_MS });
    try {
      return await connection.withDeadline(Date.now() + READY_CHECK_TIMEOUT_MS, async () => {
        try {
          await connection.workflowService.describeNamespace({ namespace: NAMESPACE });
        } catch {
          await connection.workflowService.registerNamespace({
            namespace: NAMESPACE,
            workflowExecutionRetentionPeriod: msToTs(RETENTION),
          });
          return false; // checked again on the next poll
        }
        // The frontend knows a new namespace at once; matching only once its cache refreshes, and a
        // worker polling before then waits seconds for its first task. Matching answering for the
        // namespace is the sign.
        await connection.workflowService.describeTaskQueue({
          namespace: NAMESPACE,
          taskQueue: { name: 'orderflow-readiness' },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        });
        return true;
      });
    } catch {
      return false;
    } finally {
      await connection.close();
    }
  }
}

/**
 * Makes every workflow started through `connection` skip time (TimeSkippingConfig on the start
 * request). The SDK's client has no option for it yet, though its protos carry the field; this is
 * the one place that sets it, for connections the testing kit owns.
 */
export function skipTimeOnStart(connection: ConnectionLike): void {
  const service = connection.workflowService;
  const start = service.startWorkflowExecution.bind(service);
  service.startWorkflowExecution = ((request: Parameters<typeof start>[0]) =>
    start({ ...request, timeSkippingConfig: { enabled: true } })) as typeof service.startWorkflowExecution;
}
