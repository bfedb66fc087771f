/**
 * A TypeScript functions module run for real: `orderflow worker` and `orderflow bridge` processes
 * given a .ts file (an ES module project and a CommonJS one), on real servers. Orders complete
 * through its functions, and a function's failure reaches Temporal, `status` and the worker's log
 * with a stack naming the user's .ts file and line (source maps), not compiled code.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type { StageOutput } from '../../workflows/types';
import type { OrderTimeline } from '../../operate/status/order-timeline';
import { SUBJECTS, workflowIdFor } from '../../workflows/names';
import { runCli } from '../harness/cli';
import type { PackageType } from '../harness/packed';
import { projectLinkedToOrderflow, removeProject } from '../harness/packed';
import type { Pipeline } from '../harness/pipeline';
import {
  orders,
  outputsOn,
  publish,
  spawnBridge,
  spawnCliWorker,
  startPipeline,
  stopComponents,
  waitFor,
} from '../harness/pipeline';
import { FAILING_LINE, failingPipeline, positionOf, TYPED_LIB } from '../fixtures/typescript-modules';

describe('typescript functions - worker and bridge processes run a .ts module', () => {
  let p: Pipeline;
  const projects: string[] = [];

  beforeAll(async () => {
    p = await startPipeline();
  }, 60_000);
  afterEach(stopComponents, 60_000);
  afterAll(() => projects.forEach(removeProject));

  it.each<[PackageType, string]>([
    ['module', './lib.js'],
    ['commonjs', './lib'],
  ])(
    'typescript functions - a %s project: orders complete, and a failing function is reported with its .ts line',
    async (type, lib) => {
      const dir = projectLinkedToOrderflow(`orderflow-ts-run-${type}`, type);
      projects.push(dir);
      const text = failingPipeline(lib);
      const file = path.join(dir, 'functions.ts');
      fs.writeFileSync(file, text);
      fs.writeFileSync(path.join(dir, 'lib.ts'), TYPED_LIB);
      const where = `${file}:${positionOf(text, FAILING_LINE.slice('throw '.length))}`;

      const worker = await spawnCliWorker(p, ['--functions', file]);
      let workerOutput = '';
      for (const stream of [worker.stdout, worker.stderr])
        stream?.on('data', (c: Buffer) => (workerOutput += c.toString()));
      await spawnBridge(p, { ORDERFLOW_FUNCTIONS: file });

      const tag = randomUUID().slice(0, 8);
      const [ok] = orders(1, `ts-${type}-${tag}-`);
      const [bad] = orders(1, `bad-${type}-${tag}-`);
      await publish(p, [ok!, bad!]);

      let completed: StageOutput | undefined;
      await waitFor(`${ok!.orderId} completed`, async () => {
        completed = (await outputsOn(p, SUBJECTS.completed)).find((o) => o.order.orderId === ok!.orderId);
        return completed !== undefined;
      });
      expect(completed!.stages.process?.reserve?.result).toEqual({ lines: ok!.items.length });
      expect(completed!.stages.dispatch?.ship?.result).toBe(ok!.orderId);

      // The failed attempt, as Temporal keeps it (and its UI shows it): the message and a stack
      // whose first frame is the throw in functions.ts.
      const handle = p.client.workflow.getHandle(workflowIdFor('process', bad!.orderId));
      let failure: { message?: string | null; stackTrace?: string | null } | null | undefined;
      await waitFor(`${bad!.orderId}'s failed attempt`, async () => {
        failure = (await handle.describe().catch(() => undefined))?.raw.pendingActivities?.[0]?.lastFailure;
        return Boolean(failure);
      });
      const message = `no stock for ${bad!.orderId}`;
      expect(failure!.message).toBe(message);
      const firstFrame = failure!.stackTrace!.split('\n').find((line) => line.trimStart().startsWith('at '));
      expect(firstFrame).toMatch(new RegExp(`\\(${where}\\)$`));

      const status = await runCli(['status', bad!.orderId, '--json'], { env: p.env });
      const timeline = JSON.parse(status.stdout) as OrderTimeline;
      expect(timeline.stages[0]!.currentActivity).toEqual({ name: 'reserve', attempt: 2, lastFailure: message });

      // The worker's own log of the failed attempt (Temporal's, over several lines) carries the
      // same stack.
      await waitFor('the worker logged the failure', () => Promise.resolve(workerOutput.includes(`(${where})`)));
      expect(workerOutput).toContain('Activity failed');
      expect(workerOutput).toContain(message);
    },
    120_000,
  );
});
