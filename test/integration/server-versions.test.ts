/**
 * The ack verbs on every supported nats-server (issue #8 hole 2): what acks.ts sends is honoured
 * by each server, and what nats.js sends unguarded is not, on the older one. A raw JetStream
 * consumer with a one-second ack wait, so a message that is left pending comes back within the test.
 */
import type { Consumer, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { AckPolicy } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';

import { nakAfter, terminate } from '../../bridge/decision/acks';
import type { ServerFeatures } from '../../shared/nats/server-features';
import { startJetStream } from '../harness/jetstream';
import { forEachNatsServer } from '../harness/tools';

const ACK_WAIT_MS = 1000;

/** Messages a pull of `expiresMs` gets (0 when nothing is delivered in that time). */
async function pull(consumer: Consumer, expiresMs: number): Promise<JsMsg[]> {
  const got: JsMsg[] = [];
  for await (const msg of await consumer.fetch({ max_messages: 1, expires: expiresMs })) got.push(msg);
  return got;
}

forEachNatsServer('acks - verbs as the server understands them', (server) => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let js: JetStreamClient;
  let features: ServerFeatures;
  let streams = 0;

  beforeAll(async () => {
    ({ nc, jsm, js, features } = await startJetStream({ natsBinary: server.path }));
  });

  /** A stream of its own with one message, and a pull consumer with a short ack wait. */
  async function oneMessage(): Promise<{ stream: string; consumer: Consumer; msg: JsMsg }> {
    streams += 1;
    const stream = `V${streams}`;
    await jsm.streams.add({ name: stream, subjects: [`v${streams}.>`] });
    await jsm.consumers.add(stream, {
      durable_name: 'C',
      ack_policy: AckPolicy.Explicit,
      ack_wait: ACK_WAIT_MS * 1e6,
      max_deliver: -1,
    });
    await js.publish(`v${streams}.order`, '{"orderId":"poison?"}');
    const consumer = await js.consumers.get(stream, 'C');
    const [msg] = await pull(consumer, 2000);
    expect(msg).toBeDefined();
    return { stream, consumer, msg: msg! };
  }

  async function state(stream: string) {
    const info = await jsm.consumers.info(stream, 'C');
    return {
      ackPending: info.num_ack_pending,
      redelivered: info.num_redelivered,
      deliveries: info.delivered.consumer_seq,
    };
  }

  it('server features - the pinned server has every feature, the older one neither +TERM reasons nor pause', () => {
    expect(features.version).toBe(server.version.replace(/^v/, ''));
    expect(features.termWithReason).toBe(server.pinned);
    expect(features.consumerPause).toBe(server.pinned);
    expect(features.nakWithDelay).toBe(true);
  });

  it('acks - terminate(): the server takes it (advisory), never redelivers, nothing stays pending', async () => {
    const { stream, consumer, msg } = await oneMessage();
    const advisories = nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${stream}.C`, { max: 1 });
    await nc.flush();
    const form = terminate(msg, 'poison: not json\n(line two)', features);
    expect(form).toBe(features.termWithReason ? 'with-reason' : 'plain');

    let advisory: { stream_seq?: number; reason?: string } | undefined;
    for await (const m of advisories) advisory = m.json();
    expect(advisory).toMatchObject({ stream_seq: 1 });
    expect(advisory!.reason).toBe(features.termWithReason ? 'poison: not json (line two)' : undefined);

    // Twice the ack wait: a message left pending would have come back by now.
    expect(await pull(consumer, 2.5 * ACK_WAIT_MS)).toHaveLength(0);
    expect(await state(stream)).toEqual({ ackPending: 0, redelivered: 0, deliveries: 1 });
  }, 30_000);

  it('acks - msg.term(reason) straight from nats.js: honoured from 2.10.4, ignored before it, the message redelivered forever (issue #8 hole 2)', async () => {
    const { stream, consumer, msg } = await oneMessage();
    msg.term('poison: not json');
    const again = await pull(consumer, 3 * ACK_WAIT_MS);
    if (features.termWithReason) {
      expect(again).toHaveLength(0);
      expect(await state(stream)).toEqual({ ackPending: 0, redelivered: 0, deliveries: 1 });
    } else {
      // The older server matched `+TERM` exactly and dropped the ack: the ack wait lapsed.
      expect(again.map((m) => m.info.deliveryCount)).toEqual([2]);
      expect(await state(stream)).toEqual({ ackPending: 1, redelivered: 1, deliveries: 2 });
      terminate(again[0]!, 'poison: not json', features);
      expect(await pull(consumer, 2.5 * ACK_WAIT_MS)).toHaveLength(0);
      expect(await state(stream)).toEqual({ ackPending: 0, redelivered: 0, deliveries: 2 });
    }
  }, 30_000);

  it('acks - nakAfter(): the message comes back after the delay, not at once', async () => {
    const { stream, consumer, msg } = await oneMessage();
    // A fraction of a millisecond, as a computed backoff has: sent as is, the server would take a plain nak.
    nakAfter(msg, 2500.4, features);
    expect(await pull(consumer, 1500)).toHaveLength(0);
    const back = await pull(consumer, 4000);
    expect(back.map((m) => m.info.deliveryCount)).toEqual([2]);
    expect(await back[0]!.ackAck()).toBe(true);
    expect((await state(stream)).ackPending).toBe(0);
  }, 30_000);

  it('acks - working() holds a message past its ack wait without a redelivery', async () => {
    const { stream, consumer, msg } = await oneMessage();
    const keepAlive = setInterval(() => msg.working(), ACK_WAIT_MS / 4);
    try {
      expect(await pull(consumer, 2.5 * ACK_WAIT_MS)).toHaveLength(0);
    } finally {
      clearInterval(keepAlive);
    }
    expect(await msg.ackAck()).toBe(true);
    expect(await state(stream)).toEqual({ ackPending: 0, redelivered: 0, deliveries: 1 });
  }, 30_000);
});
