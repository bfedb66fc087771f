/** The stuck checks' shared rate: thousands of runs held never describe faster than the budget. */
import { CallBudget } from '../../bridge/consumer/call-budget';

describe('call budget - describes shared by every run held', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('call budget - a second of calls goes out at once, the rest at the rate, first come first served', async () => {
    const budget = new CallBudget(10);
    const served: number[] = [];
    const takes = Array.from({ length: 30 }, (_, i) => budget.take().then(() => served.push(i)));
    await jest.advanceTimersByTimeAsync(0);
    expect(served).toHaveLength(10);
    await jest.advanceTimersByTimeAsync(1000);
    expect(served.length).toBeGreaterThanOrEqual(19);
    expect(served.length).toBeLessThanOrEqual(21);
    await jest.advanceTimersByTimeAsync(1100);
    await Promise.all(takes);
    expect(served).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(jest.getTimerCount()).toBe(0);
  });

  it('call budget - over ten seconds of 5,000 waiters, at most the rate plus the first burst went out', async () => {
    const budget = new CallBudget(20);
    let served = 0;
    for (let i = 0; i < 5000; i += 1) void budget.take().then(() => (served += 1));
    await jest.advanceTimersByTimeAsync(10_000);
    expect(served).toBeLessThanOrEqual(20 + 20 * 10);
    expect(served).toBeGreaterThanOrEqual(20 * 10 - 5);
    expect(budget.waiting).toBe(5000 - served);
  });

  it('call budget - an abandoned wait ends at once, spends nothing and leaves no waiter', async () => {
    const budget = new CallBudget(1);
    await budget.take();
    const controller = new AbortController();
    const waiting = budget.take(controller.signal);
    expect(budget.waiting).toBe(1);
    controller.abort();
    await waiting;
    expect(budget.waiting).toBe(0);
    await jest.advanceTimersByTimeAsync(1000);
    // The token the abandoned wait did not spend is there for the next.
    let next = false;
    void budget.take().then(() => (next = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(next).toBe(true);
  });
});
