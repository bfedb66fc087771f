import type { JsMsg } from '@nats-io/jetstream';

import { Ticker } from '../../bridge/consumer/working-ticker';

/** Stand-ins: the ticker only holds them and hands them to its tick. */
function messages(n: number): JsMsg[] {
  return Array.from({ length: n }, (_, i) => ({ seq: i + 1 }) as unknown as JsMsg);
}

describe('working ticker - "still working" for the messages held, none on the hot path', () => {
  beforeEach(() => jest.useFakeTimers({ now: 0 }));
  afterEach(() => jest.useRealTimers());

  it('skips a message delivered less than half a period before a tick, and tells it at the next', () => {
    const told: number[] = [];
    const ticker = new Ticker(1000, (msg) => told.push(msg.seq));
    const [early, late] = messages(2);
    ticker.add(early!, true); // t=0: silent for a whole period at the first tick
    jest.advanceTimersByTime(700);
    ticker.add(late!, true); // t=700: 300 ms old at the first tick
    jest.advanceTimersByTime(300);
    expect(told).toEqual([1]);
    jest.advanceTimersByTime(1000);
    expect(told).toEqual([1, 1, 2]);
    ticker.stop();
  });

  it('never leaves a held message silent for more than one and a half periods', () => {
    const lastHeard = new Map<number, number>();
    let longest = 0;
    const ticker = new Ticker(1000, (msg) => {
      longest = Math.max(longest, Date.now() - lastHeard.get(msg.seq)!);
      lastHeard.set(msg.seq, Date.now());
    });
    const all = messages(200);
    for (const [i, msg] of all.entries()) {
      jest.advanceTimersByTime(37);
      lastHeard.set(msg.seq, Date.now());
      ticker.add(msg, i % 2 === 0);
    }
    jest.advanceTimersByTime(10_000);
    // Every message was told within the last period, so no silence is left unmeasured.
    for (const heard of lastHeard.values()) expect(Date.now() - heard).toBeLessThanOrEqual(1000);
    expect(longest).toBeLessThanOrEqual(1500);
    expect(longest).toBeGreaterThan(1000);
    ticker.stop();
  });

  it('tells a message that may have waited in a buffer at the very next tick', () => {
    const told: number[] = [];
    const ticker = new Ticker(1000, (msg) => told.push(msg.seq));
    jest.advanceTimersByTime(900);
    ticker.add(messages(1)[0]!, false);
    jest.advanceTimersByTime(100);
    expect(told).toEqual([1]);
    ticker.stop();
  });

  it('tells nothing once a message is settled, nor after stop', () => {
    const told: number[] = [];
    const ticker = new Ticker(1000, (msg) => told.push(msg.seq));
    const [settled, held] = messages(2);
    ticker.add(settled!, false);
    ticker.add(held!, false);
    ticker.delete(settled!);
    jest.advanceTimersByTime(1000);
    ticker.stop();
    jest.advanceTimersByTime(5000);
    expect(told).toEqual([2]);
  });

  it('says "in progress" (working) by default, the only word it ever sends', () => {
    const told: string[] = [];
    const msg = { seq: 1, working: () => told.push('working') } as unknown as JsMsg;
    const ticker = new Ticker(1000);
    ticker.add(msg, false);
    jest.advanceTimersByTime(1000);
    ticker.stop();
    expect(told).toEqual(['working']);
  });
});
