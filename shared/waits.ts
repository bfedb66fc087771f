/** Waiting that always has a way out: every sleep ends early when its signal aborts, and signals that do not outlive their use. */

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

/**
 * A signal of its own that aborts with `parent`, and a way to let go of `parent` once done. For
 * APIs that leave a listener on every signal they are given (the Temporal client does, one per
 * call): they get a short-lived signal, never the process-long one.
 */
export function childSignal(parent: AbortSignal): {
  readonly signal: AbortSignal;
  /** Aborts this signal alone. Hot paths give a `reason` made once: the default is a new DOMException, stack and all. */
  abort(reason?: unknown): void;
  dispose(): void;
} {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    abort: (reason) => controller.abort(reason),
    dispose: () => parent.removeEventListener('abort', onAbort),
  };
}
