import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { JetStreamManager } from '@nats-io/jetstream';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

import { expectNoStackTrace, runCli } from '../harness/cli';
import { startNats } from '../harness/servers';

const order = (orderId: string, quantity = 1) => ({
  orderId,
  customerId: 'c-1',
  currency: 'EUR',
  items: [{ sku: 'KB-101', quantity, unitPrice: 49.9 }],
});

describe('publish - orders into ORDERS.received', () => {
  let url: string;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const received = async () =>
    (await jsm.streams.info('ORDERS', { subjects_filter: 'ORDERS.received' })).state.messages;

  beforeAll(async () => {
    url = (await startNats()).url;
    expect((await runCli(['provision'], { env: { NATS_URL: url } })).code).toBe(0);
    nc = await connect({ servers: url });
    jsm = await jetstreamManager(nc);
  });
  afterAll(() => nc.close());

  it('publishes a file of orders and prints each stream sequence', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orders-')), 'orders.json');
    fs.writeFileSync(file, JSON.stringify([order('file-1'), order('file-2')]));
    const result = await runCli(['publish', file, '--json'], { env: { NATS_URL: url } });
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { orderId: string; seq: number; duplicate: boolean; conflict: boolean });
    expect(lines.map((l) => [l.orderId, l.duplicate, l.conflict])).toEqual([
      ['file-1', false, false],
      ['file-2', false, false],
    ]);
    const stored = await jsm.streams.getMessage('ORDERS', { seq: lines[1]!.seq });
    expect(stored!.json<{ orderId: string }>().orderId).toBe('file-2');
    expect(stored!.header.get('Nats-Msg-Id')).toBe('file-2');
  });

  it('drops an identical second publish of an order and says it was a duplicate', async () => {
    const before = await received();
    const first = await runCli(['publish', '-'], { env: { NATS_URL: url }, input: JSON.stringify(order('dup-1')) });
    const second = await runCli(['publish', '-'], { env: { NATS_URL: url }, input: JSON.stringify(order('dup-1')) });
    expect(first.stdout).toMatch(/order dup-1: published as ORDERS seq (\d+)/);
    const seq = /seq (\d+)/.exec(first.stdout)![1];
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`order dup-1: duplicate, already stored as ORDERS seq ${seq}; dropped`);
    expect(second.stderr).toContain('published 0 order(s) to ORDERS.received, 1 duplicate(s) dropped');
    expect(await received()).toBe(before + 1);
  });

  it('reports a different order under an ID already stored as a conflict, exits 1, and still publishes the rest', async () => {
    const before = await received();
    const first = await runCli(['publish', '-'], { env: { NATS_URL: url }, input: JSON.stringify(order('conf-1')) });
    const seq = Number(/seq (\d+)/.exec(first.stdout)![1]);
    const batch = [order('conf-1', 2), order('conf-2')].map((o) => JSON.stringify(o)).join('\n');
    const second = await runCli(['publish', '-'], { env: { NATS_URL: url }, input: batch });
    expect(second.code).toBe(1);
    expect(second.stdout).toContain(
      `order conf-1: CONFLICT, ORDERS seq ${seq} already holds a different order with this ID; not stored`,
    );
    expect(second.stdout).toMatch(/order conf-2: published as ORDERS seq \d+/);
    expect(second.stderr).toContain('published 1 order(s) to ORDERS.received, 1 conflict(s) not stored');
    expectNoStackTrace(second);
    // The stored version is the first one; the conflicting one is nowhere in the stream.
    expect(
      (await jsm.streams.getMessage('ORDERS', { seq }))!.json<{ items: Array<{ quantity: number }> }>().items[0]!
        .quantity,
    ).toBe(1);
    expect(await received()).toBe(before + 2);

    const json = await runCli(['publish', '-', '--json'], {
      env: { NATS_URL: url },
      input: JSON.stringify(order('conf-1', 3)),
    });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({ orderId: 'conf-1', seq, duplicate: true, conflict: true });
  });

  it('takes the same order stored with its fields in another order for a harmless repeat, not a conflict', async () => {
    const { items, currency, customerId, orderId } = order('enc-1');
    // Stored by another publisher, fields reordered: the bytes differ from what the CLI sends, the order does not.
    const stored = await jetstream(nc).publish(
      'ORDERS.received',
      JSON.stringify({ items, currency, customerId, orderId }),
      { msgID: orderId },
    );
    const again = await runCli(['publish', '-', '--json'], {
      env: { NATS_URL: url },
      input: JSON.stringify(order('enc-1')),
    });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ orderId, seq: stored.seq, duplicate: true, conflict: false });
  });

  it('publishes JSON lines from stdin and an order given by flags, the same flags again being a repeat', async () => {
    const before = await received();
    const lines = [order('line-1'), order('line-2')].map((o) => JSON.stringify(o)).join('\n');
    expect((await runCli(['publish'], { env: { NATS_URL: url }, input: lines })).code).toBe(0);
    const args = [
      'publish',
      '--order-id',
      'flag-1',
      '--customer',
      'c-9',
      '--item',
      'KB-101:2:49.90',
      '--item',
      'MS-202:1:19.50',
    ];
    const flags = await runCli(args, { env: { NATS_URL: url } });
    expect(flags.code).toBe(0);
    const again = await runCli(args, { env: { NATS_URL: url } });
    expect([again.code, again.stdout]).toEqual([0, expect.stringContaining('order flag-1: duplicate') as unknown]);
    expect(await received()).toBe(before + 3);
  });

  it('publish - --order-id sets metadata with repeated --metadata key=value; the same entries in another order are a repeat', async () => {
    const args = ['publish', '--order-id', 'meta-1', '--customer', 'c-9', '--item', 'KB-101:1:49.90', '--json'];
    const meta = ['--metadata', 'channel=web', '--metadata', 'note=gift wrap=yes', '--metadata', 'empty='];
    const first = await runCli([...args, ...meta], { env: { NATS_URL: url } });
    expect([first.code, first.stderr]).toEqual([0, expect.stringContaining('published 1 order(s)') as unknown]);
    const { seq } = JSON.parse(first.stdout) as { seq: number };
    const stored = await jsm.streams.getMessage('ORDERS', { seq });
    expect(stored!.json<{ metadata?: unknown }>().metadata).toEqual({
      channel: 'web',
      note: 'gift wrap=yes',
      empty: '',
    });
    // The order's content decides: the same entries given in another order are the same order.
    const reordered = [meta.slice(4), meta.slice(2, 4), meta.slice(0, 2)].flat();
    const again = await runCli([...args, ...reordered], { env: { NATS_URL: url } });
    expect(JSON.parse(again.stdout)).toEqual({ orderId: 'meta-1', seq, duplicate: true, conflict: false });

    const refused = async (extra: string[]) => {
      const result = await runCli([...args.slice(0, 1), ...extra], { env: { NATS_URL: url } });
      expect(result.code).toBe(2);
      expectNoStackTrace(result);
      return result.stderr;
    };
    expect(await refused([...args.slice(1), '--metadata', 'channel'])).toContain(
      '--metadata "channel": expected key=value, for example channel=web',
    );
    expect(await refused([...args.slice(1), '--metadata', 'a=1', '--metadata', 'a=2'])).toContain(
      '--metadata "a=2": key a is given twice; give each key once',
    );
    expect(await refused([...args.slice(1), '--metadata', `k=${'x'.repeat(1025)}`])).toContain(
      'flags: metadata.k: must be at most 1024 characters',
    );
    // Without --order-id there is no order for them: refused rather than dropped.
    expect(await refused(['--count', '1', '--metadata', 'channel=web'])).toContain(
      '--metadata is for the --order-id order: give --order-id, or leave it out',
    );
  });

  it('generates valid demo orders with --count', async () => {
    const before = await received();
    const result = await runCli(['publish', '--count', '25'], { env: { NATS_URL: url } });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('published 25 order(s)');
    expect(await received()).toBe(before + 25);
  });

  it('rejects a batch holding an invalid order, naming the place, field and rule, and publishes none of it', async () => {
    const before = await received();
    const input = [order('ok-1'), order('bad-1', 0), { ...order('bad-2'), currency: 'euro' }]
      .map((o) => JSON.stringify(o))
      .join('\n');
    const result = await runCli(['publish', '-'], { env: { NATS_URL: url }, input });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nothing was published');
    expect(result.stderr).toContain('stdin, line 2: items[0].quantity: must be at least 1');
    expect(result.stderr).toContain('stdin, line 3: currency: must be an ISO 4217 currency code');
    expectNoStackTrace(result);
    expect(await received()).toBe(before);
  });

  it('rejects input that is not JSON and bad flags with one clear line', async () => {
    const garbage = await runCli(['publish', '-'], { env: { NATS_URL: url }, input: 'not json\n' });
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toContain('stdin, line 1: not valid JSON');
    const count = await runCli(['publish', '--count', '-3'], { env: { NATS_URL: url } });
    expect(count.code).toBe(2);
    expect(count.stderr).toContain('--count: "-3" is not a whole number');
    const unknown = await runCli(['publish', '--bogus'], { env: { NATS_URL: url } });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--bogus'");
    const missing = await runCli(['publish', '/nonexistent/orders.json'], { env: { NATS_URL: url } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read /nonexistent/orders.json');
    for (const r of [garbage, count, unknown, missing]) expectNoStackTrace(r);
  });

  it('says to provision first when no stream stores the orders', async () => {
    const bare = await startNats();
    const result = await runCli(['publish', '--count', '1'], { env: { NATS_URL: bare.url } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no stream stores ORDERS.received; run `orderflow provision`');
    expectNoStackTrace(result);
  });
});
