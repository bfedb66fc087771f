/**
 * Dead letters that always fit and are recorded once (issue #8, hole 5 and the dead-letter half
 * of hole 9): a message at the server's max payload with large headers is dead-lettered with its
 * exact bytes and terminated; a dead letter is recorded once per message within the duplicate
 * window and after it; a duplicate JetStream reports for an ID that is not ours is caught.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { Consumer, JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { AckPolicy, jetstream } from '@nats-io/jetstream';
import type { MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import { headers } from '@nats-io/nats-core';
import { Objm } from '@nats-io/obj';

import { deadLetterStreamConfig } from '../../shared/config/topology';
import {
  DLQ_PAYLOADS_BUCKET,
  DLQ_STREAM,
  STREAM,
  deadLetterMsgId,
  deadLetterSubject,
  redriveMsgId,
} from '../../workflows/names';
import { recordDeadLetter } from '../../shared/dead-letters/dead-letters';
import { encodedHeadersBytes } from '../../shared/orders/headers';
import { getDeadLetter, listDeadLetters, redriveDeadLetter } from '../../operate/dlq/dead-letter-store';
import { connectNats, jetStreamManagerFor } from '../../shared/nats/connect';
import { ForeignMessageError } from '../../activities/nats/publish-checks';
import { provisionTopology } from '../../shared/topology/provision';
import { ensureSupportObjects } from '../../shared/topology/support';
import { expectNoStackTrace, runCli } from '../harness/cli';
import { expectCompletedOnce } from '../harness/expect-pipeline';
import type { Pipeline } from '../harness/pipeline';
import { backlog, orders, startBridge, startPipeline, startWorker, stopComponents, waitFor } from '../harness/pipeline';
import { startNats } from '../harness/servers';
import { forEachNatsServer } from '../harness/tools';

/** Dead letters in ORDERS_DLQ on one message's dead-letter subject. */
async function lettersOn(jsm: JetStreamManager, consumer: string, streamSeq: number): Promise<number> {
  const subject = deadLetterSubject(consumer, streamSeq);
  return (await jsm.streams.info(DLQ_STREAM, { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
}

describe('dead letters - size limits, against the whole pipeline', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ ackWaitMs: 2000 });
  }, 60_000);
  afterEach(stopComponents, 60_000);

  it('dead letters - a message at the size limit is dead-lettered with its original bytes and terminated', async () => {
    await startWorker(p);
    await startBridge(p);
    const [good] = orders(1, 'limit-');
    const maxPayload = p.nc.info!.max_payload;
    const h = headers();
    h.set('traceparent', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    // Large headers, yet under JetStream's own 64 KiB limit for headers.
    for (let i = 1; i <= 3; i += 1) h.set(`X-Large-${i}`, String(i).repeat(16 * 1024));
    // A JSON order padded so that payload and headers fill the server's max payload to the byte.
    const prefix = JSON.stringify({ ...good!, pad: '' }).slice(0, -2);
    const padding = maxPayload - encodedHeadersBytes(h) - prefix.length - 2;
    const payload = new TextEncoder().encode(`${prefix}${'p'.repeat(padding)}"}`);
    expect(payload.length + encodedHeadersBytes(h)).toBe(maxPayload);
    const { seq } = await p.js.publish('ORDERS.received', payload, { headers: h });

    await waitFor('the dead letter', async () => (await lettersOn(p.jsm, 'NEW', seq)) === 1);
    // Terminated: nothing pending or awaiting an ack, so it is never delivered again.
    await waitFor('NEW drained', async () => {
      const b = await backlog(p, 'NEW');
      return b.pending + b.ackPending === 0;
    });
    const letter = (await listDeadLetters(p.jsm)).find((d) => d.streamSeq === seq)!;
    expect(letter).toMatchObject({
      kind: 'poison',
      consumer: 'NEW',
      orderId: good!.orderId,
      payloadObject: `NEW.${seq}`,
    });
    expect(letter.reason).toMatch(/^too-large/);
    expect(Buffer.from(letter.payload).equals(Buffer.from(payload))).toBe(true);
    for (const key of h.keys()) expect([key, letter.headers[key]]).toEqual([key, h.get(key)]);

    const cli = (args: string[]) => runCli(args, { env: p.env });
    const shown = JSON.parse((await cli(['dlq', 'show', String(letter.id)])).stdout) as {
      payload: string;
      payloadBytes: number;
      headers: Record<string, string>;
    };
    expect(shown.payloadBytes).toBe(payload.length);
    expect(shown.payload).toBe(new TextDecoder().decode(payload));
    expect(shown.headers['X-Large-3']).toBe(h.get('X-Large-3'));

    // As it was, it no longer fits once marked as redriven: refused, and the dead letter stays.
    const asItWas = await cli(['dlq', 'redrive', String(letter.id)]);
    expect(asItWas.code).toBe(2);
    expect(asItWas.stderr).toContain('redrive it with a corrected --payload');
    expectNoStackTrace(asItWas);
    expect(await lettersOn(p.jsm, 'NEW', seq)).toBe(1);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlq-limits-'));
    fs.writeFileSync(path.join(dir, 'fixed.json'), JSON.stringify(good));
    const fixed = await cli(['dlq', 'redrive', String(letter.id), '--payload', path.join(dir, 'fixed.json')]);
    expect(fixed.code).toBe(0);
    await expectCompletedOnce(p, [good!.orderId], 'limit-');
    expect(await lettersOn(p.jsm, 'NEW', seq)).toBe(0);
    const object = await (await new Objm(p.nc).open(DLQ_PAYLOADS_BUCKET)).info(`NEW.${seq}`);
    expect(object === null || object.deleted).toBe(true);
  }, 120_000);
});

forEachNatsServer('dead letters - recorded once, duplicates checked', (server) => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let js: JetStreamClient;
  let consumers = 0;

  beforeAll(async () => {
    const nats = await startNats({ binary: server.path });
    nc = await connectNats({ servers: [nats.url] });
    jsm = await jetStreamManagerFor(nc);
    js = jetstream(nc);
    await provisionTopology(jsm, nc.info?.version ?? '');
    await ensureSupportObjects(nc, jsm);
  });
  afterAll(() => nc?.close());

  /** One message on a subject of its own, delivered by a consumer of its own (named as returned). */
  async function delivered(body: Uint8Array | string, h?: MsgHdrs): Promise<{ name: string; c: Consumer; msg: JsMsg }> {
    consumers += 1;
    const name = `LIMITS${consumers}`;
    const subject = `ORDERS.limits${consumers}`;
    await js.publish(subject, body, h ? { headers: h } : {});
    await jsm.consumers.add(STREAM, { durable_name: name, filter_subject: subject, ack_policy: AckPolicy.Explicit });
    const c = await js.consumers.get(STREAM, name);
    const msg = await c.next({ expires: 5000 });
    expect(msg).not.toBeNull();
    return { name, c, msg: msg! };
  }

  /**
   * ORDERS_DLQ anew with a duplicate window of `windowNs`. Anew rather than updated: a live
   * stream's shrunk window may take effect only when the old one ends (the server re-arms its purge
   * timer from whichever window it reads first), which would leave the test waiting 10 minutes.
   */
  async function deadLetterStreamWithWindow(windowNs: number): Promise<void> {
    await jsm.streams.delete(DLQ_STREAM);
    await jsm.streams.add({ ...deadLetterStreamConfig(), duplicate_window: windowNs });
  }

  /** Waits until a message ID seen once is forgotten: the duplicate window has passed. */
  async function pastTheDuplicateWindow(): Promise<void> {
    const probe = await js.publish('orderflow.dlq.probe', 'x', { msgID: 'probe' });
    await waitFor('the duplicate window to pass', async () => {
      const again = await js.publish('orderflow.dlq.probe', 'x', { msgID: 'probe' });
      if (!again.duplicate) await jsm.streams.deleteMessage(DLQ_STREAM, again.seq, false);
      return !again.duplicate;
    });
    await jsm.streams.deleteMessage(DLQ_STREAM, probe.seq, false);
  }

  it('dead letters - the same message recorded twice, again on its redelivery, and after the duplicate window, is kept once', async () => {
    await deadLetterStreamWithWindow(1e9);
    const { name, c, msg } = await delivered('not json');
    const letter = { kind: 'poison', reason: 'not-json: test' } as const;
    const first = await recordDeadLetter(js, name, msg, letter);
    expect(first.status).toBe('recorded');
    expect(await recordDeadLetter(js, name, msg, letter)).toEqual({ status: 'already-recorded', id: first.id });
    // The bridge died before terminating: the message comes back as delivery 2.
    msg.nak();
    const again = (await c.next({ expires: 5000 }))!;
    expect(again.info.deliveryCount).toBe(2);
    expect(await recordDeadLetter(js, name, again, letter)).toEqual({ status: 'already-recorded', id: first.id });

    await pastTheDuplicateWindow();
    expect(await recordDeadLetter(js, name, again, letter)).toEqual({ status: 'already-recorded', id: first.id });
    expect(await lettersOn(jsm, name, msg.seq)).toBe(1);
    expect((await getDeadLetter(jsm, first.id)).deliveries).toBe(1);

    // The same holds for a dead letter whose bytes went to the object store.
    const big = await delivered(new Uint8Array(nc.info!.max_payload - 16).fill(0x61));
    const bigFirst = await recordDeadLetter(js, big.name, big.msg, letter);
    expect(await recordDeadLetter(js, big.name, big.msg, letter)).toEqual({
      status: 'already-recorded',
      id: bigFirst.id,
    });
    expect(await lettersOn(jsm, big.name, big.msg.seq)).toBe(1);
    // Buffer.equals: jest's toEqual compares a 1 MiB array element by element, for seconds.
    expect(Buffer.from((await getDeadLetter(jsm, bigFirst.id)).payload).equals(Buffer.from(big.msg.data))).toBe(true);
    await deadLetterStreamWithWindow(deadLetterStreamConfig().duplicate_window!);
  });

  it("dead letters - a message whose headers fill JetStream's 64 KiB header limit is dead-lettered with them", async () => {
    // JetStream takes at most 65,535 bytes of headers: the original's, just under, plus the record's would not fit.
    const h = headers();
    h.set('X-Filler', '');
    h.set('X-Filler', 'f'.repeat(65_535 - 200 - encodedHeadersBytes(h)));
    const { name, msg } = await delivered('{"orderId":"wide-headers"}', h);
    const { id } = await recordDeadLetter(js, name, msg, { kind: 'poison', reason: 'schema: test' });
    const record = await getDeadLetter(jsm, id);
    expect(record.payloadObject).toBe(`${name}.${msg.seq}`);
    expect(record.headers['X-Filler']).toBe(h.get('X-Filler'));
    expect(record.orderId).toBe('wide-headers');
  });

  it('dead letters - a duplicate reported for a message ID that is not ours is detected, never assumed', async () => {
    const letter = { kind: 'poison', reason: 'not-json: test' } as const;

    // Another message carries the dead letter's Nats-Msg-Id, within the duplicate window.
    const one = await delivered('not json');
    await js.publish('orderflow.dlq.foreign', 'someone else', { msgID: deadLetterMsgId(one.name, one.msg.seq) });
    await expect(recordDeadLetter(js, one.name, one.msg, letter)).rejects.toBeInstanceOf(ForeignMessageError);
    expect(await lettersOn(jsm, one.name, one.msg.seq)).toBe(0);

    // A stranger's message sits on the dead letter's own subject.
    const two = await delivered('not json');
    await js.publish(deadLetterSubject(two.name, two.msg.seq), 'someone else');
    await expect(recordDeadLetter(js, two.name, two.msg, letter)).rejects.toBeInstanceOf(ForeignMessageError);

    // A redrive whose Nats-Msg-Id another message in ORDERS already carries.
    const three = await delivered('not json');
    const { id } = await recordDeadLetter(js, three.name, three.msg, letter);
    const record = await getDeadLetter(jsm, id);
    await js.publish(record.subject, 'someone else', { msgID: redriveMsgId(id) });
    await expect(redriveDeadLetter(js, jsm, record)).rejects.toBeInstanceOf(ForeignMessageError);
    expect((await getDeadLetter(jsm, id)).id).toBe(id);
  });
});
