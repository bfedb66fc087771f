/**
 * Function and pipeline definitions: defaults, every refusal as one clear message, and how a
 * pipeline becomes plans and worker roles.
 */
import { FUNCTION_DEFAULTS, PipelineDefinitionError, defineFunction, definePipeline } from '../../activities/define';
import { hostedFunctions, workerRole } from '../../activities/host';
import { functionQueues, planDigest, stagePlans } from '../../activities/plan';

const fn = (name: string, extra: Record<string, unknown> = {}) =>
  defineFunction({ name, run: () => ({ ok: true }), ...extra });

describe('define - functions', () => {
  it('define - fills every default, in milliseconds', () => {
    const f = fn('charge');
    expect(f).toMatchObject({
      name: 'charge',
      timeoutMs: FUNCTION_DEFAULTS.timeoutMs,
      heartbeatTimeoutMs: FUNCTION_DEFAULTS.heartbeatTimeoutMs,
      retry: { ...FUNCTION_DEFAULTS.retry, nonRetryableErrorTypes: [] },
      recordResult: false,
    });
    expect(f.taskQueue).toBeUndefined();
    expect(Object.isFrozen(f)).toBe(true);
  });

  it('define - takes durations as milliseconds or strings, and the retry policy as given', () => {
    const f = fn('charge', {
      timeout: '30s',
      heartbeatTimeout: 2000,
      taskQueue: 'payments',
      recordResult: true,
      retry: {
        maximumAttempts: 0,
        initialInterval: '200ms',
        maximumInterval: '1m',
        nonRetryableErrorTypes: ['CardDeclined'],
      },
    });
    expect(f).toMatchObject({
      timeoutMs: 30_000,
      heartbeatTimeoutMs: 2000,
      taskQueue: 'payments',
      recordResult: true,
      retry: {
        maximumAttempts: 0,
        initialIntervalMs: 200,
        maximumIntervalMs: 60_000,
        nonRetryableErrorTypes: ['CardDeclined'],
      },
    });
  });

  it.each([
    [{ name: '1abc' }, /function "1abc": the name is not valid/],
    [{ name: 'a.b' }, /the name is not valid/],
    [{ name: 'x'.repeat(65) }, /the name is not valid/],
    [{ name: 'default' }, /function "default": the name is reserved/],
    [{ name: 'ok', run: undefined }, /function "ok": has no run/],
    [{ name: 'ok', timeout: 'soon' }, /function "ok" timeout: "soon" is not a duration/],
    [{ name: 'ok', timeout: 0 }, /function "ok" timeout: 0 is too short/],
    [{ name: 'ok', taskQueue: 'a b' }, /task queue "a b" is not valid/],
    [{ name: 'ok', retry: { maximumAttempts: 1.5 } }, /retry.maximumAttempts: 1.5 is not allowed/],
    [{ name: 'ok', retry: { backoffCoefficient: 0.5 } }, /backoffCoefficient 0.5 is below 1/],
    [{ name: 'ok', retry: { nonRetryableErrorTypes: 'CardDeclined' } }, /nonRetryableErrorTypes is not a list/],
    [
      { name: 'ok', local: true, taskQueue: 'payments' },
      /function "ok": a local function has no task queue of its own/,
    ],
    // An option orderflow does not know is refused, not dropped: the user believes it took effect.
    [
      { name: 'ok', throttle: 10 },
      /^function "ok": unknown option throttle; the options are name, needs, run, timeout, /,
    ],
    [{ name: 'ok', debounce: 4 }, /^function "ok": unknown option debounce; the options are /],
    [{ name: 'ok', retries: 3 }, /^function "ok": unknown option retries \(did you mean retry\?\); /],
    [{ name: 'ok', timout: '30s' }, /^function "ok": unknown option timout \(did you mean timeout\?\); /],
    [{ nmae: 'ok' }, /^function "": unknown option nmae \(did you mean name\?\); /],
    [
      { name: 'ok', retry: { attempts: 3 } },
      /^function "ok" retry: unknown option attempts; the options are maximumAttempts, initialInterval, /,
    ],
    [
      { name: 'ok', retry: { maxAttempts: 3 } },
      /^function "ok" retry: unknown option maxAttempts \(did you mean maximumAttempts\?\); /,
    ],
    [{ name: 'ok', retry: 3 }, /^function "ok" retry: 3 is not an object; give retry: \{ maximumAttempts: 10 \}$/],
    [
      { name: 'ok', recordResult: 'yes' },
      /^function "ok" recordResult: "yes" is not true or false; give true or false$/,
    ],
    [{ name: 'ok', local: 1 }, /^function "ok" local: 1 is not true or false/],
    [{ name: 'ok', needs: [] }, /^function "ok" needs: is not an object; give needs: \{ process: \[chargeCard\] \}$/],
    [
      { name: 'ok', needs: { ship: [] } },
      /^function "ok" needs: unknown option ship; the options are process, dispatch$/,
    ],
    [
      { name: 'ok', needs: { process: 'a' } },
      /^function "ok" needs.process: is not a list; give process: \[fnA, fnB\]$/,
    ],
    [{ name: 'ok', needs: { process: [() => 1] } }, /^function "ok" needs.process\[0\]: is not a function definition/],
  ])('define - refuses %j', (options, message) => {
    const attempt = () => defineFunction({ run: () => null, ...options } as never);
    expect(attempt).toThrow(PipelineDefinitionError);
    expect(attempt).toThrow(message);
  });
});

describe('define - pipelines', () => {
  it('define - keeps each stage in order, retired functions apart, every function once', () => {
    const [a, b, c, old] = [fn('a'), fn('b'), fn('c'), fn('old')];
    const p = definePipeline({ process: [b, a], dispatch: [c], retired: [old] });
    expect(p.stages.process.map((f) => f.name)).toEqual(['b', 'a']);
    expect(p.stages.dispatch.map((f) => f.name)).toEqual(['c']);
    expect(p.functions.map((f) => f.name)).toEqual(['b', 'a', 'c', 'old']);
  });

  it('define - takes a function whose needs run before it, earlier in its stage or in an earlier stage, and keeps their names', () => {
    const [a, b] = [fn('a'), fn('b')];
    const c = fn('c', { needs: { process: [a, b] } });
    const d = fn('d', { needs: { process: [a], dispatch: [c] } });
    const p = definePipeline({ process: [a, b], dispatch: [c, d] });
    expect(p.stages.dispatch.map((f) => f.needs)).toEqual([
      { process: ['a', 'b'] },
      { process: ['a'], dispatch: ['c'] },
    ]);
    expect(a.needs).toEqual({});
  });

  it('define - a retired function keeps needs no stage satisfies any more (its runs had them)', () => {
    const gone = fn('gone');
    const old = fn('old', { needs: { process: [gone] } });
    expect(definePipeline({ process: [], dispatch: [], retired: [old] }).retired).toEqual([old]);
  });

  it.each([
    [
      () => definePipeline({ process: [fn('a')], dispatch: [fn('a')] }),
      /pipeline dispatch: names function a again \(also in process\)/,
    ],
    [() => definePipeline({ process: [fn('a'), fn('a')], dispatch: [] }), /names function a again/],
    [() => definePipeline({ process: [fn('a')], dispatch: [], retired: [fn('a')] }), /names function a again/],
    [
      () => definePipeline({ process: [() => 1], dispatch: [] } as never),
      /pipeline process\[0\]: is not a function definition/,
    ],
    [() => definePipeline({ process: [] } as never), /pipeline dispatch: is not a list/],
    [
      () => definePipeline({ process: [], dispatch: [], ship: [] } as never),
      /^pipeline: unknown option ship; the options are process, dispatch, retired, publishLocally, priority, fairness$/,
    ],
    [
      () => definePipeline({ process: [], dispatch: [], publishLocaly: true } as never),
      /^pipeline: unknown option publishLocaly \(did you mean publishLocally\?\); /,
    ],
    [
      () => definePipeline({ proces: [], dispatch: [] } as never),
      /^pipeline: unknown option proces \(did you mean process\?\); /,
    ],
    [
      () => definePipeline({ process: [], dispatch: [], publishLocally: 'true' } as never),
      /^pipeline publishLocally: "true" is not true or false/,
    ],
    [
      () => definePipeline({ process: [fn('a', { needs: { process: [fn('b')] } }), fn('b')], dispatch: [] }),
      /^pipeline process: function a: needs process.b, which runs after it; put b in process before a, or drop it from a's needs$/,
    ],
    [
      () => definePipeline({ process: [fn('a', { needs: { dispatch: [fn('b')] } })], dispatch: [fn('b')] }),
      /^pipeline process: function a: needs dispatch.b, which runs after it; /,
    ],
    [
      () => definePipeline({ process: [fn('b')], dispatch: [fn('a', { needs: { dispatch: [fn('b')] } })] }),
      /^pipeline dispatch: function a: needs dispatch.b, which is not there; /,
    ],
    [
      () => definePipeline({ process: [fn('a', { needs: { process: [fn('c')] } })], dispatch: [] }),
      /^pipeline process: function a: needs process.c, which is not there; /,
    ],
  ])('define - refuses a pipeline (%#)', (define, message) => {
    expect(define).toThrow(PipelineDefinitionError);
    expect(define).toThrow(message);
  });
});

describe('define - plans and worker roles', () => {
  const charge = fn('charge', { taskQueue: 'payments' });
  const pipeline = definePipeline({ process: [fn('reserve'), charge], dispatch: [fn('ship')], retired: [fn('old')] });

  it('define - a function without a queue is planned on the pipeline queue; equal plans share a digest', () => {
    const plans = stagePlans(pipeline, 'orders', 'b1');
    expect(plans.process.functions.map((f) => [f.name, f.taskQueue])).toEqual([
      ['reserve', 'orders'],
      ['charge', 'payments'],
    ]);
    expect(plans.process.build).toBe('b1');
    expect(plans.process.digest).toMatch(/^[0-9a-f]{12}$/);
    expect(stagePlans(pipeline, 'orders', 'b2').process.digest).toBe(plans.process.digest);
    expect(planDigest(plans.dispatch.functions)).toBe(plans.dispatch.digest);
    expect(plans.dispatch.digest).not.toBe(plans.process.digest);
  });

  it('define - local functions and a local publish are planned as such; plans without them keep their digests', () => {
    const plain = stagePlans(pipeline, 'orders', 'b1');
    const local = definePipeline({
      process: [fn('reserve', { local: true }), charge],
      dispatch: [fn('ship')],
      retired: [fn('old')],
      publishLocally: true,
    });
    const plans = stagePlans(local, 'orders', 'b1');
    expect(plans.process.functions[0]).toMatchObject({ name: 'reserve', local: true, taskQueue: 'orders' });
    expect(plans.process.functions[1]).not.toHaveProperty('local');
    expect(plans.process.publishLocally).toBe(true);
    expect(plain.process).not.toHaveProperty('publishLocally');
    expect(plain.process.functions[0]).not.toHaveProperty('local');
    expect(plans.dispatch.digest).toBe(plain.dispatch.digest);
    expect(plans.process.digest).not.toBe(plain.process.digest);
    expect(hostedFunctions(local, 'orders').map((f) => f.name)).toEqual(['reserve', 'ship', 'old']);
  });

  it('define - a worker on a queue a function names hosts only those functions; any other queue is the pipeline one', () => {
    expect(functionQueues(pipeline, 'orderflow')).toEqual(['payments']);
    expect(workerRole(pipeline, 'payments')).toBe('functions');
    expect(hostedFunctions(pipeline, 'payments').map((f) => f.name)).toEqual(['charge']);
    expect(workerRole(pipeline, 'orderflow')).toBe('pipeline');
    expect(hostedFunctions(pipeline, 'orderflow').map((f) => f.name)).toEqual(['reserve', 'ship', 'old']);
  });
});
