/**
 * The seed's own four `nats` commands against one fresh server, `orderflow provision` against
 * another: the stream and consumers must come out the same, field by field, except for the
 * settings the seed leaves to defaults that orderflow chose on purpose (shared/config/topology.ts).
 */
import { execFileSync } from 'node:child_process';

import type { JetStreamManager } from '@nats-io/jetstream';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

import { CHOSEN } from '../../shared/config/topology';
import { runCli } from '../harness/cli';
import { startNats } from '../harness/servers';
import { natsServerVersions, toolPath } from '../harness/tools';

const SEED_COMMANDS = [
  'stream add ORDERS --subjects "ORDERS.*" --ack --max-msgs=-1 --max-bytes=-1 --max-age=1y --storage file --retention limits --max-msg-size=-1 --discard=old',
  'consumer add ORDERS NEW --filter ORDERS.received --ack explicit --pull --deliver all --max-deliver=-1 --sample 100',
  'consumer add ORDERS DISPATCH --filter ORDERS.processed --ack explicit --pull --deliver all --max-deliver=-1 --sample 100',
  "consumer add ORDERS MONITOR --filter '' --ack none --target monitor.ORDERS --deliver last --replay instant",
];

/** Splits a seed command line as a shell would (quotes only). */
function argv(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * Drops what the server assigns (creation time, version metadata) rather than what was
 * configured. The Go CLI also sends pause_until as Go's zero time, which means "not paused".
 */
function configured(config: object): Record<string, unknown> {
  const {
    created: _created,
    metadata,
    ...rest
  } = config as Record<string, unknown> & { metadata?: Record<string, string> };
  if (rest.pause_until === GO_ZERO_TIME) delete rest.pause_until;
  const userMetadata = Object.entries(metadata ?? {}).filter(([key]) => !key.startsWith('_nats.'));
  return userMetadata.length ? { ...rest, metadata: Object.fromEntries(userMetadata) } : rest;
}

async function topology(jsm: JetStreamManager): Promise<Record<string, Record<string, unknown>>> {
  const result: Record<string, Record<string, unknown>> = {
    ORDERS: configured((await jsm.streams.info('ORDERS')).config),
  };
  for (const name of ['NEW', 'DISPATCH', 'MONITOR'])
    result[name] = configured((await jsm.consumers.info('ORDERS', name)).config);
  return result;
}

function differences(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) out[key] = [a[key], b[key]];
  }
  return out;
}

describe.each(natsServerVersions())('provision - matches the seed commands on nats-server $version', ({ path }) => {
  it('creates the same stream and consumers as the seed, but for the documented choices', async () => {
    const seedServer = await startNats({ binary: path });
    const oursServer = await startNats({ binary: path });

    for (const command of SEED_COMMANDS) {
      // --defaults answers the CLI's interactive prompts for what the seed leaves out.
      execFileSync(toolPath('nats'), ['--server', seedServer.url, ...argv(command), '--defaults'], { stdio: 'pipe' });
    }
    const provision = await runCli(['provision'], { env: { NATS_URL: oursServer.url } });
    expect(provision.stderr).toBe('');
    expect(provision.code).toBe(0);

    const seedNc = await connect({ servers: seedServer.url });
    const oursNc = await connect({ servers: oursServer.url });
    const seed = await topology(await jetstreamManager(seedNc));
    const ours = await topology(await jetstreamManager(oursNc));
    await seedNc.close();
    await oursNc.close();

    expect(differences(seed.ORDERS!, ours.ORDERS!)).toEqual({
      duplicate_window: [120_000_000_000, CHOSEN.duplicateWindowNs],
    });
    for (const consumer of ['NEW', 'DISPATCH', 'MONITOR']) {
      expect({ consumer, diff: differences(seed[consumer]!, ours[consumer]!) }).toEqual({ consumer, diff: {} });
    }
    // The seed's settings themselves, checked once more against the page's values.
    expect(ours.ORDERS).toMatchObject({
      subjects: ['ORDERS.*'],
      max_age: 31_536_000_000_000_000,
      storage: 'file',
      retention: 'limits',
      discard: 'old',
      max_msgs: -1,
      max_bytes: -1,
      max_msg_size: -1,
    });
    expect(ours.NEW).toMatchObject({
      filter_subject: 'ORDERS.received',
      ack_policy: 'explicit',
      deliver_policy: 'all',
      max_deliver: -1,
      sample_freq: '100',
    });
    expect(ours.MONITOR).toMatchObject({
      deliver_subject: 'monitor.ORDERS',
      ack_policy: 'none',
      deliver_policy: 'last',
      replay_policy: 'instant',
    });
    expect(ours.MONITOR!.filter_subject ?? '').toBe('');
  });
});
