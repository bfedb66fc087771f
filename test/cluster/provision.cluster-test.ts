/**
 * `orderflow provision --replicas 3` on a fresh 3-node cluster: the ORDERS stream, the dead-letter
 * stream, the dead-letter object store and the effects bucket all come out with three replicas,
 * each whole (a leader and two current followers). Then the harness's own failover: the ORDERS
 * leader SIGKILLed, another elected, the node back and caught up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { JetStreamManager } from '@nats-io/jetstream';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';

import { connectNats, jetStreamManagerFor } from '../../shared/nats/connect';
import {
  DLQ_PAYLOADS_BUCKET,
  DLQ_STREAM,
  EFFECTS_BUCKET,
  PAUSES_BUCKET,
  STREAM,
  SUBJECTS,
} from '../../workflows/names';
import { expectNoStackTrace, runCli } from '../harness/cli';
import type { NatsCluster } from './nats-cluster';
import { startNatsCluster } from './nats-cluster';
import { waitForNewLeader, waitForWholeStream } from './stream-health';

/** The streams behind the buckets, named by the KV and object store conventions. */
const STREAMS = [STREAM, DLQ_STREAM, `KV_${EFFECTS_BUCKET}`, `OBJ_${DLQ_PAYLOADS_BUCKET}`, `KV_${PAUSES_BUCKET}`];

describe('cluster - provision on a 3-node NATS cluster', () => {
  let dataDir: string;
  let cluster: NatsCluster;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-nats-cluster-'));
    cluster = await startNatsCluster({ dataDir });
    nc = await connectNats({ servers: cluster.servers }, { reconnectForever: true });
    jsm = await jetStreamManagerFor(nc);
  }, 60_000);

  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('provision --replicas 3 makes the stream, the dead letters and both buckets R3, each whole', async () => {
    const result = await runCli(['provision', '--replicas', '3', '--no-search-attributes'], {
      env: { NATS_URL: cluster.urls },
      timeoutMs: 60_000,
    });
    expectNoStackTrace(result);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const name of STREAMS) {
      expect([name, (await jsm.streams.info(name)).config.num_replicas]).toEqual([name, 3]);
      const { placement } = await waitForWholeStream(jsm, name, { timeoutMs: 30_000 });
      expect(
        placement.followers
          .map((f) => f.name)
          .concat(placement.leader!)
          .sort(),
      ).toEqual(['n1', 'n2', 'n3']);
    }
    // The work queues follow their stream: each a replica group of three.
    for (const consumer of ['NEW', 'DISPATCH']) {
      const info = await jsm.consumers.info(STREAM, consumer);
      expect([consumer, info.cluster?.replicas?.length]).toEqual([consumer, 2]);
    }
  }, 90_000);

  it('harness - the ORDERS leader SIGKILLed: another is elected, publishing goes on, the node comes back current', async () => {
    const { placement } = await waitForWholeStream(jsm, STREAM);
    const killed = placement.leader!;
    await cluster.kill(killed);
    const failover = await waitForNewLeader(jsm, STREAM, killed, { timeoutMs: 30_000 });
    expect(failover.placement.followers.find((f) => f.name === killed)?.current).toBe(false);
    const js = jetstream(nc);
    const ack = await js.publish(SUBJECTS.received, '{}', { msgID: 'while-a-node-is-down' });
    await cluster.start(killed);
    const whole = await waitForWholeStream(jsm, STREAM, { timeoutMs: 60_000 });
    expect(whole.placement.followers.map((f) => f.name)).toContain(killed);
    expect((await jsm.streams.info(STREAM)).state.last_seq).toBe(ack.seq);
  }, 120_000);
});
