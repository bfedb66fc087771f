/**
 * Pausing intake at the broker (issue #8 hole 10) against real servers. Which behaviour is tested
 * follows what the server supports, as the bridge decides it: the pause and its lease where the
 * server has consumer pause (2.11+), a quiet no-op where it does not (Debian's 2.9).
 */
import type { Consumer, JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { AckPolicy } from '@nats-io/jetstream';

import { BrokerPause } from '../../bridge/gates/broker-pause';
import { createLogger } from '../../shared/log';
import type { Logger } from '../../shared/log';
import type { ServerFeatures } from '../../shared/nats/server-features';
import { serverFeatures } from '../../shared/nats/server-features';
import type { NatsServer } from '../../local/servers/nats-server';
import { startJetStream } from '../harness/jetstream';
import { forEachNatsServer } from '../harness/tools';

const CONSUMERS = ['NEW', 'DISPATCH'];

/** A real logger whose lines are kept, to count what it said. */
function recordingLogger(): { logger: Logger; lines: () => Array<{ level: string; msg: string }> } {
  const written: string[] = [];
  const logger = createLogger({ level: 'debug', format: 'json', write: (line) => void written.push(line) });
  return { logger, lines: () => written.map((l) => JSON.parse(l) as { level: string; msg: string }) };
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (
    !(await Promise.resolve()
      .then(check)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

forEachNatsServer('broker pause', (server) => {
  let nats: NatsServer;
  let jsm: JetStreamManager;
  let js: JetStreamClient;
  let features: ServerFeatures;
  let streams = 0;
  let stream: string;
  const started: BrokerPause[] = [];

  beforeAll(async () => {
    // A short API timeout, so a call to a hung server fails within the test.
    ({ nats, jsm, js, features } = await startJetStream({ natsBinary: server.path, apiTimeoutMs: 1000 }));
  });
  afterEach(async () => {
    for (const pause of started.splice(0)) await pause.stop();
  });

  // A stream of its own per test, with the two pull consumers and one message on each.
  beforeEach(async () => {
    streams += 1;
    stream = `P${streams}`;
    await jsm.streams.add({ name: stream, subjects: [`p${streams}.*`] });
    for (const name of CONSUMERS) {
      await jsm.consumers.add(stream, {
        durable_name: name,
        ack_policy: AckPolicy.Explicit,
        filter_subject: `p${streams}.${name}`,
      });
      await js.publish(`p${streams}.${name}`, name);
    }
  });

  function brokerPause(logger: Logger, lease: { leaseMs?: number; renewEveryMs?: number } = {}): BrokerPause {
    const pause = new BrokerPause({ jsm, stream, consumers: CONSUMERS, features, logger, ...lease });
    started.push(pause);
    return pause;
  }

  async function pulled(name: string): Promise<string[]> {
    const consumer: Consumer = await js.consumers.get(stream, name);
    const got: string[] = [];
    for await (const msg of await consumer.fetch({ max_messages: 1, expires: 1000 })) {
      got.push(msg.string());
      msg.ack();
    }
    return got;
  }

  async function serverSide(name: string): Promise<{ paused: boolean; remainingMs: number; until?: number }> {
    const info = await jsm.consumers.info(stream, name);
    const until = info.config.pause_until;
    return {
      paused: info.paused ?? false,
      remainingMs: (info.pause_remaining ?? 0) / 1e6,
      ...(until ? { until: Date.parse(until) } : {}),
    };
  }

  if (!serverFeatures(server.version).consumerPause) {
    it('broker pause - without consumer pause on the server: nothing is paused, no error, said once', async () => {
      const { logger, lines } = recordingLogger();
      const pause = brokerPause(logger);
      await pause.hold('Temporal is away');
      await pause.hold('Temporal is still away');
      expect([pause.paused, pause.reason, pause.pausedUntil]).toEqual([false, undefined, undefined]);
      for (const name of CONSUMERS) {
        expect((await jsm.consumers.info(stream, name)).paused).toBeUndefined();
        expect(await pulled(name)).toEqual([name]); // the client-side pause is all there is
      }
      await pause.release();
      await pause.stop();
      expect(lines()).toEqual([
        expect.objectContaining({ level: 'debug', msg: expect.stringContaining('no consumer pause') }),
      ]);
    });
    return;
  }

  it('broker pause - hold pauses every consumer at the server (a pull gets nothing); release resumes it and messages flow', async () => {
    const { logger } = recordingLogger();
    const pause = brokerPause(logger);
    const before = Date.now();
    await pause.hold('Temporal is away');
    expect([pause.paused, pause.reason]).toEqual([true, 'Temporal is away']);
    for (const name of CONSUMERS) {
      const state = await serverSide(name);
      expect(state.paused).toBe(true);
      expect(state.remainingMs).toBeGreaterThan(20_000); // the default lease is 30 s
      expect(state.until).toBeGreaterThanOrEqual(before + 30_000 - 1000);
      expect(state.until).toBe(pause.pausedUntil!.getTime());
      expect(await pulled(name)).toEqual([]);
    }

    await pause.release();
    expect([pause.paused, pause.reason, pause.pausedUntil]).toEqual([false, undefined, undefined]);
    for (const name of CONSUMERS) {
      expect((await serverSide(name)).paused).toBe(false);
      expect(await pulled(name)).toEqual([name]);
    }
  });

  it('broker pause - the deadline moves forward while held, past the first lease', async () => {
    const { logger } = recordingLogger();
    const pause = brokerPause(logger, { leaseMs: 2000, renewEveryMs: 400 });
    await pause.hold('Temporal is away');
    const first = (await serverSide('NEW')).until!;
    await until('a renewed deadline', async () => (await serverSide('NEW')).until! > first);
    // Well past the first deadline, the consumers are still paused: the lease was renewed.
    await new Promise((r) => setTimeout(r, first + 1000 - Date.now()));
    for (const name of CONSUMERS) {
      expect((await serverSide(name)).paused).toBe(true);
      expect(await pulled(name)).toEqual([]);
    }
  });

  it('broker pause - stopped without release, the server resumes the consumers by itself once the lease passes', async () => {
    const { logger } = recordingLogger();
    const pause = brokerPause(logger, { leaseMs: 2000, renewEveryMs: 500 });
    await pause.hold('Temporal is away');
    await pause.stop();
    const deadline = pause.pausedUntil!.getTime();
    expect(pause.paused).toBe(false);
    expect((await serverSide('NEW')).paused).toBe(true); // stop() does not resume
    await until('the server resumes the consumers', async () => !(await serverSide('NEW')).paused);
    expect(Date.now()).toBeGreaterThanOrEqual(deadline - 100);
    for (const name of CONSUMERS) {
      expect((await serverSide(name)).paused).toBe(false);
      expect(await pulled(name)).toEqual([name]);
    }
  });

  it('broker pause - NATS hung while held: never thrown, logged once, renewed again when it is back', async () => {
    const { logger, lines } = recordingLogger();
    const pause = brokerPause(logger, { leaseMs: 6000, renewEveryMs: 300 });
    await pause.hold('Temporal is away');
    const warnings = () => lines().filter((l) => l.level === 'warn');
    nats.pause();
    try {
      // Each renewal times out after the 1 s API timeout; several fail, one line says so.
      await until('a failed renewal', () => warnings().length > 0, 5000);
      await new Promise((r) => setTimeout(r, 2000));
      await expect(pause.hold('Temporal is still away')).resolves.toBeUndefined();
      expect(warnings()).toHaveLength(1);
      expect(warnings()[0]!.msg).toBe('could not pause intake at the server; retrying');
    } finally {
      nats.resume();
    }
    const before = pause.pausedUntil!.getTime();
    await until('renewed after the server is back', () => pause.pausedUntil!.getTime() > before);
    expect(lines().map((l) => l.msg)).toContain('pause at the server works again');
    expect((await serverSide('NEW')).paused).toBe(true);
  }, 30_000);

  it('broker pause - released while NATS is hung: resumed as soon as it is back, not only when the lease passes', async () => {
    const { logger, lines } = recordingLogger();
    const pause = brokerPause(logger, { leaseMs: 8000, renewEveryMs: 300 });
    await pause.hold('Temporal is away');
    const deadline = pause.pausedUntil!.getTime();
    nats.pause();
    try {
      await expect(pause.release()).resolves.toBeUndefined();
      expect(
        lines()
          .filter((l) => l.level === 'warn')
          .map((l) => l.msg),
      ).toEqual(['could not resume intake at the server; retrying']);
    } finally {
      nats.resume();
    }
    await until('the resume confirmed', () => pause.pausedUntil === undefined);
    expect(Date.now()).toBeLessThan(deadline - 2000);
    for (const name of CONSUMERS) {
      expect((await serverSide(name)).paused).toBe(false);
      expect(await pulled(name)).toEqual([name]);
    }
  }, 30_000);
});
