/**
 * Hole 3 of issue #8: shutdown is bounded in every state. An `orderflow bridge` process gets
 * SIGTERM while Temporal is away, while every slot holds a run that cannot finish, while NATS is
 * away, and idle with intake paused. Each time it must exit 0 within the grace period plus a few
 * seconds, hand back (nak) what it held wherever NATS can be reached, and lose nothing: the next
 * bridge completes every order once, checked from the servers' state.
 */
import type { ChildProcess } from 'node:child_process';

import { STREAM } from '../../workflows/names';
import { expectCompletedOnce, expectDrained } from '../harness/expect-pipeline';
import type { Pipeline } from '../harness/pipeline';
import {
  backlog,
  killProcess,
  orders,
  publish,
  spawnBridgeProcess,
  spawnWorker,
  startPipeline,
  stopComponents,
  waitFor,
} from '../harness/pipeline';
import { forEachNatsServer } from '../harness/tools';

const MAX_IN_FLIGHT = 4;
const GRACE_MS = 2000;
/** A liveness bound, not a speed target: the grace period plus the bounded NATS drain and then some. */
const EXIT_BOUND_MS = GRACE_MS + 10_000;
/** With nothing in flight there is nothing to wait for: a few seconds, whatever the grace period. */
const AT_ONCE_BOUND_MS = 5000;
/**
 * Far longer than any test holds a message, so whatever comes back at once was handed back
 * (nak), not left to lapse. Only the NATS-away test, whose nak cannot arrive, waits for a short one.
 */
const LONG_ACK_WAIT_MS = 60_000;
const SHORT_ACK_WAIT_MS = 2000;
/** Long enough that no run finishes between "every slot holds a run" and the fault. */
const SLOW_MS = '6000';

const bridgeEnv = (graceMs = GRACE_MS): Record<string, string> => ({
  ORDERFLOW_SHUTDOWN_GRACE_MS: String(graceMs),
  ORDERFLOW_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
});

interface BridgeProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote so far (JSON lines). */
  readonly output: () => string;
  /** Resolves once the output holds `text`; fails when the process exits first. */
  readonly waitForLog: (text: string, timeoutMs?: number) => Promise<void>;
}

/** `orderflow bridge` with its output kept from the first line, once it consumes and serves /readyz. */
async function bridgeProcess(p: Pipeline, env: Record<string, string> = bridgeEnv()): Promise<BridgeProcess> {
  const child = spawnBridgeProcess(p, env);
  let text = '';
  child.stdout?.on('data', (c: Buffer) => (text += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (text += c.toString()));
  const waitForLog = (wanted: string, timeoutMs = 30_000): Promise<void> =>
    waitFor(
      `bridge log "${wanted}"`,
      () => {
        if (child.exitCode !== null) throw new Error(`bridge exited (${child.exitCode}):\n${text}`);
        return Promise.resolve(text.includes(wanted));
      },
      timeoutMs,
    );
  await waitForLog('serving /metrics');
  return { child, output: () => text, waitForLog };
}

/** Why the bridge says it is not ready (its /readyz body). */
async function readiness(bridge: BridgeProcess): Promise<string> {
  const line = bridge
    .output()
    .split('\n')
    .find((l) => l.includes('serving /metrics'));
  const { url } = JSON.parse(line!) as { url: string };
  return (await fetch(`${url}/readyz`)).text();
}

/**
 * SIGTERM, then how the process ended: `code 0` when it exited cleanly within `boundMs`. One
 * still alive at the bound is SIGKILLed and ends as `signal SIGKILL`, so a hang fails the check
 * instead of the test's timeout. Its output is shown when it did not exit cleanly.
 */
async function terminate(bridge: BridgeProcess, boundMs = EXIT_BOUND_MS): Promise<string> {
  const { child } = bridge;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)),
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), boundMs);
  const how = await exited;
  clearTimeout(timer);
  if (how !== 'code 0') process.stderr.write(`bridge after SIGTERM: ${how}\n${bridge.output()}\n`);
  return how;
}

async function setAckWait(p: Pipeline, ms: number): Promise<void> {
  for (const name of ['NEW', 'DISPATCH']) await p.jsm.consumers.update(STREAM, name, { ack_wait: ms * 1e6 });
}

async function runningRuns(p: Pipeline, ids: readonly string[]): Promise<number> {
  let running = 0;
  for (const id of ids) {
    const run = await p.client.workflow
      .getHandle(`process-${id}`)
      .describe()
      .catch(() => undefined);
    if (run?.status.name === 'RUNNING') running += 1;
  }
  return running;
}

/** Publishes more orders than the bridge may hold, and waits until every slot holds a running run. */
async function fillEverySlot(p: Pipeline, prefix: string): Promise<string[]> {
  const batch = orders(MAX_IN_FLIGHT + 2, prefix);
  const ids = batch.map((o) => o.orderId);
  await publish(p, batch);
  await waitFor(
    'every slot holds a running run',
    async () => (await backlog(p, 'NEW')).ackPending === MAX_IN_FLIGHT && (await runningRuns(p, ids)) === MAX_IN_FLIGHT,
  );
  return ids;
}

/**
 * A bridge that paused intake at the server (nats-server 2.11+) while Temporal was away leaves the
 * pause to lapse with its lease when it stops; an operator's resume ends it at once.
 */
async function resumeIntake(p: Pipeline): Promise<void> {
  for (const name of ['NEW', 'DISPATCH']) {
    if ((await p.jsm.consumers.info(STREAM, name)).paused) await p.jsm.consumers.resume(STREAM, name);
  }
}

/**
 * What NEW hands out right now, while the ack wait is long: a message the bridge handed back
 * comes again at once (delivered twice); one it dropped would stay out until the ack wait. The
 * messages are handed straight back for the next bridge. (A nak-ed message still counts in
 * num_ack_pending until it is redelivered, on 2.9 and 2.12 alike, so that number cannot tell.)
 */
async function availableNow(p: Pipeline, expected: number): Promise<{ available: number; redelivered: number }> {
  await resumeIntake(p);
  const consumer = await p.js.consumers.get(STREAM, 'NEW');
  const batch = await consumer.fetch({ max_messages: expected, expires: 3000 });
  const taken = [];
  for await (const msg of batch) taken.push(msg);
  // After the fetch, not during it: a message handed back inside it would come again in it.
  for (const msg of taken) msg.nak();
  await p.nc.flush();
  return { available: taken.length, redelivered: taken.filter((m) => m.info.deliveryCount > 1).length };
}

forEachNatsServer('bridge - shutdown', (server) => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline({ natsBinary: server.path, ackWaitMs: LONG_ACK_WAIT_MS });
  }, 60_000);
  afterEach(async () => {
    await stopComponents();
    // A test that failed half-way may leave a server down; the next one starts whole.
    if (!p.temporal.process?.running) await p.temporal.restart();
    if (!p.nats.process?.running) await p.nats.restart();
    // Nor may its orders or its pauses hold up the next test (once this file's connection is back).
    await waitFor('the pipeline cleared for the next test', async () => {
      await resumeIntake(p);
      for (const subject of ['ORDERS.received', 'ORDERS.processed']) {
        await p.jsm.streams.purge(STREAM, { filter: subject });
      }
      return true;
    });
  }, 60_000);
  afterAll(() => p?.stop(), 60_000);

  it('shutdown - SIGTERM while Temporal is unreachable returns within the grace period and hands back every order', async () => {
    await setAckWait(p, LONG_ACK_WAIT_MS);
    await spawnWorker(p, { FAULT_ORDER_PREFIX: 'sd1-', FAULT_STEP: 'reserveStock', FAULT_SLOW_MS: SLOW_MS });
    const bridge = await bridgeProcess(p);
    const ids = await fillEverySlot(p, 'sd1-');
    await p.temporal.kill();
    await bridge.waitForLog('Temporal cannot take work; intake paused');

    expect(await terminate(bridge)).toBe('code 0');
    expect(await availableNow(p, ids.length)).toEqual({ available: ids.length, redelivered: MAX_IN_FLIGHT });

    await p.temporal.restart();
    await bridgeProcess(p);
    await expectCompletedOnce(p, ids, 'sd1-');
    await expectDrained(p);
  }, 180_000);

  it('shutdown - SIGTERM while every slot holds a run that cannot finish (no worker) returns and hands them back', async () => {
    await setAckWait(p, LONG_ACK_WAIT_MS);
    const worker = await spawnWorker(p, {
      FAULT_ORDER_PREFIX: 'sd2-',
      FAULT_STEP: 'reserveStock',
      FAULT_SLOW_MS: SLOW_MS,
    });
    const bridge = await bridgeProcess(p);
    const ids = await fillEverySlot(p, 'sd2-');
    await killProcess(worker, 'SIGKILL');

    expect(await terminate(bridge)).toBe('code 0');
    expect(await availableNow(p, ids.length)).toEqual({ available: ids.length, redelivered: MAX_IN_FLIGHT });

    await spawnWorker(p);
    await bridgeProcess(p);
    await expectCompletedOnce(p, ids, 'sd2-');
    await expectDrained(p);
  }, 180_000);

  it('shutdown - SIGTERM while NATS is away returns within the bound', async () => {
    // Its nak cannot reach the server: the ack wait is what brings the orders back.
    await setAckWait(p, SHORT_ACK_WAIT_MS);
    await spawnWorker(p, { FAULT_ORDER_PREFIX: 'sd3-', FAULT_STEP: 'reserveStock', FAULT_SLOW_MS: SLOW_MS });
    const bridge = await bridgeProcess(p);
    const ids = await fillEverySlot(p, 'sd3-');
    await p.nats.kill();
    await waitFor('the bridge saw NATS go', async () => (await readiness(bridge)).includes('NATS disconnected'));

    expect(await terminate(bridge)).toBe('code 0');

    await p.nats.restart();
    await bridgeProcess(p);
    await expectCompletedOnce(p, ids, 'sd3-');
    await expectDrained(p);
  }, 180_000);

  it('shutdown - SIGTERM with nothing in flight while intake is paused (Temporal away) returns at once', async () => {
    await setAckWait(p, LONG_ACK_WAIT_MS);
    await spawnWorker(p);
    // A grace period far longer than the bound: with nothing in flight there is nothing to wait for.
    const bridge = await bridgeProcess(p, bridgeEnv(60_000));
    await p.temporal.kill();
    await bridge.waitForLog('Temporal cannot take work; intake paused');
    // The pull it had open when intake paused has ended: the bridge now waits at its gate.
    await waitFor('no pull request open', async () => {
      const open = await Promise.all(['NEW', 'DISPATCH'].map((name) => p.jsm.consumers.info(STREAM, name)));
      return open.every((info) => info.num_waiting === 0);
    });
    expect(await backlog(p, 'NEW')).toEqual({ pending: 0, ackPending: 0 });

    expect(await terminate(bridge, AT_ONCE_BOUND_MS)).toBe('code 0');
  }, 120_000);
});
