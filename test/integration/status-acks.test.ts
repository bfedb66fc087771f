/**
 * status - whether NEW acked a message, on every supported nats-server: JetStream counts the
 * messages pending above the ack floor but never says which, so the reader also reads NEW's
 * messages above the floor (an ordered consumer; nats-server 2.9 takes its filter as a string) and,
 * where the counts do not settle it, asks which runs are still going. Temporal is a stand-in here
 * (each order's stage run status, as the test sets it): what is checked is what each server tells.
 */
import type { Consumer, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';

import { AckReader } from '../../operate/status/ack-state';
import { provisionTopology } from '../../shared/topology/provision';
import { startJetStream } from '../harness/jetstream';
import { forEachNatsServer } from '../harness/tools';

/** A Temporal client that knows only each workflow's status, as `runs` says. */
function runsSaying(runs: Record<string, string>): Client {
  const describe = (workflowId: string) => Promise.resolve({ status: { name: runs[workflowId] ?? 'RUNNING' } });
  return { workflow: { getHandle: (id: string) => ({ describe: () => describe(id) }) } } as unknown as Client;
}

async function pull(consumer: Consumer, count: number): Promise<JsMsg[]> {
  const got: JsMsg[] = [];
  for await (const msg of await consumer.fetch({ max_messages: count, expires: 2000 })) got.push(msg);
  return got;
}

forEachNatsServer('status - ack state above the floor', (server) => {
  let jsm: JetStreamManager;
  let msgs: JsMsg[];
  const seqs = () => msgs.map((m) => m.seq);

  beforeAll(async () => {
    const started = await startJetStream({ natsBinary: server.path });
    jsm = started.jsm;
    await provisionTopology(jsm, started.nc.info?.version ?? '');
    for (const id of ['a-1', 'a-2', 'a-3', 'a-4']) {
      await started.js.publish('ORDERS.received', JSON.stringify({ orderId: id }));
      // Another subject between them: the reader counts only NEW's own messages.
      await started.js.publish('ORDERS.completed', JSON.stringify({ order: { orderId: id } }));
    }
    msgs = await pull(await started.js.consumers.get('ORDERS', 'NEW'), 4);
    expect(msgs).toHaveLength(4);
  });

  it('status - two held (1st, 3rd), two acked: the acked ones are told by which runs completed', async () => {
    await msgs[1]!.ackAck();
    await msgs[3]!.ackAck();
    const info = await jsm.consumers.info('ORDERS', 'NEW');
    expect([info.ack_floor.stream_seq, info.num_ack_pending]).toEqual([0, 2]);
    const runs = { 'process-a-2': 'COMPLETED', 'process-a-4': 'COMPLETED' };
    const reader = new AckReader(runsSaying(runs), jsm, Promise.resolve([]));
    const acked = await Promise.all(seqs().map((seq) => reader.acked('process', seq)));
    expect(acked).toEqual([false, true, false, true]);
    // A message never delivered to NEW is not acked.
    expect(await reader.acked('process', seqs()[3]! + 1)).toBe(false);
  });

  it('status - only the first held: every later message is acked, told from the counts alone', async () => {
    await msgs[2]!.ackAck();
    // Every run still going as far as this stand-in knows: the counts alone must settle it.
    const reader = new AckReader(runsSaying({}), jsm, Promise.resolve([]));
    const acked = await Promise.all(seqs().map((seq) => reader.acked('process', seq)));
    expect(acked).toEqual([false, true, true, true]);
    await msgs[0]!.ackAck();
    expect(await Promise.all(seqs().map((seq) => reader.acked('process', seq)))).toEqual([true, true, true, true]);
  });
});
