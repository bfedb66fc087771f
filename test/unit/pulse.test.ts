/** The shared beat of the stuck checks: one timer whatever the number of waiting messages. */
import { Pulse } from '../../bridge/consumer/pulse';

describe('pulse - one timer shared by every waiting message', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('pulse - a thousand waiters share one timer, all woken by one beat; no timer once nobody waits', async () => {
    const pulse = new Pulse(1000);
    let woken = 0;
    const waits = Array.from({ length: 1000 }, () => pulse.next().then(() => (woken += 1)));
    expect(jest.getTimerCount()).toBe(1);
    expect(pulse.waiting).toBe(1000);
    await jest.advanceTimersByTimeAsync(999);
    expect(woken).toBe(0);
    await jest.advanceTimersByTimeAsync(1);
    await Promise.all(waits);
    expect(woken).toBe(1000);
    expect(pulse.waiting).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('pulse - an aborted wait ends at once and lets go of the timer', async () => {
    const pulse = new Pulse(1000);
    const controller = new AbortController();
    const wait = pulse.next(controller.signal);
    controller.abort();
    await wait;
    expect(pulse.waiting).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
    await pulse.next(controller.signal); // already aborted: resolves without waiting
  });

  it('pulse - atLeast waits whole beats until the period has passed since the last check', async () => {
    const pulse = new Pulse(1000);
    await jest.advanceTimersByTimeAsync(0);
    const since = Date.now();
    let done = false;
    // Another waiter started the beat 600 ms earlier: its first beat comes 400 ms after `since`.
    const early = pulse.next();
    await jest.advanceTimersByTimeAsync(600);
    const wait = pulse.atLeast(1000, Date.now()).then(() => (done = true));
    await jest.advanceTimersByTimeAsync(400);
    await early;
    expect(done).toBe(false); // 400 ms after it began: too young to check
    await jest.advanceTimersByTimeAsync(1000);
    await wait;
    expect(done).toBe(true);
    expect(Date.now() - since).toBe(2000);
  });
});
