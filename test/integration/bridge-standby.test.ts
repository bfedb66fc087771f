/**
 * Warm standby (#12 item 2), real processes on the pinned nats-server and a Temporal dev server:
 * two `orderflow bridge --standby` share NEW and DISPATCH, only the pinned one pulls; SIGKILL it
 * and the other takes over after the pin's TTL, every order completing once; SIGTERM it and the
 * other takes over at once (unpin). Refusals on Debian's 2.9 and of a plain bridge on a pinned
 * consumer.
 */
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';

import { countDeadLetters } from '../../operate/dlq/dead-letter-store';
import { freePort } from '../../local/servers/ports';
import { STANDBY_GROUP, STREAM } from '../../workflows/names';
import { expectNoStackTrace, runCli } from '../harness/cli';
import { expectCompletedOnce, expectDrained } from '../harness/expect-pipeline';
import { metric } from '../harness/metrics';
import type { Pipeline } from '../harness/pipeline';
import {
  killProcess,
  orders,
  publish,
  spawnBridge,
  startPipeline,
  startWorker,
  stopComponents,
  waitFor,
} from '../harness/pipeline';
import { startNats } from '../harness/servers';
import { natsServerVersions } from '../harness/tools';

const STAGES = ['process', 'dispatch'] as const;
type StageName = (typeof STAGES)[number];

interface StandbyBridge {
  readonly child: ChildProcess;
  readonly port: number;
  /** The name it answers `status` with (cli/commands/bridge.ts). */
  readonly name: string;
}

/** One sample of a bridge's /metrics, for one stage. */
async function bridgeMetric(b: StandbyBridge, name: string, stage: StageName): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${b.port}/metrics`)).text();
  const value = metric(text, name, `stage="${stage}"`);
  if (Number.isNaN(value)) throw new Error(`no ${name} for ${stage} in the metrics of bridge ${b.name}`);
  return value;
}

const isActive = async (b: StandbyBridge, stage: StageName): Promise<boolean> =>
  (await bridgeMetric(b, 'orderflow_bridge_active', stage)) === 1;
const received = (b: StandbyBridge, stage: StageName): Promise<number> =>
  bridgeMetric(b, 'orderflow_messages_received_total', stage);

async function startStandbyBridge(p: Pipeline): Promise<StandbyBridge> {
  const port = await freePort();
  const child = await spawnBridge(p, { ORDERFLOW_STANDBY: 'true', ORDERFLOW_METRICS_PORT: String(port) });
  await waitFor('the bridge serves /metrics', async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok);
  return { child, port, name: `${os.hostname()}:${child.pid}` };
}

/** The one bridge of `bridges` that is active for `stage`, once exactly one is. */
async function activeFor(stage: StageName, bridges: readonly StandbyBridge[]): Promise<StandbyBridge> {
  let active: StandbyBridge[] = [];
  await waitFor(`one bridge active for ${stage}`, async () => {
    active = [];
    for (const b of bridges) if (await isActive(b, stage)) active.push(b);
    return active.length === 1;
  });
  return active[0]!;
}

interface StatusBridges {
  bridges: Array<{ stage: string; pinnedId: string; active?: { name: string }; standbys: Array<{ name: string }> }>;
}

async function statusBridges(p: Pipeline): Promise<StatusBridges['bridges']> {
  const result = await runCli(['status', '--json', '--sample-seconds', '0'], { env: p.env });
  expect(result.code).toBe(0);
  return (JSON.parse(result.stdout) as StatusBridges).bridges;
}

/** Publishes `list` one order at a time, `everyMs` apart; `published` counts them as they go. */
function publishPaced(p: Pipeline, list: ReturnType<typeof orders>, everyMs: number, counter: { published: number }) {
  return (async () => {
    for (const order of list) {
      await publish(p, [order]);
      counter.published += 1;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
}

/** Releases the pins of bridges an earlier test killed, so their TTL holds no one back here. */
async function releasePins(p: Pipeline): Promise<void> {
  for (const consumer of ['NEW', 'DISPATCH']) await p.jsm.consumers.unpin(STREAM, consumer, STANDBY_GROUP);
}

/** The lines of `stderr` that are not the JSON log. */
function notLogs(stderr: string): string[] {
  return stderr
    .trim()
    .split('\n')
    .filter((line) => !line.startsWith('{'));
}

async function provisionStandby(p: Pipeline, takeoverSeconds: number): Promise<void> {
  const result = await runCli(['provision', '--standby', '--takeover-after', String(takeoverSeconds), '--apply'], {
    env: p.env,
  });
  expect([result.code, result.stderr]).toEqual([0, '']);
  // Shorter than production's 30 s, so the killed bridge's orders come back within the test.
  for (const name of ['NEW', 'DISPATCH']) await p.jsm.consumers.update(STREAM, name, { ack_wait: 5e9 });
}

describe('bridge - warm standby (nats-server pinned)', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await startPipeline();
  }, 60_000);
  afterEach(stopComponents, 60_000);
  afterAll(() => p?.stop(), 60_000);

  it('provision --standby updates the seed consumers in place; without it, status shows no standby section', async () => {
    expect(await statusBridges(p)).toEqual([]);
    const before = await p.jsm.consumers.info(STREAM, 'NEW');
    await provisionStandby(p, 10);
    const after = await p.jsm.consumers.info(STREAM, 'NEW');
    // Updated, not recreated: same creation time, the same delivered state.
    expect(after.created).toBe(before.created);
    expect(after.config).toMatchObject({
      priority_groups: [STANDBY_GROUP],
      priority_policy: 'pinned_client',
      priority_timeout: 10e9,
    });
    // Provisioned again without --standby, the standby fields are reported as drift (exit 1).
    const plain = await runCli(['provision', '--dry-run'], { env: p.env });
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain('priority_policy');
    expect(plain.stdout).toContain('pinned_client -> (unset)');
  }, 60_000);

  it('one bridge pulls, the standby none; SIGKILL the active one and the standby takes over, every order once', async () => {
    await provisionStandby(p, 10);
    await startWorker(p);
    const bridges = [await startStandbyBridge(p), await startStandbyBridge(p)];
    const batch = orders(300, 'sb-');
    const counter = { published: 0 };
    const publishing = publishPaced(p, batch, 40, counter);

    const active = { process: await activeFor('process', bridges), dispatch: await activeFor('dispatch', bridges) };
    await waitFor('60 orders published', () => Promise.resolve(counter.published >= 60));
    for (const stage of STAGES) {
      const standby = bridges.find((b) => b !== active[stage])!;
      // Counters only grow: 0 now is 0 since the bridge started.
      expect([stage, await received(standby, stage)]).toEqual([stage, 0]);
      expect(await received(active[stage], stage)).toBeGreaterThan(0);
    }
    const shown = await statusBridges(p);
    expect(shown.map((v) => [v.stage, v.active?.name, v.standbys.map((s) => s.name)])).toEqual(
      STAGES.map((stage) => [stage, active[stage].name, [bridges.find((b) => b !== active[stage])!.name]]),
    );

    const victim = active.process;
    const survivor = bridges.find((b) => b !== victim)!;
    const killedAt = Date.now();
    await killProcess(victim.child, 'SIGKILL');
    await waitFor('the standby active for process', () => isActive(survivor, 'process'), 60_000);
    const takeoverMs = Date.now() - killedAt;
    console.log(`warm standby: takeover after SIGKILL in ${takeoverMs} ms (pin TTL 10000 ms)`);
    await waitFor('the standby active for dispatch', () => isActive(survivor, 'dispatch'), 60_000);
    const after = await statusBridges(p);
    expect(after.map((v) => [v.stage, v.active?.name])).toEqual(STAGES.map((stage) => [stage, survivor.name]));

    await publishing;
    await expectCompletedOnce(
      p,
      batch.map((o) => o.orderId),
      'sb-',
      180_000,
    );
    await expectDrained(p);
    expect((await countDeadLetters(p.jsm, ['NEW', 'DISPATCH'])).total).toBe(0);
  }, 300_000);

  it('SIGTERM of the active bridge hands the pin over at once (unpin), long before the 60 s TTL', async () => {
    await provisionStandby(p, 60);
    await releasePins(p);
    await startWorker(p);
    const bridges = [await startStandbyBridge(p), await startStandbyBridge(p)];
    const first = orders(20, 'tm1-');
    await publish(p, first);
    const active = await activeFor('process', bridges);
    const other = bridges.find((b) => b !== active)!;
    await expectCompletedOnce(
      p,
      first.map((o) => o.orderId),
      'tm1-',
    );

    expect(await killProcess(active.child, 'SIGTERM')).toBe(0);
    const second = orders(20, 'tm2-');
    await publish(p, second);
    // Without the unpin the pin would lapse 60 s after the last pull: taking over within 40 s proves it.
    await waitFor('the other bridge active for process', () => isActive(other, 'process'), 40_000);
    await expectCompletedOnce(
      p,
      second.map((o) => o.orderId),
      'tm2-',
    );
    expect(await received(other, 'process')).toBe(second.length);
  }, 180_000);

  it('a bridge without --standby on a pinned consumer is refused in one line (exit 2)', async () => {
    await provisionStandby(p, 10);
    const result = await runCli(['bridge', '--metrics-port', 'off'], { env: p.env });
    expect(result.code).toBe(2);
    // The bridge's JSON log lines before it (connecting, checks) are not the message.
    expect(notLogs(result.stderr)).toEqual([
      'orderflow: consumer ORDERS/NEW has priority policy pinned_client (warm standby), which refuses pulls that ' +
        'name no group; start this bridge with --standby',
    ]);
    expectNoStackTrace(result);
  }, 60_000);

  it("--standby against Debian's nats-server 2.9 is refused in one line (exit 2), by provision and by the bridge", async () => {
    const legacy = natsServerVersions().find((v) => !v.pinned);
    if (!legacy) throw new Error('no older nats-server on PATH (Debian: apt-get install nats-server)');
    const old = await startNats({ binary: legacy.path });
    const env = { ...p.env, NATS_URL: old.url };
    const line =
      `--standby: nats-server ${legacy.version.replace(/^v/, '')} has no priority groups, which warm standby needs ` +
      '(2.11.0 or newer); upgrade nats-server, or leave out --standby';
    for (const args of [
      ['provision', '--standby'],
      ['bridge', '--standby', '--metrics-port', 'off'],
    ]) {
      const result = await runCli(args, { env });
      expect([args.join(' '), result.code]).toEqual([args.join(' '), 2]);
      expect(notLogs(result.stderr)).toEqual([`orderflow: ${line}`]);
      expectNoStackTrace(result);
    }
    await old.stop(5000);
  }, 60_000);
});
