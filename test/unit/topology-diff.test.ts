import type { FieldDrift } from '../../shared/topology/diff';
import { serverFeatures } from '../../shared/nats/server-features';
import { diffConfig, updatableChanges } from '../../shared/topology/diff';

const OLD_SERVER = serverFeatures('2.9.10');
const NEW_SERVER = serverFeatures('2.12.2');

function only(drift: readonly FieldDrift[]): FieldDrift {
  expect(drift).toHaveLength(1);
  return drift[0]!;
}

describe('topology diff - serverFeatures', () => {
  it.each([
    ['2.9.10', false],
    ['2.9.99', false],
    ['1.99.0', false],
    ['2.10.0', true],
    ['v2.10.1-beta', true],
    ['2.12.2', true],
    ['3.0.0', true],
    ['', false],
    ['garbage', false],
  ])('topology diff - serverFeatures(%j) updatableFilterSubject and updatableRetention are %s', (version, expected) => {
    expect(serverFeatures(version)).toMatchObject({ updatableFilterSubject: expected, updatableRetention: expected });
  });
});

describe('topology diff - diffConfig', () => {
  it('topology diff - identical configs give no drift', () => {
    const config = { name: 'ORDERS', subjects: ['ORDERS.*'], storage: 'file', max_age: 1e9, deny_delete: false };
    expect(diffConfig('stream', config, { ...config, subjects: ['ORDERS.*'] }, NEW_SERVER)).toEqual([]);
  });

  it("topology diff - '', undefined, null and [] all mean unset", () => {
    const desired = { filter_subject: '', filter_subjects: [], description: undefined, metadata: null };
    const actual = { filter_subject: undefined, filter_subjects: undefined, description: '' };
    expect(diffConfig('consumer', desired, actual, OLD_SERVER)).toEqual([]);
    expect(diffConfig('consumer', { filter_subject: undefined }, { filter_subject: '' }, OLD_SERVER)).toEqual([]);
    expect(diffConfig('consumer', { filter_subjects: [] }, {}, OLD_SERVER)).toEqual([]);
  });

  it('topology diff - only fields the desired config names are compared', () => {
    expect(
      diffConfig('stream', { name: 'ORDERS' }, { name: 'ORDERS', max_msgs: 5, storage: 'memory' }, NEW_SERVER),
    ).toEqual([]);
  });

  it('topology diff - a changed consumer ack_wait is updatable', () => {
    const drift = diffConfig(
      'consumer',
      { durable_name: 'NEW', ack_wait: 30e9 },
      { durable_name: 'NEW', ack_wait: 10e9 },
      OLD_SERVER,
    );
    expect(drift).toEqual([{ field: 'ack_wait', desired: 30e9, actual: 10e9 }]);
    expect(only(drift).immutable).toBeUndefined();
  });

  it('topology diff - a changed stream storage is immutable with a message mentioning backup', () => {
    const drift = only(
      diffConfig('stream', { name: 'ORDERS', storage: 'file' }, { name: 'ORDERS', storage: 'memory' }, NEW_SERVER),
    );
    expect(drift.field).toBe('storage');
    expect(drift.desired).toBe('file');
    expect(drift.actual).toBe('memory');
    expect(drift.immutable).toBe(
      "JetStream cannot change a stream's storage in place; back up the stream " +
        '(`nats stream backup ORDERS <dir>`), delete it and run `orderflow provision` again, then republish',
    );
  });

  it('topology diff - a changed stream max_consumers is immutable', () => {
    const drift = only(diffConfig('stream', { max_consumers: 10 }, { max_consumers: -1 }, NEW_SERVER));
    expect(drift.immutable).toContain("cannot change a stream's max_consumers in place");
    expect(drift.immutable).toContain('backup');
  });

  it.each([
    ['limits', 'interest'],
    ['interest', 'limits'],
  ])('topology diff - stream retention %s -> %s is updatable in place on nats-server 2.10+', (actual, desired) => {
    const drift = diffConfig(
      'stream',
      { name: 'ORDERS', retention: desired },
      { name: 'ORDERS', retention: actual },
      NEW_SERVER,
    );
    expect(drift).toEqual([{ field: 'retention', desired, actual }]);
    expect(updatableChanges(drift)).toEqual({ retention: desired });
    expect(diffConfig('stream', { retention: desired }, { retention: actual }, serverFeatures('2.10.0'))).toEqual([
      { field: 'retention', desired, actual },
    ]);
  });

  it('topology diff - stream retention limits -> interest is immutable before nats-server 2.10', () => {
    const drift = only(diffConfig('stream', { retention: 'interest' }, { retention: 'limits' }, OLD_SERVER));
    expect(drift.immutable).toBe(
      "this nats-server (before 2.10) cannot change a stream's retention in place; back up the stream " +
        '(`nats stream backup ORDERS <dir>`), delete it and run `orderflow provision` again, then republish',
    );
  });

  it.each([
    ['limits', 'workqueue'],
    ['workqueue', 'limits'],
    ['interest', 'workqueue'],
    ['workqueue', 'interest'],
  ])('topology diff - stream retention %s -> %s is immutable on any server', (actual, desired) => {
    for (const features of [OLD_SERVER, NEW_SERVER]) {
      const drift = only(diffConfig('stream', { retention: desired }, { retention: actual }, features));
      expect(drift.immutable).toBe(
        "JetStream cannot change a stream's retention in place; back up the stream " +
          '(`nats stream backup ORDERS <dir>`), delete it and run `orderflow provision` again, then republish',
      );
    }
  });

  it.each(['deny_delete', 'deny_purge', 'sealed'])(
    'topology diff - stream %s true->false is immutable but false->true is updatable',
    (field) => {
      const off = only(diffConfig('stream', { [field]: false }, { [field]: true }, NEW_SERVER));
      expect(off.immutable).toBe(
        `JetStream cannot turn ${field} off once it is on; the stream must be recreated (back it up first)`,
      );
      const on = only(diffConfig('stream', { [field]: true }, { [field]: false }, NEW_SERVER));
      expect(on).toEqual({ field, desired: true, actual: false });
    },
  );

  it('topology diff - other stream fields such as max_age are updatable', () => {
    expect(diffConfig('stream', { max_age: 2 }, { max_age: 1 }, OLD_SERVER)).toEqual([
      { field: 'max_age', desired: 2, actual: 1 },
    ]);
  });

  it('topology diff - consumer filter_subject change is immutable on 2.9.10 and updatable on 2.12.2', () => {
    const desired = { durable_name: 'NEW', filter_subject: 'ORDERS.received' };
    const actual = { durable_name: 'NEW', filter_subject: 'ORDERS.other' };
    const old = only(diffConfig('consumer', desired, actual, OLD_SERVER));
    expect(old.field).toBe('filter_subject');
    expect(old.immutable).toMatch(
      /^this nats-server \(before 2\.10\) cannot change a consumer's filter subject in place; delete the consumer \(`nats consumer rm ORDERS NEW -f`\)/,
    );
    expect(only(diffConfig('consumer', desired, actual, NEW_SERVER))).toEqual({
      field: 'filter_subject',
      desired: 'ORDERS.received',
      actual: 'ORDERS.other',
    });
  });

  it('topology diff - a pull consumer cannot become push (deliver_subject undefined -> x)', () => {
    const drift = only(
      diffConfig(
        'consumer',
        { durable_name: 'MONITOR', deliver_subject: 'x' },
        { durable_name: 'MONITOR' },
        NEW_SERVER,
      ),
    );
    expect(drift.field).toBe('deliver_subject');
    expect(drift.immutable).toMatch(/^JetStream cannot turn a pull consumer into a push one or back; /);
    expect(drift.immutable).toContain('`nats consumer rm ORDERS MONITOR -f`');
  });

  it("topology diff - a push consumer cannot become pull (deliver_subject x -> '')", () => {
    const drift = only(diffConfig('consumer', { deliver_subject: '' }, { deliver_subject: 'x' }, NEW_SERVER));
    expect(drift.immutable).toMatch(/^JetStream cannot turn a pull consumer into a push one or back; /);
  });

  it("topology diff - a push consumer's deliver_subject change a -> b is updatable", () => {
    expect(diffConfig('consumer', { deliver_subject: 'b' }, { deliver_subject: 'a' }, OLD_SERVER)).toEqual([
      { field: 'deliver_subject', desired: 'b', actual: 'a' },
    ]);
  });

  it.each([
    'durable_name',
    'deliver_policy',
    'opt_start_seq',
    'opt_start_time',
    'ack_policy',
    'replay_policy',
    'flow_control',
    'idle_heartbeat',
  ])('topology diff - a changed consumer %s is immutable', (field) => {
    const drift = only(diffConfig('consumer', { [field]: 'a' }, { [field]: 'b' }, NEW_SERVER));
    expect(drift.immutable).toMatch(new RegExp(`^JetStream cannot change a consumer's ${field} in place; `));
  });

  it('topology diff - the consumer name in the fix comes from durable_name, else name', () => {
    const byName = only(
      diffConfig(
        'consumer',
        { name: 'EPHEMERAL', ack_policy: 'all' },
        { name: 'EPHEMERAL', ack_policy: 'none' },
        NEW_SERVER,
      ),
    );
    expect(byName.immutable).toContain('`nats consumer rm ORDERS EPHEMERAL -f`');
  });

  it('topology diff - arrays differ by content and order', () => {
    expect(diffConfig('stream', { subjects: ['a', 'b'] }, { subjects: ['b', 'a'] }, NEW_SERVER)).toEqual([
      { field: 'subjects', desired: ['a', 'b'], actual: ['b', 'a'] },
    ]);
  });
});

describe('topology diff - updatableChanges', () => {
  it('topology diff - updatableChanges keeps only updatable fields with their desired values', () => {
    const drift = diffConfig(
      'consumer',
      {
        durable_name: 'NEW',
        ack_wait: 30e9,
        max_ack_pending: 1000,
        ack_policy: 'explicit',
        filter_subject: 'ORDERS.x',
      },
      { durable_name: 'NEW', ack_wait: 10e9, max_ack_pending: 500, ack_policy: 'none', filter_subject: 'ORDERS.y' },
      OLD_SERVER,
    );
    expect(drift.map((d) => [d.field, d.immutable !== undefined])).toEqual([
      ['ack_wait', false],
      ['max_ack_pending', false],
      ['ack_policy', true],
      ['filter_subject', true],
    ]);
    expect(updatableChanges(drift)).toEqual({ ack_wait: 30e9, max_ack_pending: 1000 });
  });

  it('topology diff - updatableChanges of no drift or only immutable drift is empty', () => {
    expect(updatableChanges([])).toEqual({});
    expect(updatableChanges(diffConfig('stream', { storage: 'file' }, { storage: 'memory' }, NEW_SERVER))).toEqual({});
  });
});
