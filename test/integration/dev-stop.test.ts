/**
 * `orderflow dev` stopped by a terminal's Ctrl-C while orders are in flight. A terminal signals
 * its whole foreground process group, so the test runs dev in a group of its own and signals
 * that group, as a terminal would. The order's function never succeeds, so its run keeps
 * retrying: the stop must not spend the bridge's 30 s grace period on it, must stop the servers
 * itself (they run in groups of their own and get no Ctrl-C), and must end without an
 * "unexpected error" (once a stackless nats.js rejection from draining a connection to a server
 * that had died with the Ctrl-C).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client, Connection } from '@temporalio/client';

import { isProcessAlive } from '../../local/servers/process';
import { CLI, cleanEnv } from '../harness/cli';
import { ROOT } from '../harness/paths';
import { waitFor } from '../harness/pipeline';

const API = path.join(ROOT, 'dist/activities/index.js');
/** A correctness bound well under the bridge's default 30 s grace period, not a speed target. */
const STOP_BOUND_MS = 15_000;

/**
 * A pipeline whose process function fails on every attempt (nothing listens on port 1), retried
 * far beyond the test (maximumAttempts 0, "unlimited", fails the workflow task in the SDK today).
 */
const NEVER_SUCCEEDS = `const { defineFunction, definePipeline } = require(${JSON.stringify(API)});
module.exports = definePipeline({
  process: [
    defineFunction({
      name: 'callUnreachable',
      retry: { maximumAttempts: 10_000, initialInterval: '500ms', maximumInterval: '1s' },
      run: async () => (await fetch('http://127.0.0.1:1/')).status,
    }),
  ],
  dispatch: [defineFunction({ name: 'ship', run: async () => 1 })],
});
`;

describe('dev - Ctrl-C with orders in flight', () => {
  let dir: string;
  let dev: ChildProcess | undefined;
  let serverPids: number[] = [];
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-dev-stop-'));
  });
  afterAll(() => {
    // A failed test's leftovers: the dev process group, then the servers in their own groups.
    for (const pid of [...(dev?.pid ? [-dev.pid] : []), ...serverPids]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('dev - SIGINT to its process group while a run retries stops everything in order, promptly, without an unexpected error', async () => {
    const functions = path.join(dir, 'never-succeeds.cjs');
    fs.writeFileSync(functions, NEVER_SUCCEEDS);
    const dataDir = path.join(dir, 'data');
    // In a process group of its own, as the foreground job of a terminal is.
    const child = spawn(
      process.execPath,
      [CLI, 'dev', '--functions', functions, '--data-dir', dataDir, '--demo-orders', '1'],
      { env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    dev = child;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor('dev up', () => {
      if (child.exitCode !== null) throw new Error(`dev exited (${child.exitCode}):\n${stdout}\n${stderr}`);
      return Promise.resolve(stdout.includes('Press Ctrl-C to stop.'));
    });
    serverPids = [...stderr.matchAll(/"pid":(\d+)/g)].map((m) => Number(m[1]));
    expect(serverPids).toHaveLength(2);
    expect(fs.readdirSync(path.join(dataDir, 'run')).map(Number).sort()).toEqual([...serverPids].sort());

    // In flight: the bridge holds the order while its run retries the failing function.
    const orderId = /demo orders (\S+) published/.exec(stdout)![1]!;
    const address = /Temporal\s+(\S+:\d+)/.exec(stdout)![1]!;
    const connection = await Connection.connect({ address });
    try {
      const handle = new Client({ connection }).workflow.getHandle(`process-${orderId}`);
      await waitFor('the run retrying its function', async () => {
        const run = await handle.describe().catch(() => undefined);
        return (run?.raw.pendingActivities?.[0]?.attempt ?? 0) >= 2;
      });
    } finally {
      await connection.close();
    }

    const started = Date.now();
    process.kill(-child.pid!, 'SIGINT');
    const code = await exited;
    const elapsed = Date.now() - started;

    if (code !== 0) process.stderr.write(`dev after SIGINT: code ${code}\n${stderr}\n`);
    expect(code).toBe(0);
    expect(stderr).not.toContain('unexpected error');
    // Every stop step succeeded: the servers were still there when their clients let go.
    expect(stderr).not.toContain('could not stop cleanly');
    expect(elapsed).toBeLessThan(STOP_BOUND_MS);
    // In order: the bridge handed the order back (not acked) before the servers went.
    const bridgeStopped = stderr.split('\n').find((l) => l.includes('"bridge stopped"'));
    const counters = JSON.parse(bridgeStopped!) as { acked: number; naked: number };
    expect(counters.acked).toBe(0);
    expect(counters.naked).toBeGreaterThanOrEqual(1);
    expect(stderr.indexOf('"bridge stopped"')).toBeLessThan(stderr.indexOf('stopped; data kept'));
    expect(serverPids.filter(isProcessAlive)).toEqual([]);
    expect(fs.readdirSync(path.join(dataDir, 'run'))).toEqual([]);
  }, 120_000);
});
