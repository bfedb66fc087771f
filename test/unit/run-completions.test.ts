/**
 * How a stage learns its runs closed: a bounded number of long polls, the rest found by one
 * visibility query per sweep (the client here is a fake: what the queries ask is the subject).
 */
import type { NatsConnection } from '@nats-io/nats-core';
import type { Client } from '@temporalio/client';

import { RunCompletions } from '../../bridge/consumer/run-completions';
import { silentLogger } from '../../shared/log';
import { STAGES, stageOutputMsgId, workflowIdFor } from '../../workflows/names';

interface FakeServer {
  readonly client: Client;
  readonly queries: string[];
  /** Run IDs the next answers report closed (completed, unless in `failed`). */
  closed: string[];
  failed: string[];
  /** When set, the next query fails with this gRPC code. */
  failWith?: number;
}

function fakeServer(): FakeServer {
  const server: FakeServer = {
    queries: [],
    closed: [],
    failed: [],
    client: undefined as unknown as Client,
  };
  const workflowService = {
    listWorkflowExecutions: (req: { query: string }) => {
      server.queries.push(req.query);
      if (server.failWith !== undefined) {
        const code = server.failWith;
        server.failWith = undefined;
        return Promise.reject(Object.assign(new Error(`grpc ${code}`), { code }));
      }
      return Promise.resolve({
        executions: server.closed.map((runId) => ({
          execution: { runId },
          status: server.failed.includes(runId) ? 3 : 2,
        })),
      });
    },
  };
  (server as { client: unknown }).client = {
    options: { namespace: 'default' },
    workflowService,
    connection: { withDeadline: <T>(_: number, fn: () => Promise<T>) => fn() },
  };
  return server;
}

function windowStartOf(query: string): number {
  return Date.parse(/CloseTime >= '([^']+)'/.exec(query)![1]!);
}

describe('run completions - long polls up to a bound, one sweep for the rest', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('run completions - long polls are bounded; a place given back is taken again', () => {
    const watch = new RunCompletions(fakeServer().client, STAGES.process, { longPolls: 2 }, silentLogger);
    expect([watch.tryLongPoll(), watch.tryLongPoll(), watch.tryLongPoll()]).toEqual([true, true, false]);
    watch.releaseLongPoll();
    expect(watch.tryLongPoll()).toBe(true);
    expect(watch.longPolling).toBe(2);
  });

  it('run completions - one query a sweep wakes exactly the runs it reports closed, for the stage only', async () => {
    const server = fakeServer();
    const watch = new RunCompletions(server.client, STAGES.process, { longPolls: 0, sweepEveryMs: 500 }, silentLogger);
    const signal = new AbortController().signal;
    const woken: string[] = [];
    server.closed = ['b', 'someone-else'];
    for (const id of ['a', 'b', 'c'])
      void watch.whenClosed(`wf-${id}`, id, Date.now(), signal).then(() => woken.push(id));
    await jest.advanceTimersByTimeAsync(0);
    expect(woken).toEqual(['b']);
    expect(server.queries).toHaveLength(1);
    expect(server.queries[0]).toContain(`WorkflowType = '${STAGES.process.workflowType}'`);
    expect(server.queries[0]).toContain("ExecutionStatus != 'Running'");
    server.closed = ['a', 'c'];
    await jest.advanceTimersByTimeAsync(500);
    expect(woken.sort()).toEqual(['a', 'b', 'c']);
    expect(watch.swept).toBe(0);
    // Nobody waits: no more queries.
    await jest.advanceTimersByTimeAsync(5000);
    expect(server.queries).toHaveLength(2);
  });

  it('run completions - a completed run is told so (no call for its result); one that failed is not', async () => {
    const server = fakeServer();
    const watch = new RunCompletions(server.client, STAGES.process, { longPolls: 0 }, silentLogger);
    const signal = new AbortController().signal;
    server.closed = ['done', 'failed'];
    server.failed = ['failed'];
    const [done, failed] = [
      watch.whenClosed('wf-done', 'done', Date.now(), signal),
      watch.whenClosed('wf-failed', 'failed', Date.now(), signal),
    ];
    await jest.advanceTimersByTimeAsync(0);
    expect([await done, await failed]).toEqual([true, false]);
  });

  it("run completions - the stage's output for a waiting run (its last step) has its result read at once", async () => {
    const server = fakeServer();
    const watch = new RunCompletions(server.client, STAGES.process, { longPolls: 0 }, silentLogger);
    let deliver: (msgId: string) => void = () => undefined;
    const subjects: string[] = [];
    const nc = {
      subscribe: (subject: string, opts: { callback: (err: null, msg: unknown) => void }) => {
        subjects.push(subject);
        deliver = (msgId) => opts.callback(null, { headers: { get: () => msgId } });
        return { unsubscribe: () => undefined };
      },
    } as unknown as NatsConnection;
    watch.listenForOutputs(nc);
    expect(subjects).toEqual([STAGES.process.outputSubject]);
    const signal = new AbortController().signal;
    const told: Array<[string, boolean]> = [];
    for (const id of ['o-1', 'o-2']) {
      const workflowId = workflowIdFor(STAGES.process.name, id);
      void watch.whenClosed(workflowId, `run-${id}`, Date.now(), signal).then((c) => told.push([id, c]));
    }
    await jest.advanceTimersByTimeAsync(0);
    deliver(stageOutputMsgId(STAGES.dispatch.name, 'o-1', 'r1')); // another stage's output: not ours
    deliver(stageOutputMsgId(STAGES.process.name, 'o-3', 'r1')); // an order not waiting here
    deliver('o-2'); // an intake message ID
    await jest.advanceTimersByTimeAsync(0);
    expect(told).toEqual([]);
    deliver(stageOutputMsgId(STAGES.process.name, 'o-2', 'r1'));
    await jest.advanceTimersByTimeAsync(0);
    // Not known to have completed: the caller reads the result (a long poll answering at the close).
    expect(told).toEqual([['o-2', false]]);
    expect(watch.swept).toBe(1);
  });

  it('run completions - each window reaches back over the lag; a failed sweep asks again from the same point', async () => {
    const server = fakeServer();
    const watch = new RunCompletions(server.client, STAGES.process, { longPolls: 0, sweepEveryMs: 500 }, silentLogger);
    const since = Date.now();
    void watch.whenClosed('wf-a', 'a', since, new AbortController().signal);
    await jest.advanceTimersByTimeAsync(0);
    expect(windowStartOf(server.queries[0]!)).toBe(since - 5000);
    server.failWith = 14; // UNAVAILABLE
    await jest.advanceTimersByTimeAsync(500);
    await jest.advanceTimersByTimeAsync(500);
    expect(server.queries).toHaveLength(3);
    expect(windowStartOf(server.queries[2]!)).toBe(windowStartOf(server.queries[1]!));
    expect(windowStartOf(server.queries[1]!)).toBe(since - 5000);
    await jest.advanceTimersByTimeAsync(500);
    expect(windowStartOf(server.queries[3]!)).toBe(since + 1000 - 5000);
  });

  it('run completions - a server that refuses the query: every run long-polls from then on', async () => {
    const server = fakeServer();
    const watch = new RunCompletions(server.client, STAGES.process, { longPolls: 0 }, silentLogger);
    expect(watch.tryLongPoll()).toBe(false);
    server.failWith = 3; // INVALID_ARGUMENT
    let woken = false;
    void watch.whenClosed('wf-a', 'a', Date.now(), new AbortController().signal).then(() => (woken = true));
    await jest.advanceTimersByTimeAsync(2000);
    expect(server.queries).toHaveLength(1);
    expect(watch.tryLongPoll()).toBe(true);
    // A run already waiting is answered by its own check.
    watch.markClosed('a', true);
    await jest.advanceTimersByTimeAsync(0);
    expect(woken).toBe(true);
  });

  it('run completions - an abandoned wait rejects with its reason and is forgotten', async () => {
    const server = fakeServer();
    const watch = new RunCompletions(server.client, STAGES.process, { longPolls: 0 }, silentLogger);
    const controller = new AbortController();
    const waiting = watch.whenClosed('wf-a', 'a', Date.now(), controller.signal);
    controller.abort(new Error('shutdown'));
    await expect(waiting).rejects.toThrow('shutdown');
    expect(watch.swept).toBe(0);
  });
});
