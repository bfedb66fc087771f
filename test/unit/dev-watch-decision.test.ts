/**
 * `orderflow dev --watch`'s decisions (local/dev/watch/decision.ts): what a load of the functions
 * module leads to, and which functions a reload keeps hosting for the runs already going.
 */
import type { StillPlanned } from '../../local/dev/watch/decision';
import { decideLoad, keptLine, planReload, toCheck } from '../../local/dev/watch/decision';

const known = (runs: Record<string, string[]>): StillPlanned => ({
  type: 'known',
  runs: new Map(Object.entries(runs)),
});

describe('dev watch - what a load leads to', () => {
  it('dev watch - a new build reloads; the build already serving changes nothing', () => {
    expect(decideLoad({ serving: 'a' }, { type: 'loaded', build: 'b' })).toEqual({ type: 'reload' });
    expect(decideLoad({ serving: 'a' }, { type: 'loaded', build: 'a' })).toEqual({
      type: 'unchanged',
      recovered: false,
    });
  });

  it('dev watch - a failure is shown once: the same failure again says nothing, another one is shown', () => {
    const failed = { type: 'failed', message: 'functions module x.ts: failed to load at x.ts:3:1: boom' } as const;
    expect(decideLoad({ serving: 'a' }, failed)).toEqual({ type: 'report', message: failed.message });
    expect(decideLoad({ serving: 'a', shownFailure: failed.message }, failed)).toEqual({ type: 'keep' });
    expect(
      decideLoad({ serving: 'a', shownFailure: failed.message }, { type: 'failed', message: 'other: at x.ts:4:1' }),
    ).toEqual({ type: 'report', message: 'other: at x.ts:4:1' });
  });

  it('dev watch - after a failure, a good load reloads, or says it recovered when the code is the one serving', () => {
    expect(decideLoad({ serving: 'a', shownFailure: 'boom' }, { type: 'loaded', build: 'b' })).toEqual({
      type: 'reload',
    });
    expect(decideLoad({ serving: 'a', shownFailure: 'boom' }, { type: 'loaded', build: 'a' })).toEqual({
      type: 'unchanged',
      recovered: true,
    });
  });
});

describe('dev watch - functions kept for the runs going', () => {
  const current = { functions: ['reserve', 'charge', 'ship'], kept: [] };

  it('dev watch - added and removed functions; nothing to ask about when none goes', () => {
    expect(toCheck(current, ['reserve', 'charge', 'ship', 'wrap'])).toEqual([]);
    expect(planReload(current, ['reserve', 'charge', 'ship', 'wrap'], known({}))).toEqual({
      added: ['wrap'],
      removed: [],
      keep: [],
      notices: [],
    });
  });

  it('dev watch - a function removed now is kept one build even when no run calls it, and said only when one does', () => {
    expect(toCheck(current, ['reserve', 'ship'])).toEqual(['charge']);
    expect(planReload(current, ['reserve', 'ship'], known({}))).toEqual({
      added: [],
      removed: ['charge'],
      keep: ['charge'],
      notices: [],
    });
    const planned = known({ charge: ['process-A-1'] });
    expect(planReload(current, ['reserve', 'ship'], planned).notices).toEqual([{ name: 'charge', planned }]);
  });

  it('dev watch - a function kept earlier goes once no running run calls it, and stays while one does', () => {
    const after = { functions: ['reserve', 'ship'], kept: ['charge'] };
    expect(toCheck(after, ['reserve', 'ship'])).toEqual(['charge']);
    expect(planReload(after, ['reserve', 'ship'], known({})).keep).toEqual([]);
    expect(planReload(after, ['reserve', 'ship'], known({ charge: ['process-A-1'] })).keep).toEqual(['charge']);
    // Back in the module: hosted as the module defines it now, not kept.
    expect(planReload(after, ['reserve', 'charge', 'ship'], known({}))).toMatchObject({ added: ['charge'], keep: [] });
  });

  it('dev watch - when Temporal cannot say which runs call it, every function going is kept, and said', () => {
    const after = { functions: ['reserve', 'ship'], kept: ['charge'] };
    const unknown: StillPlanned = { type: 'unknown', reason: 'more than 500 runs are running' };
    const plan = planReload(after, ['reserve'], unknown);
    expect(plan.keep).toEqual(['ship', 'charge']);
    expect(plan.notices.map((n) => n.name)).toEqual(['ship', 'charge']);
  });

  it('dev watch - the line names the function, the runs (three, then a count) and what to do to deploy it', () => {
    const runs = ['process-A-1', 'process-A-2', 'process-A-3', 'process-A-4', 'process-A-5'];
    expect(keptLine({ name: 'charge', planned: known({ charge: runs }) })).toBe(
      'function charge is no longer in the pipeline, but the plans of 5 running runs (process-A-1, process-A-2, ' +
        'process-A-3, 2 more) still call it: kept hosted (retired) until they finish; to deploy this change, keep ' +
        'it in retired: [charge]',
    );
    expect(keptLine({ name: 'charge', planned: known({ charge: ['process-A-1'] }) })).toContain(
      'the plans of 1 running run (process-A-1) still call it',
    );
    expect(keptLine({ name: 'charge', planned: { type: 'unknown', reason: 'Temporal did not say: x' } })).toContain(
      'whether running runs still call it is not known (Temporal did not say: x)',
    );
  });
});
