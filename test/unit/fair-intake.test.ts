/**
 * The bridge's intake order: bounded starts, lower priority numbers first, keys taking turns by
 * weight within a priority (a key new to the queue is not starved by a burst queued before it),
 * each key's orders in arrival order, and every wait abandonable.
 */
import { setMaxListeners } from 'node:events';

import type { Release } from '../../bridge/consumer/fair-intake';
import { FairIntake } from '../../bridge/consumer/fair-intake';
import type { Lane } from '../../bridge/consumer/order-lanes';

const lane = (fairnessKey: string, priority = 3, fairnessWeight = 1): Lane => ({
  priority,
  fairnessKey,
  fairnessWeight,
});

/** Queues each request (after the starts are taken), then lets the intake start them one at a time, naming each as it starts. */
async function order(intake: FairIntake, requests: Array<[string, Lane]>) {
  // One signal for every request here; each message has its own in the bridge.
  const signal = new AbortController().signal;
  setMaxListeners(requests.length + 10, signal);
  const started: string[] = [];
  const held: Release[] = [];
  const pending = requests.map(([name, l]) =>
    intake.admit(l, signal).then((release) => {
      if (!release) return;
      started.push(name);
      held.push(release);
    }),
  );
  await flush();
  return { started, held, pending };
}

const flush = () => new Promise((r) => setImmediate(r));

/** Hands back the starts one by one until none is held, so the queue's order shows. */
async function drain(state: { started: string[]; held: Release[] }): Promise<string[]> {
  while (state.held.length > 0) {
    state.held.shift()!();
    await flush();
  }
  return state.started;
}

describe('fair intake - the order of starts', () => {
  it('fair intake - starts at once while starts are free, and no more than the bound at a time', async () => {
    const intake = new FairIntake(2);
    const state = await order(intake, [
      ['a1', lane('a')],
      ['a2', lane('a')],
      ['a3', lane('a')],
    ]);
    expect(state.started).toEqual(['a1', 'a2']);
    expect([intake.starting, intake.waiting]).toEqual([2, 1]);
    state.held[0]!();
    state.held[0]!(); // a second call of the same release does nothing
    await flush();
    expect(state.started).toEqual(['a1', 'a2', 'a3']);
    expect(intake.starting).toBe(2);
  });

  it('fair intake - a key queued behind a burst of another takes every other start; each key in arrival order', async () => {
    const intake = new FairIntake(1);
    const burst: Array<[string, Lane]> = Array.from({ length: 6 }, (_, i) => [`a${i}`, lane('a')]);
    const state = await order(intake, [...burst, ['b0', lane('b')], ['b1', lane('b')], ['b2', lane('b')]]);
    expect(await drain(state)).toEqual(['a0', 'a1', 'b0', 'a2', 'b1', 'a3', 'b2', 'a4', 'a5']);
  });

  it('fair intake - weights share the starts: weight 3 takes three for every one', async () => {
    const intake = new FairIntake(1);
    const reqs: Array<[string, Lane]> = [['first', lane('x')]];
    for (let i = 0; i < 8; i++) reqs.push([`h${i}`, lane('heavy', 3, 3)]);
    for (let i = 0; i < 8; i++) reqs.push([`l${i}`, lane('light', 3, 1)]);
    const started = await drain(await order(intake, reqs));
    const firstEight = started.slice(1, 9);
    expect(firstEight.filter((n) => n.startsWith('h'))).toHaveLength(6);
    expect(firstEight.filter((n) => n.startsWith('l'))).toHaveLength(2);
    expect(started.filter((n) => n.startsWith('l'))).toEqual(['l0', 'l1', 'l2', 'l3', 'l4', 'l5', 'l6', 'l7']);
  });

  it('fair intake - lower priority numbers first, whatever their key and arrival', async () => {
    const intake = new FairIntake(1);
    const state = await order(intake, [
      ['hold', lane('a')],
      ['a3', lane('a', 3)],
      ['b5', lane('b', 5)],
      ['a3b', lane('a', 3)],
      ['c1', lane('c', 1)],
      ['a2', lane('a', 2)],
      ['d1', lane('d', 1)],
    ]);
    expect(await drain(state)).toEqual(['hold', 'c1', 'd1', 'a2', 'a3', 'a3b', 'b5']);
  });

  it('fair intake - a wait abandoned by its signal leaves the queue and takes no start; an aborted signal never waits', async () => {
    const intake = new FairIntake(1);
    const state = await order(intake, [['a0', lane('a')]]);
    const abandon = new AbortController();
    const gone = intake.admit(lane('b'), abandon.signal);
    const after = intake.admit(lane('c'), new AbortController().signal);
    expect(intake.waiting).toBe(2);
    abandon.abort();
    await expect(gone).resolves.toBeUndefined();
    expect(intake.waiting).toBe(1);
    state.held.shift()!();
    const release = await after;
    expect(release).toBeDefined();
    expect([intake.starting, intake.waiting]).toEqual([1, 0]);
    await expect(intake.admit(lane('d'), AbortSignal.abort())).resolves.toBeUndefined();
    release!();
    expect(intake.starting).toBe(0);
  });

  it('fair intake - a key that emptied and comes back joins at the current turn, with no credit saved up', async () => {
    const intake = new FairIntake(1);
    const first = await order(intake, [
      ['hold', lane('x')],
      ['b0', lane('b')],
    ]);
    await drain(first);
    const reqs: Array<[string, Lane]> = [['hold2', lane('x')]];
    for (let i = 0; i < 4; i++) reqs.push([`a${i}`, lane('a')]);
    reqs.push(['b1', lane('b')], ['b2', lane('b')]);
    const started = await drain(await order(intake, reqs));
    expect(started).toEqual(['hold2', 'a0', 'b1', 'a1', 'b2', 'a2', 'a3']);
  });

  it('fair intake - 3,000 of one key queued before 30 of another: the 30 are started within the first 60', async () => {
    const intake = new FairIntake(16);
    const reqs: Array<[string, Lane]> = [];
    for (let i = 0; i < 3000; i++) reqs.push([`a${i}`, lane('a')]);
    for (let i = 0; i < 30; i++) reqs.push([`b${i}`, lane('b')]);
    const started = await drain(await order(intake, reqs));
    expect(started).toHaveLength(3030);
    const lastB = Math.max(...started.map((n, i) => (n.startsWith('b') ? i : -1)));
    expect(lastB).toBeLessThan(16 + 60);
    expect(started.filter((n) => n.startsWith('a'))).toEqual(reqs.slice(0, 3000).map(([n]) => n));
  });
});
