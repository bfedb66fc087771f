/**
 * Rate and concurrency limits as definitions: every refusal one line, the plan recording them
 * (and plans without them unchanged), the rate-limited function's own task queue, the worker
 * roles and the rate its workers ask Temporal for.
 */
import { PipelineDefinitionError, defineFunction, definePipeline } from '../../activities/define';
import { hostedFunctions, workerRole } from '../../activities/host';
import { functionQueues, queueRatePerSecond, stagePlans } from '../../activities/plan';
import { permitKey } from '../../workflows/names';

const fn = (name: string, extra: Record<string, unknown> = {}) =>
  defineFunction({ name, run: () => ({ ok: true }), ...extra });

describe('limits - options', () => {
  it('limits - keeps a rate limit in milliseconds (period default 1 s) and a concurrency limit with its key', () => {
    const key = (order: { customerId: string }) => order.customerId;
    expect(fn('a', { rateLimit: { limit: 50 } }).rateLimit).toEqual({ limit: 50, periodMs: 1000 });
    expect(fn('a', { rateLimit: { limit: 5, period: '1m' } }).rateLimit).toEqual({ limit: 5, periodMs: 60_000 });
    expect(fn('a', { concurrency: { limit: 3 } }).concurrency).toEqual({ limit: 3 });
    expect(fn('a', { concurrency: { limit: 3, key } }).concurrency).toEqual({ limit: 3, key });
    expect(fn('a')).not.toHaveProperty('rateLimit');
    expect(fn('a')).not.toHaveProperty('concurrency');
  });

  it.each([
    [{ rateLimit: 10 }, /function "f" rateLimit: 10 is not an object; give rateLimit: \{ limit: 50, period: '1s' \}/],
    [{ rateLimit: {} }, /function "f" rateLimit: has no limit/],
    [{ rateLimit: { limit: 0 } }, /function "f" rateLimit.limit: 0 is not allowed; give a whole number ≥ 1/],
    [{ rateLimit: { limit: 2.5 } }, /rateLimit.limit: 2.5 is not allowed/],
    [{ rateLimit: { limit: '10' } }, /rateLimit.limit: "10" is not a number/],
    [{ rateLimit: { limit: 10, period: 'often' } }, /rateLimit.period: "often" is not a duration/],
    [
      { rateLimit: { limit: 10, perod: '1s' } },
      /function "f" rateLimit: unknown option perod \(did you mean period\?\)/,
    ],
    [{ rateLimit: { limit: 10 }, local: true }, /function "f": a local function cannot be rate limited/],
    [{ concurrency: { limit: 0 } }, /function "f" concurrency.limit: 0 is not allowed/],
    [{ concurrency: { max: 3 } }, /function "f" concurrency: unknown option max/],
    [{ concurrency: { limit: 3, key: 'customerId' } }, /function "f" concurrency.key: is not a function/],
    [{ concurrency: { limit: 3 }, local: true }, /a local function cannot hold a concurrency permit/],
    [{ ratelimit: { limit: 3 } }, /unknown option ratelimit \(did you mean rateLimit\?\)/],
  ])('limits - refuses %j with one line', (extra, message) => {
    let thrown: unknown;
    try {
      fn('f', extra);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PipelineDefinitionError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('\n');
  });

  it('limits - a rate-limited function may not share the task queue it names', () => {
    const limited = fn('charge', { taskQueue: 'payments', rateLimit: { limit: 5 } });
    expect(() => definePipeline({ process: [limited, fn('refund', { taskQueue: 'payments' })], dispatch: [] })).toThrow(
      /pipeline: function charge: is rate limited on task queue payments, which refund shares/,
    );
    expect(() => definePipeline({ process: [limited], dispatch: [fn('ship')] })).not.toThrow();
  });
});

describe('limits - plans, queues and workers', () => {
  const reserve = fn('reserve');
  const charge = fn('charge', { rateLimit: { limit: 10, period: '2s' }, concurrency: { limit: 3 } });
  const refund = fn('refund', { taskQueue: 'payments', rateLimit: { limit: 4 } });
  const ship = fn('ship', { concurrency: { limit: 2, key: (o: { customerId: string }) => o.customerId } });
  const pipeline = definePipeline({ process: [reserve, charge, refund], dispatch: [ship] });

  it('limits - a rate-limited function without a queue gets one derived from the pipeline queue and its name', () => {
    const plans = stagePlans(pipeline, 'orders', 'b1');
    expect(plans.process.functions.map((f) => f.taskQueue)).toEqual(['orders', 'orders:charge', 'payments']);
    expect(functionQueues(pipeline, 'orders')).toEqual(['orders:charge', 'payments']);
    expect(plans.process.functions[1]).toMatchObject({
      rateLimit: { limit: 10, periodMs: 2000 },
      concurrency: { limit: 3, keyed: false },
    });
    expect(plans.dispatch.functions[0]).toMatchObject({ taskQueue: 'orders', concurrency: { limit: 2, keyed: true } });
    expect(plans.process.functions[0]).not.toHaveProperty('rateLimit');
    expect(plans.process.functions[0]).not.toHaveProperty('concurrency');
  });

  it('limits - plans of functions without limits keep their digests; a limit changes the digest', () => {
    const plain = stagePlans(definePipeline({ process: [reserve], dispatch: [fn('ship')] }), 'orders', 'b1');
    const limited = stagePlans(definePipeline({ process: [reserve], dispatch: [ship] }), 'orders', 'b1');
    expect(limited.process.digest).toBe(plain.process.digest);
    expect(limited.dispatch.digest).not.toBe(plain.dispatch.digest);
  });

  it('limits - a worker on a derived queue hosts only that function and asks Temporal for its rate', () => {
    expect(workerRole(pipeline, 'orders:charge')).toBe('functions');
    expect(hostedFunctions(pipeline, 'orders:charge').map((f) => f.name)).toEqual(['charge']);
    expect(hostedFunctions(pipeline, 'orders').map((f) => f.name)).toEqual(['reserve', 'ship']);
    expect(queueRatePerSecond(pipeline, 'orders:charge')).toBe(5);
    expect(queueRatePerSecond(pipeline, 'payments')).toBe(4);
    expect(queueRatePerSecond(pipeline, 'orders')).toBeUndefined();
  });

  it('limits - permit keys: one set per function and key, any key escaped, never the unkeyed set', () => {
    expect(permitKey('charge', undefined, 0)).toBe('permit.charge.all.0');
    expect(permitKey('charge', 'c.1', 2)).toBe('permit.charge.kc=2E1.2');
    expect(permitKey('charge', 'll', 0)).not.toBe(permitKey('charge', undefined, 0));
    expect(permitKey('charge', '', 0)).toBe('permit.charge.k.0');
    expect(permitKey('charge', undefined, 4, 'rate')).toBe('rate.charge.all.4');
  });
});
