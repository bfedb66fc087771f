/**
 * Raw JetStream, for scale: orders published to a stream of their own and consumed with a no-op
 * handler that acks. Three orders of magnitude above Temporal, it shows where the ceiling is not.
 */
import { AckPolicy, jetstream } from '@nats-io/jetstream';

import { demoOrders } from '../../shared/orders/demo';
import type { Pipeline } from '../harness/pipeline';
import { pool } from './stats';

export async function rawJetStream(p: Pipeline, messages: number): Promise<number> {
  const name = 'RAW';
  await p.jsm.streams.add({ name, subjects: [`${name}.>`] });
  const body = JSON.stringify(demoOrders(1)[0]);
  const js = jetstream(p.nc);
  await pool(
    Array.from({ length: messages }, (_, i) => i),
    256,
    async () => void (await js.publish(`${name}.o`, body)),
  );
  await p.jsm.consumers.add(name, { durable_name: name, ack_policy: AckPolicy.Explicit });
  const consumer = await js.consumers.get(name, name);
  const started = performance.now();
  let seen = 0;
  const iterator = await consumer.consume({ max_messages: 1000 });
  for await (const msg of iterator) {
    msg.ack(); // the no-op handler
    if (++seen === messages) break;
  }
  const rate = messages / ((performance.now() - started) / 1000);
  await p.jsm.streams.delete(name);
  return rate;
}
