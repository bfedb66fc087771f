/**
 * The chaos run's worker process: an `orderflow worker` whose effect store makes some orders slow,
 * fail a few attempts then heal, or fail for good, as each order's ID says (plan.ts behaviourOf),
 * so the behaviour is the same whichever worker runs it and however often it is restarted. Every
 * effect it applies is reported to the runner's effect counter (CHAOS_COUNTER_URL).
 * Connection settings come from NATS_URL / TEMPORAL_ADDRESS; the pipeline and task queue from
 * ORDERFLOW_FUNCTIONS / ORDERFLOW_TASK_QUEUE, as for `orderflow worker` (default: the demo's).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import type { EffectStore } from '../../activities/effects';
import { parseEffectKey } from '../../workflows/names';
import { workerOptions } from '../../shared/config/run-options';
import { natsSettings } from '../../shared/config/nats';
import { temporalSettings } from '../../shared/config/temporal';
import { connectNats } from '../../shared/nats/connect';
import { loadPipeline } from '../../worker/functions-module';
import { createOrderflowWorker, installRuntimeWithoutSignalHandlers } from '../../worker/worker';
import { WORKFLOW_BUNDLE } from '../harness/paths';
import { reportApplied } from './effect-counter';
import { behaviourOf } from './plan';

function chaosEffects(counterUrl: string, worker: string): (store: EffectStore) => EffectStore {
  return (store) => ({
    read: (key) => store.read(key),
    async applyOnce(key, value) {
      const parsed = parseEffectKey(key);
      const behaviour = parsed?.kind === 'effect' ? behaviourOf(parsed.orderId) : { type: 'none' as const };
      if (parsed && behaviour.type !== 'none' && behaviour.step === parsed.name) {
        const { orderId, name: step } = parsed;
        // Temporal's attempt number, not a count of this process's own: the same whichever worker runs it.
        const { attempt } = Context.current().info;
        if (behaviour.type === 'slow') await Context.current().sleep(behaviour.ms);
        if (behaviour.type === 'flaky' && attempt <= behaviour.failures)
          throw new Error(`chaos: ${orderId} fails attempt ${attempt} of ${behaviour.failures} at ${step}`);
        if (behaviour.type === 'doomed')
          throw ApplicationFailure.nonRetryable(`chaos: ${orderId} fails for good at ${step}`, 'ChaosDoomed');
      }
      const record = await store.applyOnce(key, value);
      if (record.applied) {
        const reported = await reportApplied(counterUrl, { key, worker, kvRevision: record.revision });
        if (!reported) process.stderr.write(`chaos: effect report lost: ${key}\n`);
      }
      return record;
    },
  });
}

async function main(): Promise<void> {
  installRuntimeWithoutSignalHandlers();
  const counterUrl = process.env.CHAOS_COUNTER_URL;
  if (!counterUrl) throw new Error('CHAOS_COUNTER_URL is not set');
  const options = workerOptions();
  const { pipeline } = await loadPipeline(options.functions);
  const nc = await connectNats(natsSettings(), { name: 'orderflow chaos worker', reconnectForever: true });
  const worker = await createOrderflowWorker({
    nc,
    temporal: temporalSettings(),
    options,
    pipeline,
    workflowBundlePath: WORKFLOW_BUNDLE,
    wrapEffects: chaosEffects(counterUrl, process.env.CHAOS_WORKER_NAME ?? 'worker'),
  });
  const running = worker.run();
  process.stdout.write('worker ready\n');
  process.once('SIGTERM', () => worker.shutdown());
  await running;
  await nc.drain();
}

main().then(
  // The Temporal runtime's threads would keep the process alive after the worker stopped.
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`chaos worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
