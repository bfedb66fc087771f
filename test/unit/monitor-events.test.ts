import { MonitorAggregator } from '../../operate/monitor/aggregator';
import { messageEvent, systemEvent } from '../../shared/observability/monitor-events';

const bytes = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

describe('monitor events - decoding what the servers publish', () => {
  it('takes the stream sequence of a MONITOR delivery from its ack subject and the order from its body', () => {
    const event = messageEvent(
      'ORDERS.received',
      '$JS.ACK.ORDERS.MONITOR.1.41.7.1764072000000000000.0',
      bytes({ orderId: 'A-9' }),
    );
    expect(event).toMatchObject({ type: 'message', subject: 'ORDERS.received', streamSeq: 41, orderId: 'A-9' });
    const v2 = messageEvent(
      'ORDERS.received',
      '$JS.ACK._.ACCHASH.ORDERS.MONITOR.1.42.8.1764072000000000000.0.r4nd',
      bytes({}),
    );
    expect(v2).toMatchObject({ streamSeq: 42 });
    expect(messageEvent('ORDERS.processed', undefined, bytes({ order: { orderId: 'B' } }))).toMatchObject({
      orderId: 'B',
    });
    expect(messageEvent('ORDERS.received', undefined, new TextEncoder().encode('junk'))).not.toHaveProperty('orderId');
  });

  it('decodes sampled acks and advisories, and ignores anything else', () => {
    const ack = systemEvent(
      '$JS.EVENT.METRIC.CONSUMER.ACK.ORDERS.NEW',
      bytes({ consumer: 'NEW', stream_seq: 5, deliveries: 2, ack_time: 250_000_000 }),
    );
    expect(ack).toMatchObject({ type: 'ack', consumer: 'NEW', streamSeq: 5, deliveries: 2, ackDelayMs: 250 });
    const term = systemEvent(
      '$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.ORDERS.NEW',
      bytes({ consumer: 'NEW', stream_seq: 9, reason: 'poison' }),
    );
    expect(term).toMatchObject({ type: 'advisory', kind: 'terminated', streamSeq: 9, reason: 'poison' });
    const max = systemEvent(
      '$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.ORDERS.DISPATCH',
      bytes({ stream_seq: 3, deliveries: 5 }),
    );
    expect(max).toMatchObject({ kind: 'max_deliveries', consumer: 'DISPATCH', deliveries: 5 });
    expect(systemEvent('$JS.EVENT.METRIC.CONSUMER.ACK.ORDERS.NEW', new TextEncoder().encode('{'))).toBeUndefined();
    expect(systemEvent('something.else', bytes({}))).toBeUndefined();
  });
});

describe('monitor aggregator - what the terminal shows', () => {
  it('counts per subject, rates over 10 s, redeliveries, an ack-delay histogram and alerts', () => {
    const d = new MonitorAggregator();
    const now = 1_000_000;
    for (let i = 0; i < 20; i += 1)
      d.add(
        {
          type: 'message',
          subject: 'ORDERS.received',
          streamSeq: i + 1,
          orderId: `o-${i}`,
          time: new Date(now).toISOString(),
        },
        now,
      );
    d.add({ type: 'ack', consumer: 'NEW', streamSeq: 1, deliveries: 1, ackDelayMs: 40, time: '' });
    d.add({ type: 'ack', consumer: 'NEW', streamSeq: 2, deliveries: 3, ackDelayMs: 700, time: '' });
    d.add({
      type: 'advisory',
      kind: 'terminated',
      consumer: 'NEW',
      streamSeq: 7,
      reason: 'schema',
      time: '2026-11-25T12:00:00.000Z',
    });
    const view = d.render(now + 1000);
    expect(view).toMatch(/ORDERS\.received\s+20\s+2\.0/);
    expect(view).toContain('sampled acks 2, redelivered 1');
    expect(view).toMatch(/<= 50 ms\s+#+ 1/);
    expect(view).toMatch(/<= 1000 ms\s+#+ 1/);
    expect(view).toContain('terminated NEW seq 7 schema');
    expect(d.render(now + 20_000)).toMatch(/ORDERS\.received\s+20\s+0\.0/);
  });
});

describe('monitor aggregator - the snapshot the web page draws', () => {
  it('keeps a per-second series per subject and recent orders with the subject they reached', () => {
    const d = new MonitorAggregator({ recentOrders: 2 });
    const at = (ms: number) => new Date(ms).toISOString();
    const now = 5_000_000;
    d.add(
      { type: 'message', subject: 'ORDERS.received', orderId: 'a', streamSeq: 1, time: at(now - 3000) },
      now - 3000,
    );
    d.add(
      { type: 'message', subject: 'ORDERS.received', orderId: 'b', streamSeq: 2, time: at(now - 3000) },
      now - 3000,
    );
    d.add(
      { type: 'message', subject: 'ORDERS.processed', orderId: 'a', streamSeq: 3, time: at(now - 1000) },
      now - 1000,
    );
    d.add({ type: 'message', subject: 'ORDERS.received', orderId: 'c', streamSeq: 4, time: at(now) }, now);
    const view = d.snapshot(now);
    const received = view.subjects.find((s) => s.subject === 'ORDERS.received')!;
    expect(received.series).toHaveLength(60);
    expect(received.series.slice(-4)).toEqual([2, 0, 0, 1]);
    expect(received.total).toBe(3);
    // Newest first; the oldest order (b) fell out of the two kept.
    expect(view.recentOrders.map((o) => [o.orderId, o.lastSubject])).toEqual([
      ['c', 'ORDERS.received'],
      ['a', 'ORDERS.processed'],
    ]);
    expect(view.ackDelay.bounds.at(-1)).toBeNull();
    expect(d.snapshot(now + 120_000).subjects[0]!.series.every((n) => n === 0)).toBe(true);
  });
});
