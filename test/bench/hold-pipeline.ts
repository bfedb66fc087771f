/**
 * The in-flight bench's functions module (`orderflow worker --functions`): `hold` waits until the
 * moment the bench gave the worker (BENCH_RELEASE_AT, ms since the epoch), so every order of a
 * phase is in flight together, then returns. Heartbeats off, as a function waiting on a payment
 * provider would run; its timeout is the hold's plus a margin.
 */
import { defineFunction, definePipeline } from '../../activities/define';

const releaseAt = Number(process.env.BENCH_RELEASE_AT);
if (!Number.isFinite(releaseAt)) throw new Error('BENCH_RELEASE_AT (ms since the epoch) is not set');

const hold = defineFunction({
  name: 'hold',
  heartbeatTimeout: 0,
  timeout: '30m',
  run: async (_order, ctx) => {
    const waitMs = releaseAt - Date.now();
    if (waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        ctx.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      });
    }
    return { heldMs: Math.max(0, waitMs) };
  },
});

const pass = defineFunction({ name: 'pass', run: () => Promise.resolve({ passed: true }) });

export default definePipeline({ process: [hold], dispatch: [pass] });
