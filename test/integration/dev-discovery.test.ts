/**
 * Commands run in an `orderflow dev` folder find that dev's servers (issue 21, item 7): dev puts
 * NATS on a free port when 4222 is taken (on this machine a nats-server of its own holds it),
 * and a command given no address used to talk to whatever answered on 4222. Now dev writes where
 * its servers are into its data folder while it runs, every other command without a server named
 * uses them and says so in one stderr line (stdout stays its output), a named server still wins,
 * a command reaching an ORDERS stream that is not the one dev provisioned warns naming both, and
 * a command left to the defaults (no dev running, or one that was killed) says what it chose.
 * dev also serves /metrics, /healthz and /readyz for its bridge and workers, listed in its summary.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

import { DEV_SERVERS_FILE } from '../../local/dev/servers-file';
import { isProcessAlive } from '../../local/servers/process';
import { streamConfig } from '../../shared/config/topology';
import type { CliResult } from '../harness/cli';
import { CLI, cleanEnv, expectNoStackTrace, runCli } from '../harness/cli';
import { metric } from '../harness/metrics';
import { waitFor } from '../harness/pipeline';
import { startNats } from '../harness/servers';

interface Dev {
  readonly child: ChildProcess;
  readonly natsUrl: string;
  readonly temporalAddress: string;
  readonly metricsUrl: string;
  /** The servers it started, from its log. */
  readonly serverPids: number[];
  readonly output: () => string;
}

/** `orderflow dev` started in `cwd` with its data in `cwd/.data` and nothing of NATS or Temporal in its environment. */
async function startDev(cwd: string): Promise<Dev> {
  const child = spawn(process.execPath, [CLI, 'dev'], { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const summary = (pattern: RegExp): string => {
    const found = pattern.exec(output)?.[1];
    if (found === undefined) throw new Error(`dev's summary has no ${String(pattern)}:\n${output}`);
    return found;
  };
  try {
    await waitFor(
      'dev up',
      () => {
        if (child.exitCode !== null) throw new Error(`dev exited (${child.exitCode}):\n${output}`);
        return Promise.resolve(output.includes('Press Ctrl-C to stop.'));
      },
      90_000,
    );
    return {
      child,
      natsUrl: summary(/NATS\s+(nats:\/\/\S+)/),
      temporalAddress: summary(/Temporal\s+(\S+:\d+)/),
      metricsUrl: summary(/Metrics\s+(http:\/\/\S+)\/metrics/),
      serverPids: [...output.matchAll(/(?:nats-server|Temporal dev server) started.*?"pid":(\d+)/g)].map((m) =>
        Number(m[1]),
      ),
      output: () => output,
    };
  } catch (err) {
    // Not the dev this test expects: stopped, with what it started, rather than left running.
    child.kill('SIGINT');
    throw err;
  }
}

async function stopDev(dev: Dev, signal: NodeJS.Signals = 'SIGINT'): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => dev.child.once('exit', (code) => resolve(code)));
  dev.child.kill(signal);
  return exited;
}

/** Runs orderflow in `cwd` with only `env` of NATS, Temporal and orderflow settings. */
function runIn(cwd: string, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { cwd, env, timeoutMs: 45_000 });
}

async function receivedCount(nc: NatsConnection): Promise<number> {
  const info = await (await jetstreamManager(nc)).streams.info('ORDERS', { subjects_filter: 'ORDERS.received' });
  return info.state.subjects?.['ORDERS.received'] ?? 0;
}

async function completedCount(nc: NatsConnection): Promise<number> {
  const info = await (await jetstreamManager(nc)).streams.info('ORDERS', { subjects_filter: 'ORDERS.completed' });
  return info.state.subjects?.['ORDERS.completed'] ?? 0;
}

describe('dev - commands run in its folder find its servers', () => {
  let dir: string;
  let dev: Dev | undefined;
  const leftovers: number[] = [];
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-dev-discovery-'));
  });
  afterAll(async () => {
    if (dev && dev.child.exitCode === null) await stopDev(dev);
    for (const pid of [...leftovers, ...(dev?.serverPids ?? [])]) {
      if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('status and publish use the running dev`s NATS and Temporal, say so on stderr, and keep --json clean', async () => {
    dev = await startDev(dir);
    const nc = await connect({ servers: dev.natsUrl });
    try {
      await waitFor('the demo orders completed', async () => (await completedCount(nc)) === 3, 60_000);

      const status = await runIn(dir, ['status', '--json']);
      expect(status.code).toBe(0);
      expect(status.stderr).toContain(
        `orderflow: using orderflow dev's servers (./.data): NATS ${dev.natsUrl}, Temporal ${dev.temporalAddress}\n`,
      );
      // stdout is the JSON alone: dev's counts, not those of whatever answers on 4222.
      const summary = JSON.parse(status.stdout) as { workflows: Record<string, { Completed: number }> };
      expect(summary.workflows.process?.Completed).toBe(3);
      expect(summary.workflows.dispatch?.Completed).toBe(3);

      const publish = await runIn(dir, ['publish', '--count', '2', '--json']);
      expect(publish.code).toBe(0);
      expect(publish.stderr).toContain(`orderflow: using orderflow dev's servers (./.data): NATS ${dev.natsUrl}\n`);
      expect(publish.stdout.trim().split('\n')).toHaveLength(2);
      expect(await receivedCount(nc)).toBe(5);
    } finally {
      await nc.close();
    }
  }, 180_000);

  it('ORDERFLOW_DATA_DIR names dev`s folder from anywhere; a server named by its variable wins over dev`s', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-elsewhere-'));
    try {
      const dataDir = path.join(dir, '.data');
      const found = await runIn(elsewhere, ['status', '--json'], { ORDERFLOW_DATA_DIR: dataDir });
      expect(found.code).toBe(0);
      expect(found.stderr).toContain(`using orderflow dev's servers (${dataDir}): NATS ${dev!.natsUrl}`);

      // NATS_URL names another server: it is used as named, without a word (and provision, given
      // a NATS that is not dev's, leaves dev's Temporal alone).
      const other = await startNats();
      const named = await runIn(dir, ['provision', '--json'], { NATS_URL: other.url });
      expect(named.stderr).toBe('');
      expect(named.code).toBe(0);
      const nc = await connect({ servers: other.url });
      try {
        // Provisioned there, not in dev's NATS.
        expect((await (await jetstreamManager(nc)).streams.info('ORDERS')).config.name).toBe('ORDERS');
      } finally {
        await nc.close();
      }
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 60_000);

  it('dev serves /metrics, /healthz and /readyz of its bridge and workers together', async () => {
    const base = dev!.metricsUrl;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    await waitFor('dev ready', async () => (await fetch(`${base}/readyz`)).status === 200, 30_000);
    const scrape = async (): Promise<string> => (await fetch(`${base}/metrics`)).text();
    // The 3 demo orders and the 2 published above, through both stages.
    await waitFor('the published orders acked', async () => {
      return metric(await scrape(), 'orderflow_messages_acked_total', 'stage="dispatch"') === 5;
    });
    const body = await scrape();
    expect(metric(body, 'orderflow_messages_acked_total', 'stage="process"')).toBe(5);
    expect(
      metric(
        body,
        'orderflow_function_calls_total',
        'function="reserveStock",task_queue="orderflow",outcome="completed"',
      ),
    ).toBe(5);
    expect(body).toMatch(/^process_resident_memory_bytes \d/m);
  }, 60_000);

  it('a command reaching an ORDERS stream that is not the one dev provisioned warns, naming both', async () => {
    const recorded = JSON.parse(fs.readFileSync(path.join(dir, '.data', DEV_SERVERS_FILE), 'utf8')) as {
      stream: { created: string };
    };
    const nc = await connect({ servers: dev!.natsUrl });
    let created: string;
    try {
      // The stream made again under dev's feet: same name, another stream.
      const jsm = await jetstreamManager(nc);
      await jsm.streams.delete('ORDERS');
      created = (await jsm.streams.add(streamConfig())).created;
    } finally {
      await nc.close();
    }
    const result = await runIn(dir, ['provision', '--dry-run', '--json']);
    expectNoStackTrace(result);
    expect(result.stderr).toContain(
      `orderflow: warning: the ORDERS stream at ${dev!.natsUrl} (created ${created}) is not the one orderflow dev ` +
        `(./.data) provisioned (created ${recorded.stream.created})`,
    );
    expect(() => JSON.parse(result.stdout) as unknown).not.toThrow();
  }, 60_000);

  it('dev stopped: its file is gone, and a command left to a default says which and why', async () => {
    expect(await stopDev(dev!)).toBe(0);
    expect(fs.existsSync(path.join(dir, '.data', DEV_SERVERS_FILE))).toBe(false);
    const own = await startNats();
    // NATS named; Temporal left to the default, which is said before anything is tried.
    const result = await runIn(dir, ['status', '--json'], { NATS_URL: own.url });
    expect(result.stderr.split('\n')[0]).toBe(
      'orderflow: using the default Temporal 127.0.0.1:7233: nothing names it ' +
        '(--temporal-address, TEMPORAL_ADDRESS, a Temporal profile) and no orderflow dev runs in ./.data',
    );
    expect(result.stdout).not.toContain('using the default');
  }, 60_000);

  it('a dev that was killed leaves its file, which misleads no one: the command says dev is not running', async () => {
    const killed = await startDev(dir);
    leftovers.push(...killed.serverPids);
    await stopDev(killed, 'SIGKILL');
    expect(fs.existsSync(path.join(dir, '.data', DEV_SERVERS_FILE))).toBe(true);
    const own = await startNats();
    const result = await runIn(dir, ['status', '--json'], { NATS_URL: own.url });
    expect(result.stderr.split('\n')[0]).toBe(
      'orderflow: using the default Temporal 127.0.0.1:7233: nothing names it ' +
        `(--temporal-address, TEMPORAL_ADDRESS, a Temporal profile) and the orderflow dev of ./.data (pid ${killed.child.pid}) is not running`,
    );
    expect(result.stderr).not.toContain("using orderflow dev's servers");
  }, 150_000);
});
