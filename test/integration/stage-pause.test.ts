/**
 * An operator's pause of a stage (issue 22, item 4) on real servers, on the pinned nats-server
 * (consumer paused at the server too) and on Debian's 2.9 (the bridges' watch of ORDERFLOW_PAUSES
 * alone): every bridge stops taking the stage's orders, runs already started finish and are acked,
 * orders published while paused complete after the resume with one delivery each, the bridge's own
 * fault pause (Temporal away) never lifts the operator's, and an --until that passes resumes by
 * itself. Counted from the servers: JetStream's deliveries and each message's delivery count.
 */
import type { Bridge } from '../../bridge/bridge';
import { STREAM } from '../../workflows/names';
import { featuresOf } from '../../shared/nats/server-features';
import { runCli, expectNoStackTrace } from '../harness/cli';
import { expectCompletedOnce, expectDrained, publishWhilePaused } from '../harness/expect-pipeline';
import { metric } from '../harness/metrics';
import type { Pipeline } from '../harness/pipeline';
import {
  deliveries,
  orders,
  publish,
  startBridge,
  startPipeline,
  startWorker,
  statusOf,
  stopComponents,
  waitFor,
} from '../harness/pipeline';
import { forEachNatsServer } from '../harness/tools';

/** Longer than two pulls of the test bridges (1 s each): what a bridge not honouring the pause would have taken. */
const OBSERVE_MS = 2500;

async function atServer(p: Pipeline, consumer: string): Promise<{ paused: boolean; until?: number }> {
  const info = await p.jsm.consumers.info(STREAM, consumer);
  const until = info.config.pause_until ? Date.parse(info.config.pause_until) : undefined;
  return { paused: info.paused === true, ...(until ? { until } : {}) };
}

/** Whether every bridge honours an operator's pause of process now, as its /metrics says. */
async function allHonour(bridges: readonly Bridge[], by: string): Promise<boolean> {
  const bodies = await Promise.all(bridges.map((b) => b.metrics()));
  return bodies.every((body) => metric(body, 'orderflow_stage_paused', `stage="process",by="${by}"`) === 1);
}

forEachNatsServer('stage pause', (server) => {
  let p: Pipeline;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runCli(args, { env });

  beforeAll(async () => {
    p = await startPipeline({ natsBinary: server.path });
    env = p.env;
  }, 60_000);
  afterAll(() => p.stop(), 60_000);
  afterEach(stopComponents, 60_000);

  it('every bridge stops taking the stage; a run already started finishes; orders published meanwhile run once after the resume, one delivery each', async () => {
    await startWorker(p, { orderPrefix: 'sp-started-', step: 'reserveStock', slowMs: 3000 });
    const bridges = [await startBridge(p), await startBridge(p)];
    const started = orders(1, 'sp-started-');
    await publish(p, started);
    await waitFor('the slow order running', async () => {
      const status = await statusOf(p, `process-${started[0]!.orderId}`).catch(() => 'none');
      return status === 'RUNNING';
    });

    const paused = await cli('pause', 'process', '--reason', 'ERP deploy', '--by', 'alice');
    expect([paused.code, paused.stderr]).toEqual([0, '']);
    expect(paused.stdout).toMatch(/^stage process paused: paused by alice until resumed: ERP deploy; /);
    await waitFor('every bridge honours the pause', () => allHonour(bridges, 'alice'), 15_000);
    if (featuresOf(p.nc).consumerPause) expect((await atServer(p, 'NEW')).paused).toBe(true);
    // The run started before the pause finishes and its message is acked: nothing waits for the resume.
    await waitFor(
      'the started order acked',
      async () => (await p.jsm.consumers.info(STREAM, 'NEW')).num_ack_pending === 0,
    );
    expect(await statusOf(p, `process-${started[0]!.orderId}`)).toBe('COMPLETED');

    const { meanwhile, before } = await publishWhilePaused(p, 4, 'sp-meanwhile-', OBSERVE_MS);
    const status = await cli('status', '--sample-seconds', '0');
    expect(status.stdout).toMatch(/^stage process PAUSED: paused by alice until resumed: ERP deploy \(since \S+\)$/m);

    const resumed = await cli('resume', 'process', '--by', 'bob');
    expect([resumed.code, resumed.stdout]).toEqual([
      0,
      'stage process resumed by bob (was paused by alice until resumed: ERP deploy)\n',
    ]);
    await expectCompletedOnce(
      p,
      [...started, ...meanwhile].map((o) => o.orderId),
      'sp-',
    );
    await expectDrained(p);
    // One delivery per order: the pause charged nothing.
    expect(await deliveries(p)).toBe(before + meanwhile.length);
    expect(await allHonour(bridges, '')).toBe(false);
  }, 120_000);

  it("the bridge's fault pause (Temporal away) does not lift the operator's: still paused after Temporal is back, nothing taken", async () => {
    await startWorker(p);
    const bridge = await startBridge(p, { pauseLeaseMs: '3000' });
    const paused = await cli('pause', 'process', '--until', '1h', '--reason', 'incident 7', '--by', 'carol');
    expect(paused.code).toBe(0);
    await waitFor('the bridge honours the pause', () => allHonour([bridge], 'carol'), 15_000);
    const operatorUntil = (await atServer(p, 'NEW')).until;
    const before = await deliveries(p);
    const meanwhile = orders(3, 'sf-');
    await publish(p, meanwhile);

    await p.temporal.kill();
    await waitFor('the fault pause', () => Promise.resolve(!bridge.ready));
    if (featuresOf(p.nc).consumerPause) {
      // The fault's lease (3 s) neither shortened the operator's deadline nor, later, lifts it.
      await waitFor('DISPATCH paused for the fault', async () => (await atServer(p, 'DISPATCH')).paused);
      expect((await atServer(p, 'NEW')).until).toBeGreaterThanOrEqual(operatorUntil!);
    }
    await p.temporal.restart();
    await waitFor('Temporal back, the fault pause released', () => Promise.resolve(bridge.ready), 60_000);
    if (featuresOf(p.nc).consumerPause) {
      await waitFor('DISPATCH resumed', async () => !(await atServer(p, 'DISPATCH')).paused);
      expect(await atServer(p, 'NEW')).toEqual({ paused: true, until: operatorUntil });
    }
    await new Promise((r) => setTimeout(r, OBSERVE_MS));
    expect(await allHonour([bridge], 'carol')).toBe(true);
    expect(await deliveries(p)).toBe(before);

    expect((await cli('resume', 'process')).code).toBe(0);
    await expectCompletedOnce(
      p,
      meanwhile.map((o) => o.orderId),
      'sf-',
    );
    expect(await deliveries(p)).toBe(before + meanwhile.length);
  }, 180_000);

  it('an --until that passes resumes by itself, on every server; pausing twice updates who, why and until when', async () => {
    await startWorker(p);
    const bridge = await startBridge(p);
    expect((await cli('pause', 'process', '--until', '1h', '--by', 'dave')).code).toBe(0);
    const again = await cli('pause', 'process', '--until', '5s', '--by', 'erin', '--reason', 'short one');
    expect(again.stdout).toMatch(/^stage process pause updated: paused by erin until \S+: short one; /);
    await waitFor('the bridge honours the new pause', () => allHonour([bridge], 'erin'), 15_000);
    const until = Date.parse(/until (\S+):/.exec(again.stdout)![1]!);
    const before = await deliveries(p);
    const meanwhile = orders(2, 'su-');
    await publish(p, meanwhile);
    await expectCompletedOnce(
      p,
      meanwhile.map((o) => o.orderId),
      'su-',
      60_000,
    );
    // Taken only once the deadline passed: each order's run started after it.
    for (const { orderId } of meanwhile) {
      const run = await p.client.workflow.getHandle(`process-${orderId}`).describe();
      expect([orderId, run.startTime.getTime() >= until]).toEqual([orderId, true]);
    }
    expect(await deliveries(p)).toBe(before + meanwhile.length);
    const status = await cli('status', '--sample-seconds', '0');
    expect(status.stdout).toMatch(/^stage process: the pause by erin ended by itself at \S+$/m);
    const notPaused = await cli('resume', 'process');
    expect([notPaused.code, notPaused.stdout]).toEqual([1, '']);
    expect(notPaused.stderr).toMatch(
      /^orderflow: stage process is not paused \(the pause by erin ended by itself at \S+\)\n$/,
    );
  }, 120_000);

  it('pause and resume refuse, in one line, an unknown stage, a bad or past --until and a stage not paused', async () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['pause', 'shipping'], 2, /^orderflow: stage: "shipping" is not a stage; use process or dispatch\n$/],
      [['pause', 'process', '--until', 'soon'], 2, /^orderflow: --until: "soon" is neither a duration nor a time; /],
      [
        ['pause', 'process', '--until', '2020-01-01T00:00:00Z'],
        2,
        /^orderflow: --until: 2020-01-01T00:00:00.000Z is not in the future; /,
      ],
      [['resume', 'dispatch'], 1, /^orderflow: stage dispatch is not paused; nothing to resume\n$/],
      [['resume', 'nowhere'], 2, /^orderflow: stage: "nowhere" is not a stage; /],
    ];
    for (const [args, code, line] of cases) {
      const result = await cli(...args);
      expectNoStackTrace(result);
      expect([args.join(' '), result.code, result.stderr.split('\n').length]).toEqual([args.join(' '), code, 2]);
      expect(result.stderr).toMatch(line);
    }
  }, 60_000);
});
