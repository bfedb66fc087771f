/**
 * `orderflow dev --functions <module> --watch` (issue 21, item 4), against the servers dev starts:
 * a save of the module, or of a helper it imports, reloads the workers as a new build used by the
 * next order within 5 s; orders running across a reload complete once each (counted from the calls
 * the functions made, the payment API's requests and the servers' state); a module that does not
 * load leaves the old workers serving and is reported once; a function removed while a running
 * run's plan still calls it stays hosted until that run is done.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { Client, Connection } from '@temporalio/client';

import { EFFECTS_BUCKET, SUBJECTS } from '../../workflows/names';
import { expectNoStackTrace, runCli } from '../harness/cli';
import type { DevProcess, LogRecord } from '../harness/dev-process';
import { startDevProcess } from '../harness/dev-process';
import { expectCompletedOnce, expectEachCompletedOnce } from '../harness/expect-pipeline';
import { projectLinkedToOrderflow, removeProject } from '../harness/packed';
import type { PaymentApi } from '../harness/payment-api';
import { startPaymentApi } from '../harness/payment-api';
import { orderIdsOn, orders, publish, waitFor } from '../harness/pipeline';
import type { Call } from '../fixtures/watch-project';
import { COMMONJS_FUNCTIONS, callsIn, commonJsHelper, watchFunctions, watchHelper } from '../fixtures/watch-project';

/** The servers of a running dev, as the checks read them. */
interface Servers {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly kv: KV;
  readonly client: Client;
  close(): Promise<void>;
}

async function serversOf(dev: DevProcess): Promise<Servers> {
  const nc = await connect({ servers: dev.natsUrl });
  const connection = await Connection.connect({ address: dev.temporalAddress });
  return {
    nc,
    js: jetstream(nc),
    jsm: await jetstreamManager(nc),
    kv: await new Kvm(nc).open(EFFECTS_BUCKET),
    client: new Client({ connection }),
    close: async () => {
      await nc.close();
      await connection.close();
    },
  };
}

/** dev's reload lines so far. */
const reloads = (dev: DevProcess): LogRecord[] => dev.records().filter((r) => r.msg.startsWith('worker reloaded'));

/** Saves `text` as an editor may: the file emptied, then written in two steps. */
function save(file: string, text: string): number {
  const savedAt = Date.now();
  fs.writeFileSync(file, '');
  fs.appendFileSync(file, text.slice(0, text.length / 2));
  fs.appendFileSync(file, text.slice(text.length / 2));
  return savedAt;
}

/** Waits for the reload after the `before`-th, within 5 s of the save; returns its line. */
async function reloaded(dev: DevProcess, before: number, savedAt: number): Promise<LogRecord> {
  await waitFor('the reload', () => Promise.resolve(reloads(dev).length > before), savedAt + 5000 - Date.now());
  return reloads(dev)[before]!;
}

async function completed(s: Servers, ids: readonly string[]): Promise<void> {
  await waitFor(`${ids.join(', ')} completed`, async () => {
    const done = await orderIdsOn(s, SUBJECTS.completed);
    return ids.every((id) => done.includes(id));
  });
}

/** The code each function ran for `orderId` with, by function. */
function codesOf(calls: readonly Call[], orderId: string): Record<string, string> {
  return Object.fromEntries(calls.filter((c) => c.orderId === orderId).map((c) => [c.name, c.code]));
}

/** Each order's calls of each function: exactly one. */
function expectEachCalledOnce(calls: readonly Call[]): void {
  const counts = new Map<string, number>();
  for (const c of calls) counts.set(`${c.orderId} ${c.name}`, (counts.get(`${c.orderId} ${c.name}`) ?? 0) + 1);
  expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
}

/** Waits for `<orderId> held` in calls.log: the order's function waits on its hold file. */
async function heldIn(dir: string, orderId: string): Promise<void> {
  await waitFor(`${orderId} held`, () =>
    Promise.resolve(fs.readFileSync(path.join(dir, 'calls.log'), 'utf8').includes(`${orderId} held`)),
  );
}

let api: PaymentApi;
beforeAll(async () => (api = await startPaymentApi({ minDelayMs: 50, maxDelayMs: 200 })));
afterAll(() => api.close());

const projects: string[] = [];
afterAll(() => projects.forEach(removeProject));

describe('dev watch - without a module', () => {
  it('dev watch - refuses --watch without --functions in one line, before starting anything', async () => {
    const dir = projectLinkedToOrderflow('orderflow-dev-watch-none', 'module');
    projects.push(dir);
    const refused = await runCli(['dev', '--watch', '--data-dir', path.join(dir, '.data')], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(
      'orderflow: --watch: nothing to watch without --functions; name your pipeline module with --functions',
    );
    expectNoStackTrace(refused);
    expect(fs.existsSync(path.join(dir, '.data'))).toBe(false);
  });
});

// One dev for the steps below, in order: each starts from where the one before left the module.
describe('dev watch - a TypeScript module and the helper it imports', () => {
  let dir: string;
  let functions: string;
  let helper: string;
  let dev: DevProcess;
  let s: Servers;
  const errors = (): LogRecord[] => dev.records().filter((r) => r.level === 'error');

  beforeAll(async () => {
    dir = projectLinkedToOrderflow('orderflow-dev-watch-ts', 'module');
    projects.push(dir);
    [functions, helper] = [path.join(dir, 'functions.ts'), path.join(dir, 'version.ts')];
    fs.writeFileSync(functions, watchFunctions());
    fs.writeFileSync(helper, watchHelper('v1'));
    // Debug: the line that says a failure saved again was read, and said nothing more.
    const env = { PAYMENTS_URL: api.url, ORDERFLOW_LOG_LEVEL: 'debug' };
    dev = await startDevProcess(['--functions', './functions.ts', '--watch', '--demo-orders', '0'], { cwd: dir, env });
    s = await serversOf(dev);
  }, 120_000);
  afterAll(async () => {
    // A failed step may leave an order held, and a function that never ends holds dev's stop.
    for (const file of fs.readdirSync(dir).filter((f) => f.startsWith('hold-'))) fs.rmSync(path.join(dir, file));
    await s?.close();
    expect(await dev?.stop()).toBe(0);
  }, 60_000);

  it('dev watch - an edit of the helper is a new build, used by the next order, within 5 s of the save', async () => {
    const savedAt = save(helper, watchHelper('v2'));
    const reload = await reloaded(dev, 0, savedAt);
    expect(reload.from).not.toBe(reload.to);
    const [order] = orders(1, 'watch-helper-');
    await publish(s, [order!]);
    await completed(s, [order!.orderId]);
    expect(codesOf(callsIn(dir), order!.orderId)).toEqual({
      reserveStock: 'v2a',
      chargePayment: 'v2a',
      assignCourier: 'v2a',
      ship: 'v2a',
    });
  });

  it('dev watch - orders in flight across an edit of the module complete once; the old workers finish what they run', async () => {
    const flight = orders(20, 'watch-flight-');
    // One held inside reserveStock by the old workers, which finish it; the new ones take the rest.
    const held = flight[0]!.orderId;
    fs.writeFileSync(path.join(dir, `hold-${held}`), '');
    await publish(s, flight);
    await heldIn(dir, held);
    await reloaded(dev, 1, save(functions, watchFunctions({ flavour: 'b' })));
    fs.rmSync(path.join(dir, `hold-${held}`));
    await expectCompletedOnce(
      s,
      flight.map((o) => o.orderId),
      'watch-flight-',
    );
    expect(codesOf(callsIn(dir), held)).toEqual({
      reserveStock: 'v2a',
      chargePayment: 'v2b',
      assignCourier: 'v2b',
      ship: 'v2b',
    });
  });

  it('dev watch - a syntax error is said once, with its line, however often saved; the old workers go on serving', async () => {
    const broken = watchFunctions({ flavour: 'c' }).replace("'c';", ';');
    const savedAt = save(functions, broken);
    await waitFor('the failure', () => Promise.resolve(errors().length > 0), savedAt + 5000 - Date.now());
    const keptQuiet = (): number =>
      dev.records().filter((r) => r.msg.startsWith('the functions module still fails')).length;
    save(functions, broken);
    await waitFor('the same failure saved again', () => Promise.resolve(keptQuiet() === 1));
    expect(errors().map((r) => r.msg)).toEqual([
      expect.stringMatching(
        /^functions module \.\/functions\.ts: failed to load at functions\.ts:8:\d+: .*; fix the code there \(the workers serving go on with build .+\)$/,
      ),
    ]);
    expect(dev.output()).not.toMatch(/\n\s+at .+:\d+:\d+/);
    const [order] = orders(1, 'watch-broken-');
    await publish(s, [order!]);
    await completed(s, [order!.orderId]);
    expect(new Set(Object.values(codesOf(callsIn(dir), order!.orderId)))).toEqual(new Set(['v2b']));
  });

  it('dev watch - a helper that throws when loaded is said with its line; the next good save reloads', async () => {
    fs.writeFileSync(helper, `${watchHelper('v3')}throw new Error('no version today');\n`);
    const savedAt = save(functions, watchFunctions({ flavour: 'c' }));
    await waitFor('the throw', () => Promise.resolve(errors().length === 2), savedAt + 5000 - Date.now());
    expect(errors()[1]!.msg).toMatch(/failed to load at version\.ts:2:7: no version today; fix the error it throws/);
    await reloaded(dev, 2, save(helper, watchHelper('v3')));
    const [order] = orders(1, 'watch-fixed-');
    await publish(s, [order!]);
    await completed(s, [order!.orderId]);
    expect(new Set(Object.values(codesOf(callsIn(dir), order!.orderId)))).toEqual(new Set(['v3c']));
  });

  it('dev watch - a function removed while a running run still calls it stays hosted, said in one line', async () => {
    const [order] = orders(1, 'watch-removed-');
    const id = order!.orderId;
    fs.writeFileSync(path.join(dir, `hold-${id}`), '');
    await publish(s, [order!]);
    await heldIn(dir, id);
    const removal = await reloaded(dev, 3, save(functions, watchFunctions({ flavour: 'd', process: 'reserveStock' })));
    expect(removal).toMatchObject({ removed: ['chargePayment'], keptForRunningRuns: ['chargePayment'] });
    expect(
      dev
        .records()
        .filter((r) => r.level === 'warn')
        .map((r) => r.msg),
    ).toContain(
      `function chargePayment is no longer in the pipeline, but the plans of 1 running run (process-${id}) ` +
        'still call it: kept hosted (retired) until they finish; to deploy this change, keep it in retired: [chargePayment]',
    );
    fs.rmSync(path.join(dir, `hold-${id}`));
    // Without it hosted the run would wait for ever: the old workers stopped polling at the reload.
    await expectEachCompletedOnce(s, [id]);
    // Run by the new workers as the last build that defined it.
    expect(codesOf(callsIn(dir), id)).toMatchObject({ reserveStock: 'v3c', chargePayment: 'v3c' });
  });

  it('dev watch - over every reload, the outside world saw each function once per order, one charge each', () => {
    expectEachCalledOnce(callsIn(dir));
    expect([...api.countByKey().values()].filter((n) => n !== 1)).toEqual([]);
    expect([...api.keysByOrder().values()].filter((keys) => keys.size !== 1)).toEqual([]);
    expect(api.requests().length).toBeGreaterThanOrEqual(23);
  });
});

describe('dev watch - a CommonJS JavaScript module', () => {
  it('dev watch - each save of the helper it requires is a reload, used by the next order', async () => {
    const dir = projectLinkedToOrderflow('orderflow-dev-watch-cjs', 'commonjs');
    projects.push(dir);
    fs.writeFileSync(path.join(dir, 'functions.js'), COMMONJS_FUNCTIONS);
    const helper = path.join(dir, 'helper.js');
    fs.writeFileSync(helper, commonJsHelper('c1'));
    const dev = await startDevProcess(['--functions', './functions.js', '--watch', '--demo-orders', '0'], { cwd: dir });
    const s = await serversOf(dev);
    try {
      for (const [i, version] of ['c2', 'c3'].entries()) {
        await reloaded(dev, i, save(helper, commonJsHelper(version)));
        const [order] = orders(1, `watch-cjs-${version}-`);
        await publish(s, [order!]);
        await completed(s, [order!.orderId]);
        expect(codesOf(callsIn(dir), order!.orderId)).toEqual({ reserveStock: version });
      }
    } finally {
      await s.close();
      expect(await dev.stop()).toBe(0);
    }
  }, 90_000);
});
