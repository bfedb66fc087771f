/**
 * The Temporal server's configuration for the cluster tests: one process running the frontend,
 * history, matching and worker services (as config/development-postgres12.yaml of the server's
 * source), every gRPC, HTTP and membership port a free loopback port, persistence and visibility
 * on PostgreSQL. Written as JSON, which the server's YAML loader reads as it is.
 */
import fs from 'node:fs';
import path from 'node:path';

import { isPortFree } from '../../local/servers/ports';
import { PRIORITY_AND_FAIRNESS } from '../../local/servers/temporal-server';
import type { PostgresTarget } from './postgres';
import { POSTGRES_PLUGIN } from './temporal-sql-tool';

/** The `--env` name: the server reads <config dir>/<env>.yaml. */
export const CONFIG_ENV = 'orderflow';

/** Few shards: one process owns them all, and each costs a moment on every (re)start. */
const HISTORY_SHARDS = 4;

const SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;

export interface ServicePorts {
  readonly grpc: number;
  readonly membership: number;
}

export interface TemporalPorts {
  readonly services: Readonly<Record<(typeof SERVICES)[number], ServicePorts>>;
  /** The frontend's HTTP API (and Nexus callbacks). */
  readonly frontendHttp: number;
}

/**
 * Ports below 32768: the PostgreSQL schema keeps a member's port in a smallint (the server
 * refuses to start on a larger one), and Linux hands out ephemeral ports from 32768 up, so a
 * port here is also never taken by some process's outgoing connection meanwhile.
 */
const PORT_RANGE = { low: 20_000, high: 32_767 } as const;

export async function freeTemporalPorts(): Promise<TemporalPorts> {
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const port = PORT_RANGE.low + Math.floor(Math.random() * (PORT_RANGE.high - PORT_RANGE.low + 1));
      if (!taken.has(port) && (await isPortFree(port))) return (taken.add(port), port);
    }
  };
  const services = {} as Record<(typeof SERVICES)[number], ServicePorts>;
  for (const name of SERVICES) services[name] = { grpc: await next(), membership: await next() };
  return { services, frontendHttp: await next() };
}

export interface TemporalDatabases {
  readonly default: string;
  readonly visibility: string;
}

/**
 * Dynamic config: search attributes registered a moment ago are usable at once (the cache is
 * bypassed), and visibility queries are not throttled below what status --seq and the checkers
 * ask (the dev server raises the same limit). Priority and fairness on, as on the dev server.
 */
const DYNAMIC_CONFIG: Readonly<Record<string, unknown>> = {
  ...PRIORITY_AND_FAIRNESS,
  'system.forceSearchAttributesCacheRefreshOnRead': true,
  'frontend.namespaceRPS.visibility': 100,
  'history.hostLevelCacheMaxSize': 8192,
  'limit.maxIDLength': 255,
};

function datastore(target: PostgresTarget, database: string, maxConns: number): Record<string, unknown> {
  return {
    sql: {
      pluginName: POSTGRES_PLUGIN,
      databaseName: database,
      connectAddr: `${target.host}:${target.port}`,
      connectProtocol: 'tcp',
      user: target.user,
      password: target.password,
      // Each service of the process keeps pools of its own: small ones stay within PostgreSQL's
      // default 100 connections on a server others use too.
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  };
}

export function serverConfig(
  ports: TemporalPorts,
  target: PostgresTarget,
  databases: TemporalDatabases,
  dynamicConfigFile: string,
): Record<string, unknown> {
  const frontend = `127.0.0.1:${ports.services.frontend.grpc}`;
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: HISTORY_SHARDS,
      datastores: {
        'postgres-default': datastore(target, databases.default, 8),
        'postgres-visibility': datastore(target, databases.visibility, 2),
      },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: Object.fromEntries(
      SERVICES.map((name) => [
        name,
        {
          rpc: {
            grpcPort: ports.services[name].grpc,
            membershipPort: ports.services[name].membership,
            bindOnIP: '127.0.0.1',
            ...(name === 'frontend' ? { httpPort: ports.frontendHttp } : {}),
          },
        },
      ]),
    ),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcAddress: frontend,
          httpAddress: `127.0.0.1:${ports.frontendHttp}`,
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  };
}

/** Writes <configDir>/orderflow.yaml and the dynamic config beside it. */
export function writeServerConfig(
  configDir: string,
  ports: TemporalPorts,
  target: PostgresTarget,
  databases: TemporalDatabases,
): void {
  fs.mkdirSync(configDir, { recursive: true });
  const dynamicConfigFile = path.join(configDir, 'dynamic-config.yaml');
  const dynamic = Object.fromEntries(Object.entries(DYNAMIC_CONFIG).map(([key, value]) => [key, [{ value }]]));
  fs.writeFileSync(dynamicConfigFile, `${JSON.stringify(dynamic, null, 2)}\n`);
  const config = serverConfig(ports, target, databases, dynamicConfigFile);
  fs.writeFileSync(path.join(configDir, `${CONFIG_ENV}.yaml`), `${JSON.stringify(config, null, 2)}\n`);
}
