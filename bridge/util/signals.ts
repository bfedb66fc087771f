/** Waiting that always has a way out: every sleep ends early when its signal aborts. */

/**
 * Resolves after `ms`, or at once when `signal` aborts or the `onWake` hook's function is called.
 * Never rejects.
 */
export function sleep(ms: number, signal?: AbortSignal, onWake?: (wake: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    onWake?.(done);
  });
}
