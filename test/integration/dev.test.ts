/**
 * `orderflow dev` (what `npm start` runs): brings both servers up with the topology, stops them
 * on Ctrl-C leaving no process behind, resumes from its data folder, and recovers from a dev
 * process that was SIGKILLed and left its servers running.
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Client, Connection } from '@temporalio/client';

import { isProcessAlive } from '../../local/servers/process';
import { freePort } from '../../local/servers/ports';
import { CLI, cleanEnv, expectNoStackTrace, runCli } from '../harness/cli';

interface RunningDev {
  child: ChildProcess;
  natsUrl: string;
  temporalAddress: string;
  output: () => string;
  pids: number[];
}

function startDev(dataDir: string, env: Record<string, string> = {}): Promise<RunningDev> {
  const child = spawn(process.execPath, [CLI, 'dev', '--data-dir', dataDir], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dev did not come up:\n${output}`)), 60_000);
    const poll = setInterval(() => {
      if (!output.includes('Press Ctrl-C to stop.')) return;
      clearInterval(poll);
      clearTimeout(timer);
      const pids = [...output.matchAll(/"pid":(\d+)/g)].map((m) => Number(m[1]));
      resolve({
        child,
        natsUrl: /NATS\s+(nats:\/\/\S+)/.exec(output)![1]!,
        temporalAddress: /Temporal\s+(\S+:\d+)/.exec(output)![1]!,
        output: () => output,
        pids,
      });
    }, 100);
    child.once('exit', () => reject(new Error(`dev exited early:\n${output}`)));
  });
}

const alive = isProcessAlive;

describe('dev - the whole local system in one command', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-dev-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('starts both servers with the topology, stops them all on SIGINT, and resumes from its data', async () => {
    const first = await startDev(dataDir);
    expect(first.pids).toHaveLength(2);
    expect(first.output()).toMatch(/stream\s+ORDERS\s+created/);
    const nc = await connect({ servers: first.natsUrl });
    // The demo orders flow through the bridge and worker that dev runs, to ORDERS.completed.
    const jsm = await jetstreamManager(nc);
    const completed = async () =>
      (await jsm.streams.info('ORDERS', { subjects_filter: 'ORDERS.completed' })).state.subjects?.[
        'ORDERS.completed'
      ] ?? 0;
    for (let i = 0; i < 150 && (await completed()) < 3; i += 1) await new Promise((r) => setTimeout(r, 200));
    expect(await completed()).toBe(3);
    // The dashboard it printed serves the page.
    const page = await fetch(/Dashboard\s+(http:\/\/\S+)/.exec(first.output())![1]!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>orderflow dashboard</title>');
    await jetstream(nc).publish('ORDERS.received', '{}', { msgID: 'kept-1' });
    await nc.close();
    const connection = await Connection.connect({ address: first.temporalAddress });
    await new Client({ connection }).workflow.start('kept', { taskQueue: 'nobody', workflowId: 'kept-run', args: [] });
    await connection.close();

    first.child.kill('SIGINT');
    const exitCode = await new Promise((resolve) => first.child.once('exit', resolve));
    expect(exitCode).toBe(0);
    expect(first.pids.filter(alive)).toEqual([]);

    const second = await startDev(dataDir);
    expect(second.output()).toMatch(/stream\s+ORDERS\s+ready/);
    const nc2 = await connect({ servers: second.natsUrl });
    // 3 demo orders x 3 subjects, one extra message, and the second run's 3 demo orders received.
    const subjects = (await (await jetstreamManager(nc2)).streams.info('ORDERS', { subjects_filter: '>' })).state
      .subjects;
    expect(subjects?.['ORDERS.received']).toBeGreaterThanOrEqual(7);
    await nc2.close();
    const connection2 = await Connection.connect({ address: second.temporalAddress });
    const description = await new Client({ connection: connection2 }).workflow.getHandle('kept-run').describe();
    expect(description.status.name).toBe('RUNNING');
    await connection2.close();
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
    expect(second.pids.filter(alive)).toEqual([]);
  }, 120_000);

  it('refuses, before starting anything, a dashboard on a non-loopback address without a token', async () => {
    const refused = await runCli(['dev', '--data-dir', dataDir], { env: { ORDERFLOW_DASHBOARD_HOST: '0.0.0.0' } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('0.0.0.0 is not a loopback address and ORDERFLOW_DASHBOARD_TOKEN is not set');
    expect(refused.stderr).not.toContain('nats-server started');
  });

  it('serves the dashboard on the port ORDERFLOW_DASHBOARD_PORT names, as `orderflow dashboard` does', async () => {
    const port = await freePort();
    const dev = await startDev(dataDir, { ORDERFLOW_DASHBOARD_PORT: String(port) });
    try {
      expect(dev.output()).toContain(`Dashboard   http://127.0.0.1:${port}/`);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
    } finally {
      dev.child.kill('SIGINT');
      await new Promise((resolve) => dev.child.once('exit', resolve));
    }
    expect(dev.pids.filter(alive)).toEqual([]);
  }, 120_000);

  it('refuses a dashboard port that is taken when one was named, and leaves nothing running', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const failed = await runCli(['dev', '--data-dir', dataDir, '--demo-orders', '0'], {
        env: { ORDERFLOW_DASHBOARD_PORT: String(port) },
        timeoutMs: 90_000,
      });
      expect(failed.code).toBe(2);
      expect(failed.stderr).toContain(`--port: 127.0.0.1:${port} is already in use`);
      expectNoStackTrace(failed);
      const pids = [...(failed.stderr + failed.stdout).matchAll(/"pid":(\d+)/g)].map((m) => Number(m[1]));
      expect(pids.length).toBeGreaterThan(0);
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      taken.close();
    }
  }, 120_000);

  it('reports a server that cannot start on its data as one clear error, and leaves nothing running', async () => {
    const broken = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-dev-broken-'));
    try {
      fs.mkdirSync(path.join(broken, 'temporal'));
      fs.writeFileSync(path.join(broken, 'temporal', 'temporal.db'), 'not a SQLite database '.repeat(1000));
      const failed = await runCli(['dev', '--data-dir', broken, '--demo-orders', '0']);
      expect(failed.code).toBe(3);
      expect(failed.stderr).toContain('orderflow: temporal exited during startup:');
      expect(failed.stderr).toContain('file is not a database');
      expect(failed.stderr).toContain(`temporal's whole log: ${path.join(broken, 'logs', 'temporal.log')}`);
      expect(failed.stderr).not.toContain('unexpected error');
      expect(failed.stderr).not.toMatch(/^\s+at /m);
      // The nats-server it had started first was stopped on the way out.
      const natsPid = Number(/nats-server started.*"pid":(\d+)/.exec(failed.stderr + failed.stdout)?.[1]);
      expect(natsPid).toBeGreaterThan(0);
      expect(alive(natsPid)).toBe(false);
    } finally {
      fs.rmSync(broken, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses a second dev on the same data, and reaps the servers of a dev that was SIGKILLed', async () => {
    const crashed = await startDev(dataDir);
    const refused = spawn(process.execPath, [CLI, 'dev', '--data-dir', dataDir], {
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let refusal = '';
    refused.stderr.on('data', (c: Buffer) => (refusal += c.toString()));
    expect(await new Promise((resolve) => refused.once('exit', resolve))).toBe(2);
    expect(refusal).toContain(`another orderflow dev (pid ${crashed.child.pid}) is using`);

    crashed.child.kill('SIGKILL');
    await new Promise((resolve) => crashed.child.once('exit', resolve));
    expect(crashed.pids.filter(alive)).toHaveLength(2); // orphaned servers still run

    const next = await startDev(dataDir);
    expect(crashed.pids.filter(alive)).toEqual([]);
    next.child.kill('SIGINT');
    await new Promise((resolve) => next.child.once('exit', resolve));
    expect(next.pids.filter(alive)).toEqual([]);
  }, 120_000);
});
