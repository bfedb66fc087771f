import { spawn } from 'node:child_process';

import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

import { CLI, cleanEnv, expectNoStackTrace, runCli } from '../harness/cli';
import { startNats } from '../harness/servers';

interface Line {
  seq: number;
  subject: string;
  data: { orderId?: string; order?: { orderId: string } };
}

describe('replay - the ORDERS history again', () => {
  let url: string;
  let nc: NatsConnection;
  const seqs: number[] = [];
  const replay = (...args: string[]) => runCli(['replay', ...args], { env: { NATS_URL: url } });
  const lines = (stdout: string): Line[] =>
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);

  beforeAll(async () => {
    url = (await startNats()).url;
    expect((await runCli(['provision'], { env: { NATS_URL: url } })).code).toBe(0);
    nc = await connect({ servers: url });
    const js = jetstream(nc);
    for (let i = 1; i <= 8; i += 1) {
      const subject = i % 2 ? 'ORDERS.received' : 'ORDERS.processed';
      const body = i % 2 ? { orderId: `r-${Math.ceil(i / 2)}` } : { order: { orderId: `r-${i / 2}` } };
      seqs.push((await js.publish(subject, JSON.stringify(body))).seq);
    }
  });
  afterAll(() => nc.close());

  it('returns exactly a known range, in order', async () => {
    const result = await replay('--from-seq', String(seqs[2]), '--until-seq', String(seqs[6]));
    expect(result.code).toBe(0);
    expect(lines(result.stdout).map((l) => l.seq)).toEqual(seqs.slice(2, 7));
    expect(result.stderr).toContain('replayed 5 message(s)');
  });

  it('filters by subject and by order', async () => {
    const received = lines((await replay('--subject', 'ORDERS.received')).stdout);
    expect(received.map((l) => l.data.orderId)).toEqual(['r-1', 'r-2', 'r-3', 'r-4']);
    const order = lines((await replay('--order', 'r-3')).stdout);
    expect(order.map((l) => [l.seq, l.subject])).toEqual([
      [seqs[4], 'ORDERS.received'],
      [seqs[5], 'ORDERS.processed'],
    ]);
  });

  it('--pace original reproduces the recorded gaps', async () => {
    const js = jetstream(nc);
    const paced: number[] = [];
    for (const gap of [0, 400, 800]) {
      await new Promise((r) => setTimeout(r, gap));
      paced.push((await js.publish('ORDERS.completed', JSON.stringify({ order: { orderId: 'paced' } }))).seq);
    }
    const child = spawn(process.execPath, [CLI, 'replay', '--subject', 'ORDERS.completed', '--pace', 'original'], {
      env: cleanEnv({ NATS_URL: url }),
    });
    const arrivals: number[] = [];
    let buffer = '';
    child.stdout.on('data', (c: Buffer) => {
      buffer += c.toString();
      const complete = buffer.split('\n');
      buffer = complete.pop() ?? '';
      for (const _ of complete) arrivals.push(Date.now());
    });
    await new Promise((r) => child.once('exit', r));
    expect(arrivals).toHaveLength(3);
    expect(arrivals[1]! - arrivals[0]!).toBeGreaterThanOrEqual(350);
    expect(arrivals[1]! - arrivals[0]!).toBeLessThan(650);
    expect(arrivals[2]! - arrivals[1]!).toBeGreaterThanOrEqual(750);
    expect(arrivals[2]! - arrivals[1]!).toBeLessThan(1100);
  });

  it('says so for an empty range and refuses an invalid one', async () => {
    const empty = await replay('--from-seq', '100000');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('no messages in that range');
    const none = await replay('--order', 'nobody');
    expect(none.code).toBe(1);
    const bad = await replay('--since', 'yesterday');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since: "yesterday" is neither a duration nor a time');
    const backwards = await replay('--from-seq', '5', '--until-seq', '2');
    expect(backwards.code).toBe(2);
    const loop = await replay('--to', 'ORDERS.received');
    expect(loop.code).toBe(2);
    for (const r of [empty, none, bad, backwards, loop]) expectNoStackTrace(r);
  });

  it('re-publishes to another subject with --to', async () => {
    const sub = nc.subscribe('monitor.ORDERS.replay', { max: 2 });
    const got: string[] = [];
    const done = (async () => {
      for await (const m of sub) got.push(m.headers?.get('Orderflow-Replayed-From') ?? '');
    })();
    await nc.flush();
    const result = await replay(
      '--from-seq',
      String(seqs[0]),
      '--until-seq',
      String(seqs[1]),
      '--to',
      'monitor.ORDERS.replay',
    );
    expect(result.code).toBe(0);
    await done;
    expect(got).toEqual([`ORDERS:${seqs[0]}`, `ORDERS:${seqs[1]}`]);
  });
});
