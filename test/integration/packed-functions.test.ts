/**
 * Issue #9's end-to-end proof, as a user gets orderflow: `npm pack` of this checkout installed in a
 * new folder outside the repository, a functions module written there that imports 'orderflow',
 * two workers (the pipeline's queue, and `payments` for the function that calls a payment API)
 * and a bridge, all run from that install. The payments worker is SIGKILLed twice while its calls
 * are in flight; every order must still complete once and reach the payment API under exactly one
 * idempotency key, checked from the servers' state and from the API's own counts.
 *
 * Issue #21's: the module is TypeScript, run once as it is (`--functions ./functions.ts`, compiled
 * by tsx as it loads) and once as the JavaScript tsc makes of it (`./functions.js`, type-checked
 * against the installed package's types); both runs must make the same calls to the payment API.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { listDeadLetters } from '../../operate/dlq/dead-letter-store';
import { demoOrders } from '../../shared/orders/demo';
import { publishOrders } from '../../operate/publish/publish';
import { orderRevision } from '../../shared/orders/revision';
import type { StageOutput } from '../../workflows/types';
import { SUBJECTS } from '../../workflows/names';
import { expectDrained } from '../harness/expect-pipeline';
import type { InstalledProcess } from '../harness/installed';
import { outputsOf, spawnInstalled } from '../harness/installed';
import { projectWithOrderflow, removeProject } from '../harness/packed';
import { ROOT } from '../harness/paths';
import type { PaymentApi } from '../harness/payment-api';
import { startPaymentApi } from '../harness/payment-api';
import type { Pipeline } from '../harness/pipeline';
import { outputsOn, startPipeline, waitFor } from '../harness/pipeline';

const ORDERS = 200;
const KILLS = 2;
/** The user's TypeScript, and the JavaScript tsc makes of it. */
const MODULES = ['functions.ts', 'functions.js'] as const;
type ModuleFile = (typeof MODULES)[number];
/** tsx and the packages it brings: esbuild, its platform binary, and their helpers. */
const TSX_PACKAGES = /^(tsx|esbuild|@esbuild\/.*|get-tsconfig|resolve-pkg-maps|fsevents)$/;

/**
 * The user's module, in TypeScript. charge runs on its own queue and heartbeats (orderflow does
 * it for it) every fifth of 2 s, so a call of a killed worker is retried within seconds; it tells
 * the API its process ID only so that the test can tell the calls of the worker it kills.
 */
function functionsModule(paymentApiUrl: string): string {
  return [
    "import { defineFunction, definePipeline } from 'orderflow';",
    "import type { FunctionContext, Order } from 'orderflow';",
    '',
    `const PAYMENT_API = ${JSON.stringify(paymentApiUrl)};`,
    '',
    'interface Charged {',
    '  readonly chargeId: string;',
    '}',
    '',
    'const total = (order: Order): number =>',
    '  order.items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);',
    '',
    'const reserve = defineFunction({',
    "  name: 'reserve',",
    '  run: async (order: Order) => ({ lines: order.items.length }),',
    '});',
    '',
    'const charge = defineFunction({',
    "  name: 'charge',",
    "  taskQueue: 'payments',",
    "  heartbeatTimeout: '2s',",
    '  run: async (order: Order, ctx: FunctionContext): Promise<string> => {',
    '    const res = await fetch(`${PAYMENT_API}/charges`, {',
    "      method: 'POST',",
    '      headers: {',
    "        'content-type': 'application/json',",
    "        'idempotency-key': ctx.idempotencyKey,",
    "        'x-worker-pid': String(process.pid),",
    '      },',
    '      body: JSON.stringify({ orderId: order.orderId, amount: total(order), currency: order.currency }),',
    '      signal: ctx.signal,',
    '    });',
    '    if (!res.ok) throw new Error(`payment API answered ${res.status}: ${await res.text()}`);',
    '    const { chargeId } = (await res.json()) as Charged;',
    '    return chargeId;',
    '  },',
    '});',
    '',
    'const ship = defineFunction({',
    "  name: 'ship',",
    '  run: async (order: Order, ctx: FunctionContext) => ({',
    '    orderId: order.orderId,',
    '    paidWith: ctx.results.process?.charge ?? null,',
    '  }),',
    '});',
    '',
    'export default definePipeline({ process: [reserve, charge], dispatch: [ship] });',
    '',
  ].join('\n');
}

/** Compiles functions.ts in `dir` to functions.js with this checkout's TypeScript, type-checked against the install. */
async function compile(dir: string): Promise<void> {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const types = ['--typeRoots', path.join(ROOT, 'node_modules', '@types'), '--types', 'node'];
  const options = ['--module', 'nodenext', '--target', 'es2022', '--strict', '--skipLibCheck', ...types];
  await promisify(execFile)(process.execPath, [tsc, ...options, 'functions.ts'], { cwd: dir });
}

/** What one run made the payment API do for each order, by its place in the batch: what it charged, under how many keys. */
type Calls = Array<{ readonly order: number; readonly charged: Record<string, unknown>; readonly keys: number }>;

describe('packed functions - a user project runs its own functions from the installed package', () => {
  let p: Pipeline | undefined;
  let dir: string | undefined;
  let install = '';
  let api: PaymentApi | undefined;
  const processes: InstalledProcess[] = [];
  const calls = new Map<ModuleFile, Calls>();

  beforeAll(async () => {
    // The servers start while npm packs and installs; each result is kept as it comes, so that
    // afterAll cleans up what did start when another part failed.
    const started = await Promise.allSettled([
      startPipeline().then((pipeline) => (p = pipeline)),
      projectWithOrderflow('orderflow-packed-functions', 'module').then((project) => {
        dir = project.dir;
        install = project.install;
      }),
      startPaymentApi({ minDelayMs: 100, maxDelayMs: 300 }).then((server) => (api = server)),
    ]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    fs.writeFileSync(path.join(dir!, 'functions.ts'), functionsModule(api!.url));
    await compile(dir!);
  }, 240_000);

  afterAll(async () => {
    await Promise.all(processes.map((proc) => proc.kill('SIGKILL')));
    await api?.close();
    removeProject(dir);
    await p?.stop();
  }, 60_000);

  it('packed functions - tsx and what it depends on install on this Node without an engine warning', () => {
    const unsupported = [...install.matchAll(/EBADENGINE +package: '(@?[^@']+)@/g)].map((m) => m[1]);
    expect(unsupported.filter((name) => TSX_PACKAGES.test(name!))).toEqual([]);
    expect(fs.readdirSync(path.join(dir!, 'node_modules', '@esbuild'))).toHaveLength(1); // this platform's binary
  });

  it.each(MODULES)(
    'packed functions - %s: 200 orders, the payments worker SIGKILLed twice mid-call: each order completes once and reaches the payment API under one idempotency key',
    async (module) => {
      if (!p || !dir || !api) throw new Error('the pipeline, the project or the payment API did not start');
      calls.set(module, await runOrders(p, dir, api, module, processes));
    },
    180_000,
  );

  it('packed functions - the .ts module and its compiled .js made the same calls to the payment API', () => {
    expect(calls.get('functions.ts')).toHaveLength(ORDERS);
    expect(calls.get('functions.ts')).toEqual(calls.get('functions.js'));
    expect(calls.get('functions.ts')!.every((call) => call.keys === 1)).toBe(true);
  });
});

/**
 * One run of `module` from the installed package: workers and a bridge, 200 orders of a batch of
 * its own, the kills, the checks; its processes are stopped at the end, so the next run's are the
 * only ones serving the queues. Returns the calls the payment API saw for the batch.
 */
async function runOrders(
  pipeline: Pipeline,
  projectDir: string,
  payments: PaymentApi,
  module: ModuleFile,
  processes: InstalledProcess[],
): Promise<Calls> {
  const env = { ...pipeline.env, TEMPORAL_NAMESPACE: 'default', ORDERFLOW_LOG_FORMAT: 'json' };
  const own: InstalledProcess[] = [];
  const run = (name: string, args: readonly string[], extra: Record<string, string> = {}): InstalledProcess => {
    const proc = spawnInstalled(
      projectDir,
      `${name} (${module})`,
      [...args, '--functions', `./${module}`, '--metrics-port', 'off'],
      { ...env, ...extra },
    );
    processes.push(proc);
    own.push(proc);
    return proc;
  };
  const startPaymentsWorker = (n: number): InstalledProcess =>
    run(`worker payments #${n}`, ['worker', '--task-queue', 'payments']);

  try {
    const pipelineWorker = run('worker orderflow', ['worker']);
    let paymentsWorker = startPaymentsWorker(1);
    await Promise.all([pipelineWorker.waitForLog('worker running'), paymentsWorker.waitForLog('worker running')]);
    const bridge = run('bridge', ['bridge'], {
      ORDERFLOW_NAK_DELAY_MS: '200',
      ORDERFLOW_NAK_DELAY_MAX_MS: '1000',
      ORDERFLOW_FETCH_EXPIRES_MS: '1000',
      ORDERFLOW_WORKER_CHECK_MS: '500',
    });
    await bridge.waitForLog('bridge consuming');

    // Both runs publish the same batch (one seed) under their own order IDs.
    const prefix = `packed-${randomUUID().slice(0, 8)}-`;
    const batch = demoOrders(ORDERS, { prefix, seed: 9 });
    const ids = batch.map((o) => o.orderId).sort();
    const ours = (outputs: StageOutput[]): StageOutput[] => outputs.filter((o) => o.order.orderId.startsWith(prefix));
    const published = await publishOrders(pipeline.js, batch);
    expect(published.filter((r) => r.duplicate || r.conflict)).toEqual([]);

    // Each kill lands while the payment API holds calls of that worker unanswered: those calls
    // cannot complete anywhere but on a retry, which must come under the same key.
    const keysCutByKill: string[][] = [];
    for (let kill = 1; kill <= KILLS; kill += 1) {
      const victim = paymentsWorker;
      await waitFor(`calls of ${victim.name} in flight at the payment API`, () =>
        Promise.resolve(payments.open(victim.pid) > 0),
      );
      const inFlight = payments.requests().filter((r) => r.pid === victim.pid && r.state === 'open');
      const exited = victim.kill('SIGKILL'); // sent now, before any answer can be written
      keysCutByKill.push(inFlight.map((r) => r.key));
      await exited;
      expect([victim.name, victim.child.signalCode]).toEqual([victim.name, 'SIGKILL']);
      paymentsWorker = startPaymentsWorker(kill + 1);
      await paymentsWorker.waitForLog('worker running');
    }

    await waitFor(
      `${ORDERS} orders of ${module} on ${SUBJECTS.completed}`,
      async () => ours(await outputsOn(pipeline, SUBJECTS.completed)).length >= ORDERS,
      120_000,
    );
    await expectDrained(pipeline);

    const completed = ours(await outputsOn(pipeline, SUBJECTS.completed));
    const processed = ours(await outputsOn(pipeline, SUBJECTS.processed));
    expect(completed.map((o) => o.order.orderId).sort()).toEqual(ids);
    expect(processed.map((o) => o.order.orderId).sort()).toEqual(ids);
    expect(await listDeadLetters(pipeline.jsm)).toEqual([]);
    expect(payments.refused()).toEqual([]);

    // Per order: the key charge was handed is the documented one, the only one the API saw
    // for the order, and the chargeId the API gives for it is what the order carries on.
    const keysByOrder = payments.keysByOrder();
    expect([...keysByOrder.keys()].filter((id) => id.startsWith(prefix)).sort()).toEqual(ids);
    const problems: string[] = [];
    const attempts = new Map<string, number>();
    for (const output of completed) {
      const { orderId } = output.order;
      const expected = `orderflow:process:charge:${orderRevision(output.order)}:${orderId}`;
      const charge = output.stages.process?.charge;
      const seen = [...(keysByOrder.get(orderId) ?? [])];
      if (Object.keys(output.stages.process ?? {}).join() !== 'reserve,charge') {
        problems.push(`${orderId}: process ran ${Object.keys(output.stages.process ?? {}).join()}`);
      }
      if (charge?.idempotencyKey !== expected) problems.push(`${orderId}: charge had key ${charge?.idempotencyKey}`);
      if (seen.length !== 1 || seen[0] !== expected) problems.push(`${orderId}: the API saw ${seen.join(', ')}`);
      if (charge?.result !== payments.chargeIdFor(expected)) {
        problems.push(
          `${orderId}: carries ${JSON.stringify(charge?.result)}, the API charged ${payments.chargeIdFor(expected)}`,
        );
      }
      const ship = output.stages.dispatch?.ship?.result as { paidWith?: unknown } | undefined;
      if (ship?.paidWith !== charge?.result) problems.push(`${orderId}: ship saw ${JSON.stringify(ship?.paidWith)}`);
      attempts.set(expected, charge?.attempt ?? 0);
    }
    expect(problems).toEqual([]);

    // The kills hit calls in flight, and each such call was made again, under its own key,
    // by a later attempt of the same function.
    const counts = payments.countByKey();
    expect(keysCutByKill.map((keys) => keys.length > 0)).toEqual(Array(KILLS).fill(true));
    const notRetried = keysCutByKill
      .flat()
      .filter((key) => (counts.get(key) ?? 0) < 2 || (attempts.get(key) ?? 0) < 2)
      .map((key) => `${key}: ${counts.get(key)} requests, completed on attempt ${attempts.get(key)}`);
    expect(notRetried).toEqual([]);
    expect([pipelineWorker.running(), bridge.running()]).toEqual([true, true]);
    return callsOf(payments, prefix, batch.length);
  } catch (err) {
    if (err instanceof Error) err.message += `\n${outputsOf(own)}`;
    throw err;
  } finally {
    await Promise.all(own.map((proc) => proc.kill('SIGKILL')));
  }
}

/** The calls of the batch under `prefix`, by place in the batch: each distinct charge body (order ID left out), and the keys. */
function callsOf(payments: PaymentApi, prefix: string, count: number): Calls {
  return Array.from({ length: count }, (_, i) => {
    const orderId = `${prefix}${i + 1}`;
    const requests = payments.requests().filter((r) => r.orderId === orderId);
    const bodies = new Set(requests.map(({ body: { orderId: _id, ...charged } }) => JSON.stringify(charged)));
    if (bodies.size !== 1) throw new Error(`${orderId}: the API saw ${bodies.size} different charges`);
    return {
      order: i + 1,
      charged: JSON.parse([...bodies][0]!) as Record<string, unknown>,
      keys: new Set(requests.map((r) => r.key)).size,
    };
  });
}
