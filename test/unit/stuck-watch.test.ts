/**
 * The stage's stuck watch: one loop looking at every held run in turn, at most 20 looks a second
 * however many are held, parking a run whose workflow task keeps failing. The client is a fake:
 * what it answers is the run's state; when and how often it is asked is the subject.
 */
import type { Client } from '@temporalio/client';

import type { RunCompletions } from '../../bridge/consumer/run-completions';
import type { Call } from '../../bridge/consumer/stage-run';
import { StuckWatch } from '../../bridge/consumer/stuck-watch';
import { IntakeGate } from '../../bridge/gates/intake-gate';
import { silentLogger } from '../../shared/log';

interface RunState {
  status: string;
  workflowTaskAttempt: number;
}

function setup(states: Map<string, RunState>, stuck = { checkEveryMs: 1000, afterMs: 3000 }) {
  const looks: string[] = [];
  const closed: Array<[string, boolean]> = [];
  const changes: boolean[] = [];
  const client = {
    workflow: {
      getHandle: (_: string, runId: string) => ({
        describe: () => {
          looks.push(runId);
          const s = states.get(runId) ?? { status: 'RUNNING', workflowTaskAttempt: 1 };
          return Promise.resolve({
            status: { name: s.status },
            raw: { pendingWorkflowTask: { attempt: s.workflowTaskAttempt } },
          });
        },
      }),
    },
  } as unknown as Client;
  const completions = { markClosed: (runId: string, completed: boolean) => closed.push([runId, completed]) };
  const watch = new StuckWatch({
    client,
    gate: new IntakeGate(),
    stuck,
    completions: completions as unknown as RunCompletions,
    onStuckChange: (s) => changes.push(s),
  });
  const call: Call = (fn) => fn();
  return { watch, looks, closed, changes, call };
}

describe('stuck watch - one loop for every run held', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('stuck watch - 1,000 runs held: at most 20 looks a second, the one checked longest ago first', async () => {
    const { watch, looks, call } = setup(new Map());
    const done = new AbortController();
    for (let i = 0; i < 1000; i += 1) void watch.watch(`wf-${i}`, `run-${i}`, call, silentLogger, done.signal);
    await jest.advanceTimersByTimeAsync(999);
    expect(looks).toHaveLength(0); // none is due before a check period
    await jest.advanceTimersByTimeAsync(10_001);
    expect(looks.length).toBeLessThanOrEqual(20 * 10 + 1);
    expect(looks.length).toBeGreaterThanOrEqual(20 * 10 - 2);
    expect(looks.slice(0, 3)).toEqual(['run-0', 'run-1', 'run-2']);
    expect(new Set(looks).size).toBe(looks.length);
    done.abort();
    expect(watch.watched).toBe(0);
    watch.close();
  });

  it('stuck watch - a few runs are each looked at every check period', async () => {
    const { watch, looks, call } = setup(new Map());
    const done = new AbortController();
    for (const id of ['a', 'b']) void watch.watch(`wf-${id}`, id, call, silentLogger, done.signal);
    await jest.advanceTimersByTimeAsync(3100);
    expect(looks.filter((l) => l === 'a')).toHaveLength(3);
    expect(looks.filter((l) => l === 'b')).toHaveLength(3);
    watch.close();
  });

  it('stuck watch - a workflow task failing past the bound parks the run as stuck; a failing run counts until then', async () => {
    const states = new Map([['bad', { status: 'RUNNING', workflowTaskAttempt: 4 }]]);
    const { watch, changes, call } = setup(states);
    const done = new AbortController();
    let parked: unknown;
    void watch.watch('wf-bad', 'bad', call, silentLogger, done.signal).then((o) => (parked = o));
    void watch.watch('wf-good', 'good', call, silentLogger, done.signal);
    await jest.advanceTimersByTimeAsync(1100);
    expect(changes).toEqual([true]);
    expect(parked).toBeUndefined();
    await jest.advanceTimersByTimeAsync(3100);
    expect(parked).toMatchObject({ type: 'parked', kind: 'stuck', workflowId: 'wf-bad' });
    expect(changes).toEqual([true, false]);
    expect(watch.watched).toBe(1);
    watch.close();
  });

  it('stuck watch - a look that finds the run closed reports it (the sweep may have missed it)', async () => {
    const states = new Map([
      ['done', { status: 'COMPLETED', workflowTaskAttempt: 0 }],
      ['failed', { status: 'FAILED', workflowTaskAttempt: 0 }],
    ]);
    const { watch, closed, call } = setup(states);
    const done = new AbortController();
    for (const id of ['done', 'failed']) void watch.watch(`wf-${id}`, id, call, silentLogger, done.signal);
    await jest.advanceTimersByTimeAsync(1100);
    expect(closed).toEqual([
      ['done', true],
      ['failed', false],
    ]);
    watch.close();
  });
});
