/**
 * `orderflow rerun` without servers: its flags, how a range's messages are decoded (as the bridge
 * would), which are selected under each --only and why, one per order, what a tag already reran,
 * and what it prints.
 */
import { ConfigError, UsageError } from '../../shared/errors';
import type { RerunOptions } from '../../operate/rerun/options';
import { rerunOptions } from '../../operate/rerun/options';
import type { RangeMessage } from '../../operate/rerun/read';
import { decodeRangeMessage } from '../../operate/rerun/read';
import { formatPlan, formatSummary, progressBar, progressReporter } from '../../operate/rerun/report';
import type { DeadLetterFacts, RunFacts, SelectionLookups } from '../../operate/rerun/select';
import { planRerun } from '../../operate/rerun/select';
import { forEachBounded } from '../../operate/rerun/lookups';
import { demoOrders } from '../../shared/orders/demo';
import { orderRevision } from '../../shared/orders/revision';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const parse = (flags: Record<string, unknown>, env: Record<string, string> = {}): RerunOptions =>
  rerunOptions({ tag: 'INC-1', ...flags }, env, NOW);

describe('rerun - flags', () => {
  it('rerun flags - defaults: ORDERS.received (process), only failed, no reapply, 10,000 messages, 16 at once', () => {
    expect(parse({})).toEqual({
      stage: 'process',
      range: { subject: 'ORDERS.received' },
      only: 'failed',
      tag: 'INC-1',
      reapply: false,
      limit: 10_000,
      concurrency: 16,
      yes: false,
      taskQueue: 'orderflow',
    });
  });

  it('rerun flags - the subject picks the stage; a range by sequence or time; the task queue from the environment', () => {
    const options = parse(
      {
        subject: 'ORDERS.processed',
        fromSeq: '10',
        untilSeq: '20',
        order: 'A-1',
        only: 'all',
        reapply: true,
        yes: true,
      },
      { ORDERFLOW_TASK_QUEUE: 'orders-2' },
    );
    expect(options).toMatchObject({
      stage: 'dispatch',
      range: { subject: 'ORDERS.processed', fromSeq: 10, untilSeq: 20, orderId: 'A-1' },
      only: 'all',
      reapply: true,
      yes: true,
      taskQueue: 'orders-2',
    });
    expect(parse({ since: '2h', until: '2026-12-01T11:30:00Z' }).range).toEqual({
      subject: 'ORDERS.received',
      since: new Date(NOW - 2 * 3_600_000),
      until: new Date('2026-12-01T11:30:00Z'),
    });
  });

  it('rerun flags - each bad value is one ConfigError naming its flag and what to do', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ tag: undefined }, '--tag: missing; name the incident'],
      [{ tag: 'INC 42' }, '--tag: "INC 42" is not a tag'],
      [{ tag: 'x'.repeat(25) }, 'is not a tag'],
      [{ only: 'some' }, '--only: "some" is not a selection; use failed, dead-lettered, all'],
      [{ subject: 'ORDERS.completed' }, '--subject: no stage reads "ORDERS.completed"; use ORDERS.received (process)'],
      [{ fromSeq: '20', untilSeq: '10' }, '--until-seq: 10 comes before --from-seq 20'],
      [{ since: '1h', until: '2h' }, 'comes before --since'],
      [{ fromSeq: 'x' }, '--from-seq: "x" is not a whole number'],
      [{ since: 'yesterday' }, '--since: "yesterday" is neither a duration nor a time'],
      [{ limit: '0' }, '--limit: "0" is not a whole number from 1'],
      [{ concurrency: '1000' }, '--concurrency: "1000" is not a whole number from 1 to 256'],
      [{ taskQueue: 'a b' }, '--task-queue: "a b" is not a task queue name'],
    ];
    for (const [flags, message] of cases) {
      let caught: unknown;
      try {
        parse(flags);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect([flags, (caught as Error).message]).toEqual([flags, expect.stringContaining(message)]);
    }
    expect(() => parse({ since: '1h', fromSeq: '3' })).toThrow(UsageError);
    expect(() => parse({ until: '1h', untilSeq: '3' })).toThrow(UsageError);
  });
});

const [orderA, orderB, orderC] = demoOrders(3, { prefix: 'o-', seed: 7 });
const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

function message(seq: number, order: unknown, headers: Record<string, string> = {}): RangeMessage {
  const decoded = decodeRangeMessage('process', {
    seq,
    subject: 'ORDERS.received',
    time: new Date(NOW).toISOString(),
    headers,
    data: encode(order),
  });
  if (!('input' in decoded)) throw new Error(`seq ${seq} is poison: ${decoded.reason}`);
  return decoded;
}

describe('rerun - reading a range as the bridge would', () => {
  it("rerun read - a valid message becomes the stage's input: revision, carried headers, its stream sequence", () => {
    const m = message(7, orderA, { 'Nats-Msg-Id': orderA!.orderId, traceparent: '00-abc-def-01', 'Orderflow-X': 'y' });
    expect(m.orderId).toBe(orderA!.orderId);
    expect(m.input.revision).toBe(orderRevision(m.input.order));
    expect(m.input.upstream).toEqual({});
    expect(m.input.source).toEqual({
      stream: 'ORDERS',
      subject: 'ORDERS.received',
      streamSeq: 7,
      deliveryCount: 0,
      headers: { traceparent: '00-abc-def-01' },
    });
  });

  it('rerun read - a message the bridge would dead-letter as poison is poison here, with the same reason', () => {
    const poison = decodeRangeMessage('process', {
      seq: 3,
      subject: 'ORDERS.received',
      time: '',
      headers: {},
      data: encode({ orderId: 'p', items: [] }),
    });
    expect(poison).toEqual({ seq: 3, reason: expect.stringMatching(/^schema: /) });
  });
});

/** Fake servers: runs by workflow ID and dead letters by stream sequence. */
function lookups(runs: Record<string, RunFacts>, letters: Record<number, DeadLetterFacts> = {}): SelectionLookups {
  return {
    latestRun: (id) => Promise.resolve(runs[id]),
    deadLetter: (seq) => Promise.resolve(letters[seq]),
    forEach: (items, fn) => forEachBounded(items, 3, fn),
  };
}

describe('rerun - selection', () => {
  const a = message(1, orderA);
  const b = message(2, orderB);
  const c = message(3, orderC);
  const idOf = (m: RangeMessage): string => `process-${m.orderId}`;
  const failedBy = (m: RangeMessage): RunFacts => ({ status: 'FAILED', memo: { streamSeq: m.input.source.streamSeq } });

  it('rerun select - failed: the run this message started failed; completed and running orders are skipped, counted by why', async () => {
    const plan = await planRerun(
      'failed',
      'process',
      'INC-1',
      { messages: [a, b, c], poison: [{ seq: 4, reason: 'not-json: x' }] },
      lookups({
        [idOf(a)]: failedBy(a),
        [idOf(b)]: { status: 'COMPLETED', memo: { streamSeq: 2 } },
        [idOf(c)]: { status: 'RUNNING', memo: { streamSeq: 3 } },
      }),
    );
    expect(plan.toRun.map((s) => [s.message.seq, s.workflowId, s.why])).toEqual([
      [1, `process-${a.orderId}@rerun-INC-1`, `run process-${a.orderId} FAILED`],
    ]);
    expect(plan.alreadyRerun).toEqual([]);
    expect(plan.skipped).toEqual({ 'latest run COMPLETED': 1, 'latest run RUNNING': 1 });
    expect(plan.poison).toHaveLength(1);
    expect(plan.read).toBe(4);
  });

  it('rerun select - failed: a failed run another message started, or no run without a failed dead letter, is skipped; a failed dead letter whose run is gone is selected', async () => {
    const later = message(9, orderA);
    const plan = await planRerun(
      'failed',
      'process',
      'INC-1',
      { messages: [a, b, c], poison: [] },
      lookups(
        { [idOf(a)]: failedBy(later) },
        { 2: { id: 11, kind: 'failed', reason: 'r' }, 3: { id: 12, kind: 'poison', reason: 'r' } },
      ),
    );
    expect(plan.toRun.map((s) => [s.message.seq, s.why])).toEqual([[2, 'dead letter 11 (failed), run gone']]);
    expect(plan.skipped).toEqual({
      'failed run started by another message': 1,
      'no run and no failed dead letter': 1,
    });
  });

  it('rerun select - dead-lettered: any kind of dead letter of this message; all: every valid message', async () => {
    const dead = await planRerun(
      'dead-lettered',
      'process',
      'INC-1',
      { messages: [a, b, c], poison: [] },
      lookups({}, { 3: { id: 5, kind: 'conflict', reason: 'r' } }),
    );
    expect(dead.toRun.map((s) => [s.message.seq, s.why])).toEqual([[3, 'dead letter 5 (conflict)']]);
    expect(dead.skipped).toEqual({ 'no dead letter': 2 });
    const all = await planRerun('all', 'process', 'INC-1', { messages: [a, b, c], poison: [] }, lookups({}));
    expect(all.toRun.map((s) => s.message.seq)).toEqual([1, 2, 3]);
  });

  it('rerun select - one rerun per order: the latest selected message of an order wins', async () => {
    const again = message(8, orderA);
    const plan = await planRerun('all', 'process', 'INC-1', { messages: [a, b, again], poison: [] }, lookups({}));
    expect(plan.toRun.map((s) => s.message.seq)).toEqual([2, 8]);
    expect(plan.skipped).toEqual({ 'a later message of the order is selected': 1 });
  });

  it('rerun select - an order this tag already reran is listed apart, with its run status; another tag reruns it', async () => {
    const runs = { [`process-${a.orderId}@rerun-INC-1`]: { status: 'COMPLETED', memo: {} } };
    const plan = await planRerun('all', 'process', 'INC-1', { messages: [a, b], poison: [] }, lookups(runs));
    expect(plan.toRun.map((s) => s.message.seq)).toEqual([2]);
    expect(plan.alreadyRerun.map((s) => [s.message.seq, s.alreadyRerun])).toEqual([[1, 'COMPLETED']]);
    const other = await planRerun('all', 'process', 'INC-2', { messages: [a, b], poison: [] }, lookups(runs));
    expect(other.toRun).toHaveLength(2);
  });
});

describe('rerun - what it prints', () => {
  it('rerun report - the plan: counts, why skipped, the first lines; the summary: started, already rerun, failed', async () => {
    const messages = demoOrders(25, { prefix: 'p-', seed: 3 }).map((o, i) => message(i + 1, o));
    const runs: Record<string, RunFacts> = {
      [`process-${messages[0]!.orderId}@rerun-INC-1`]: { status: 'RUNNING', memo: {} },
    };
    const plan = await planRerun(
      'all',
      'process',
      'INC-1',
      { messages, poison: [{ seq: 30, reason: 'x' }] },
      lookups(runs),
    );
    const text = formatPlan(plan, parse({ only: 'all', fromSeq: '1', untilSeq: '30' }));
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'rerun INC-1: stage process (processOrder), ORDERS.received from seq 1 to seq 30, only all; effects already applied are not applied again',
    );
    expect(lines[1]).toBe('read 26 messages: 24 to run, 1 already rerun as INC-1, 1 skipped (1 poison)');
    expect(lines[3]).toMatch(/^SEQ\s+ORDER\s+STAGE\s+WHY$/);
    expect(lines[4]).toMatch(new RegExp(`^2\\s+${messages[1]!.orderId}\\s+process\\s+in the range$`));
    expect(lines).toContain('... and 5 more');
    expect(formatPlan(plan, parse({ reapply: true }))).toContain(
      'effects applied again (idempotency keys carry INC-1)',
    );
    expect(
      formatSummary({ started: ['x'], alreadyRerun: ['y'], failed: [{ workflowId: 'z', error: 'boom' }] }, 'INC-1', 2),
    ).toBe(
      'started 1, already rerun 3, failed to start 1\n  z: boom\n' +
        'runs are named <stage>-<order>@rerun-INC-1; `orderflow status <order>` shows each',
    );
  });

  it('rerun report - a bar on a terminal, a line per tenth otherwise', () => {
    expect(progressBar(5, 10, 10)).toBe('[#####.....] 5/10 started');
    const out: string[] = [];
    const report = progressReporter(20, false, (t) => out.push(t));
    for (let done = 1; done <= 20; done += 1) report(done);
    expect(out).toHaveLength(10);
    expect(out.at(-1)).toBe('started 20/20\n');
    const bar: string[] = [];
    const tty = progressReporter(2, true, (t) => bar.push(t));
    tty(1);
    tty(2);
    expect(bar).toEqual([`\r${progressBar(1, 2)}`, `\r${progressBar(2, 2)}\n`]);
  });
});

describe('rerun - bounded fan-out', () => {
  it('rerun bounded - at most `limit` calls at once; after a failure no item starts', async () => {
    let running = 0;
    let most = 0;
    const seen: number[] = [];
    await forEachBounded([...Array(20).keys()], 4, async (i) => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, 1 + (i % 3)));
      seen.push(i);
      running -= 1;
    });
    expect([most, seen.length]).toEqual([4, 20]);

    const started: number[] = [];
    const failing = forEachBounded([...Array(20).keys()], 2, async (i) => {
      started.push(i);
      await new Promise((r) => setTimeout(r, 2));
      if (i === 3) throw new Error('boom');
    });
    await expect(failing).rejects.toThrow('boom');
    await new Promise((r) => setTimeout(r, 20));
    expect(started.length).toBeLessThanOrEqual(5);
  });
});
