/**
 * orderflow on the real Temporal server with PostgreSQL persistence and SQL visibility (not the
 * dev server): `orderflow provision` registers the runs' search attributes there, a worker and a
 * bridge process carry orders through both stages, `status --seq` finds the runs of a stream
 * message, and orders in flight when the server is SIGKILLed and restarted still complete once
 * each. One nats-server of the harness's own is enough here: the NATS cluster is another test's.
 * The start and restart figures are printed (the README's), never asserted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';

import { connectNats, jetStreamManagerFor } from '../../shared/nats/connect';
import type { MessageRuns } from '../../operate/status/message-runs';
import { connectTemporal } from '../../shared/temporal/connect';
import { EFFECTS_BUCKET } from '../../workflows/names';
import { expectNoStackTrace, runCli } from '../harness/cli';
import { expectCompletedOnce, idsWithPrefix } from '../harness/expect-pipeline';
import { expectAttributesRegistered, runsOfSeq as seqRuns } from '../harness/ledger';
import type { Pipeline } from '../harness/pipeline';
import { orders, spawnBridge, spawnWorker, stopComponents, waitFor } from '../harness/pipeline';
import { startNats } from '../harness/servers';
import type { TemporalCluster } from './temporal-cluster';
import { startTemporalCluster } from './temporal-cluster';

/** What the harness's checks and process launchers read, on this deployment. */
type Deployed = Pick<Pipeline, 'env' | 'js' | 'jsm' | 'kv' | 'client'>;

const figure = (line: string): void => void process.stdout.write(`temporal cluster: ${line}\n`);

describe('cluster - the real Temporal server on PostgreSQL', () => {
  let dataDir: string;
  let cluster: TemporalCluster;
  let nc: NatsConnection;
  let client: Client;
  let env: Record<string, string>;
  /** Built once provision has made the topology (the effects bucket among it). */
  let p: Deployed;
  const cli = (...args: string[]) => runCli(args, { env, timeoutMs: 60_000 });

  async function publishAll(prefix: string, count: number): Promise<{ ids: string[]; seqs: number[] }> {
    const list = orders(count, prefix);
    const seqs: number[] = [];
    for (const order of list) {
      seqs.push((await p.js.publish('ORDERS.received', JSON.stringify(order), { msgID: order.orderId })).seq);
    }
    return { ids: list.map((o) => o.orderId), seqs };
  }

  const runsOfSeq = (seq: number, done: (m: MessageRuns) => boolean) => seqRuns(env, seq, done);

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-temporal-cluster-'));
    const started = Date.now();
    cluster = await startTemporalCluster({ dataDir, log: figure });
    figure(`started in ${Date.now() - started} ms (PostgreSQL databases, schemas, server, namespace)`);
    const nats = await startNats();
    nc = await connectNats({ servers: [nats.url] }, { reconnectForever: true });
    client = await connectTemporal({ address: cluster.address, namespace: cluster.namespace, connection: {} });
    env = { NATS_URL: nats.url, TEMPORAL_ADDRESS: cluster.address, TEMPORAL_NAMESPACE: cluster.namespace };
  }, 180_000);
  afterEach(stopComponents, 60_000);
  afterAll(async () => {
    await stopComponents();
    await client?.connection.close();
    await nc?.close();
    await cluster?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);

  it('provision creates the topology and registers the search attributes on the SQL-visibility namespace', async () => {
    const result = await cli('provision', '--json');
    expectNoStackTrace(result);
    expect(result.code).toBe(0);
    await expectAttributesRegistered(result.stdout, client, cluster.namespace);
    const kv = await new Kvm(nc).open(EFFECTS_BUCKET);
    p = { env, js: jetstream(nc), jsm: await jetStreamManagerFor(nc), kv, client };
  }, 120_000);

  // The tests below run after the provision above: the topology and the attributes are in place.
  it('a worker and a bridge process: orders complete once through both stages; status --seq finds their runs', async () => {
    await spawnWorker(p);
    await spawnBridge(p);
    const { ids, seqs } = await publishAll('tc1-', 5);
    await expectCompletedOnce(p, ids, 'tc1-', 120_000);

    const found = await runsOfSeq(seqs[2]!, (m) => m.runs.length > 0);
    expect(found.via).toBe('search-attributes');
    expect(found.runs).toEqual([
      expect.objectContaining({
        stage: 'process',
        workflowId: `process-${ids[2]}`,
        status: 'COMPLETED',
        subject: 'ORDERS.received',
        deliveryCount: 1,
      }),
    ]);
  }, 180_000);

  it('the server SIGKILLed and restarted with orders in flight: every order still completes once', async () => {
    // Each order's payment takes 2 s, so the kill meets orders mid-run.
    await spawnWorker(p, { FAULT_ORDER_PREFIX: 'tc2-', FAULT_STEP: 'chargePayment', FAULT_SLOW_MS: '2000' });
    await spawnBridge(p);
    const { ids, seqs } = await publishAll('tc2-', 10);
    await waitFor('a run to be in flight', async () => {
      const described = await client.workflow.getHandle(`process-${ids[0]}`).describe();
      return described.status.name === 'RUNNING';
    });
    const completedBefore = (await idsWithPrefix(p, 'ORDERS.completed', 'tc2-')).length;

    const begun = Date.now();
    await cluster.restart({ kill: true });
    figure(`SIGKILLed and usable again in ${Date.now() - begun} ms`);

    expect(completedBefore).toBeLessThan(ids.length);
    await expectCompletedOnce(p, ids, 'tc2-', 180_000);
    // A message of before the kill still finds its run.
    const found = await runsOfSeq(seqs[0]!, (m) => m.runs.length > 0);
    expect(found.runs.map((r) => [r.workflowId, r.status, r.deliveryCount])).toEqual([
      [`process-${ids[0]}`, 'COMPLETED', 1],
    ]);
  }, 300_000);
});
