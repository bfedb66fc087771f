import type { JetStreamManager } from '@nats-io/jetstream';
import { AckPolicy, DeliverPolicy, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

import { CHOSEN } from '../../shared/config/topology';
import type { ProvisionReport } from '../../shared/topology/provision';
import { expectNoStackTrace, runCli } from '../harness/cli';
import { startNats } from '../harness/servers';
import { natsServerVersions } from '../harness/tools';

const SECOND = 1_000_000_000;

async function provision(
  url: string,
  ...args: string[]
): Promise<{ code: number | null; out: string; report?: ProvisionReport }> {
  const result = await runCli(['provision', ...args], { env: { NATS_URL: url } });
  expectNoStackTrace(result);
  return {
    code: result.code,
    out: result.stdout + result.stderr,
    ...(args.includes('--json') ? { report: JSON.parse(result.stdout) as ProvisionReport } : {}),
  };
}

describe.each(natsServerVersions())('provision - on nats-server $version', ({ path, version }) => {
  let url: string;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    url = (await startNats({ binary: path })).url;
    nc = await connect({ servers: url });
    jsm = await jetstreamManager(nc);
  });
  afterAll(() => nc.close());

  it('creates everything once, and a second run changes nothing and says so', async () => {
    const first = await provision(url, '--json');
    expect(first.code).toBe(0);
    expect(first.report!.objects.map((o) => [o.name, o.action])).toEqual([
      ['ORDERS', 'create'],
      ['NEW', 'create'],
      ['DISPATCH', 'create'],
      ['MONITOR', 'create'],
    ]);
    expect((first.report as unknown as { support: object }).support).toEqual({
      deadLetters: 'created',
      effects: 'created',
      deadLetterPayloads: 'created',
      pauses: 'created',
    });
    const before = await jsm.streams.info('ORDERS');

    const second = await provision(url);
    expect(second.code).toBe(0);
    expect(second.out).toContain('Nothing to change');
    const again = await provision(url, '--json');
    expect(again.report!.changed).toBe(false);
    expect(again.report!.inSync).toBe(true);
    expect((await jsm.streams.info('ORDERS')).config).toEqual(before.config);
  });

  it('reports drift field by field, leaves it without --apply, and fixes it with --apply', async () => {
    await jsm.consumers.update('ORDERS', 'NEW', { ack_wait: 5 * SECOND, max_deliver: 7 });
    await jsm.streams.update('ORDERS', { max_age: 86_400 * SECOND });

    const reported = await provision(url);
    expect(reported.code).toBe(1);
    expect(reported.out).toMatch(/ack_wait\s+5s -> 30s/);
    expect(reported.out).toMatch(/max_deliver\s+7 -> -1/);
    expect(reported.out).toMatch(/max_age\s+1d -> 1y/);
    expect(reported.out).toContain('--apply');
    expect((await jsm.consumers.info('ORDERS', 'NEW')).config.ack_wait).toBe(5 * SECOND);

    const dry = await provision(url, '--apply', '--dry-run', '--json');
    expect(dry.report!.objects.find((o) => o.name === 'NEW')!.action).toBe('update');
    expect((await jsm.consumers.info('ORDERS', 'NEW')).config.max_deliver).toBe(7);

    const applied = await provision(url, '--apply');
    expect(applied.code).toBe(0);
    const consumer = (await jsm.consumers.info('ORDERS', 'NEW')).config;
    expect([consumer.ack_wait, consumer.max_deliver]).toEqual([CHOSEN.ackWaitNs, -1]);
    expect((await jsm.streams.info('ORDERS')).config.max_age).toBe(365 * 86_400 * SECOND);
    expect((await provision(url)).out).toContain('Nothing to change');
  });

  it('--max-ack-pending is opt-in: applied to NEW and DISPATCH, reported as drift by a provision without it', async () => {
    const raised = await provision(url, '--max-ack-pending', '10000', '--apply');
    expect(raised.code).toBe(0);
    for (const name of ['NEW', 'DISPATCH']) {
      expect((await jsm.consumers.info('ORDERS', name)).config.max_ack_pending).toBe(10_000);
    }
    expect((await provision(url, '--max-ack-pending', '10000')).out).toContain('Nothing to change');

    const plain = await provision(url);
    expect(plain.code).toBe(1);
    expect(plain.out).toMatch(/max_ack_pending\s+10000 -> 1000/);
    expect((await jsm.consumers.info('ORDERS', 'NEW')).config.max_ack_pending).toBe(10_000);

    expect((await provision(url, '--apply')).code).toBe(0);
    expect((await jsm.consumers.info('ORDERS', 'NEW')).config.max_ack_pending).toBe(CHOSEN.maxAckPending);
  });

  it('names a field JetStream cannot change in place and how to fix it', async () => {
    await jsm.consumers.delete('ORDERS', 'MONITOR');
    await jsm.consumers.add('ORDERS', {
      durable_name: 'MONITOR',
      deliver_subject: 'monitor.ORDERS',
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
    });
    const result = await provision(url, '--apply');
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/deliver_policy\s+all -> last\s+\(cannot change in place\)/);
    expect(result.out).toContain('nats consumer rm ORDERS MONITOR');
    expect((await jsm.consumers.info('ORDERS', 'MONITOR')).config.deliver_policy).toBe('all');

    await jsm.consumers.delete('ORDERS', 'MONITOR');
    expect((await provision(url)).code).toBe(0);
  });

  it('changes a filter subject in place only where the server can (2.10 and later)', async () => {
    await jsm.consumers.delete('ORDERS', 'DISPATCH');
    await jsm.consumers.add('ORDERS', {
      durable_name: 'DISPATCH',
      filter_subject: 'ORDERS.elsewhere',
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_deliver: -1,
      sample_freq: '100',
    });
    const result = await provision(url, '--apply');
    const [major = 0, minor = 0] = version.replace('v', '').split('.').map(Number);
    if (major > 2 || minor >= 10) {
      expect(result.code).toBe(0);
      expect((await jsm.consumers.info('ORDERS', 'DISPATCH')).config.filter_subject).toBe('ORDERS.processed');
    } else {
      expect(result.code).toBe(1);
      expect(result.out).toContain("cannot change a consumer's filter subject in place");
      expect((await jsm.consumers.info('ORDERS', 'DISPATCH')).config.filter_subject).toBe('ORDERS.elsewhere');
    }
  });
});

describe('provision - errors a user can act on', () => {
  it('an unreachable server gives one line naming the address, exit 3', async () => {
    const result = await runCli(['provision'], { env: { NATS_URL: 'nats://127.0.0.1:1' } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('cannot reach NATS at nats://127.0.0.1:1');
    expectNoStackTrace(result);
  });

  it('a malformed NATS_URL names the setting and the fix, exit 2', async () => {
    const result = await runCli(['provision'], { env: { NATS_URL: 'http://example:4222' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^orderflow: NATS_URL: "http:\/\/example:4222" is not valid .*nats:\/\/host:port/);
    expectNoStackTrace(result);
  });

  it('a bad --max-ack-pending value is refused before connecting, exit 2', async () => {
    const result = await runCli(['provision', '--max-ack-pending', '0'], { env: { NATS_URL: 'nats://127.0.0.1:1' } });
    expect(result.code).toBe(2);
    expectNoStackTrace(result);
    expect(result.stderr).toContain('--max-ack-pending: "0" is not a whole number from 1 to 1000000');
  });

  it('a bad --replicas value is refused before connecting, exit 2', async () => {
    const result = await runCli(['provision', '--replicas', 'three'], { env: { NATS_URL: 'nats://127.0.0.1:1' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--replicas: "three" is not a whole number from 1 to 5');
  });
});
