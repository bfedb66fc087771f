/**
 * `orderflow dev --watch` waits for the saves to stop before it reloads, and never reloads twice
 * at once (local/dev/watch/debounce.ts). Jest's fake timers stand in for the quiet period.
 */
import { QuietRunner } from '../../local/dev/watch/debounce';

/** An action whose runs the test finishes one by one. */
function heldAction(): { action: () => Promise<void>; runs: number; finish: () => Promise<void> } {
  const pending: Array<() => void> = [];
  const held = {
    runs: 0,
    action: () => {
      held.runs += 1;
      return new Promise<void>((resolve) => pending.push(resolve));
    },
    finish: async () => {
      pending.shift()?.();
      // Lets the runner's own continuation (a poke kept for after the run) take its turn.
      for (let i = 0; i < 5; i += 1) await Promise.resolve();
    },
  };
  return held;
}

describe('dev watch - debounced reloads', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('dev watch - several quick saves make one run, once the quiet period has passed since the last', () => {
    const held = heldAction();
    const runner = new QuietRunner(held.action, 200);
    runner.poke();
    jest.advanceTimersByTime(150);
    runner.poke();
    jest.advanceTimersByTime(150);
    runner.poke();
    jest.advanceTimersByTime(199);
    expect(held.runs).toBe(0);
    jest.advanceTimersByTime(1);
    expect(held.runs).toBe(1);
  });

  it('dev watch - saves during a run make exactly one more run after it, never two at once', async () => {
    const held = heldAction();
    const runner = new QuietRunner(held.action, 200);
    runner.poke();
    jest.advanceTimersByTime(200);
    expect(held.runs).toBe(1);
    runner.poke();
    runner.poke();
    jest.advanceTimersByTime(1000);
    expect(held.runs).toBe(1);
    await held.finish();
    jest.advanceTimersByTime(200);
    expect(held.runs).toBe(2);
    await held.finish();
    jest.advanceTimersByTime(1000);
    expect(held.runs).toBe(2);
  });

  it('dev watch - close cancels a run not started, waits for the one running, and ignores later saves', async () => {
    const held = heldAction();
    const runner = new QuietRunner(held.action, 200);
    runner.poke();
    jest.advanceTimersByTime(200);
    runner.poke();
    let closed = false;
    const closing = runner.close().then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    await held.finish();
    await closing;
    runner.poke();
    jest.advanceTimersByTime(1000);
    expect(held.runs).toBe(1);
  });
});
