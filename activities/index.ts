/**
 * The activities the worker hosts, built by a factory from injected dependencies: the worker
 * passes real NATS-backed ones; tests pass wrappers that are slow or fail, with no test code here.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { Context } from '@temporalio/activity';

import type { PublishInput, Published, StepInput, StepResult } from '../workflows/types';
import type { EffectStore } from './effects';
import type { FunctionName } from './functions';
import { FUNCTIONS } from './functions';
import { effectKey } from './keys';
import { publishStageOutputOnce } from './stage-output';

export interface ActivityDeps {
  readonly effects: EffectStore;
  readonly js: JetStreamClient;
  /**
   * Reads stream state and stored messages (the checks of a duplicate publish, the search for an
   * output published before a crash). Default: `js.jetstreamManager()`, on the same connection.
   */
  readonly jsm?: JetStreamManager;
  /** How often a running function heartbeats to Temporal, in milliseconds. Default: 2000. */
  readonly heartbeatEveryMs?: number;
}

/** Heartbeats while `work` runs, so a long function is not timed out and a dead worker is noticed. */
async function withHeartbeat<T>(everyMs: number, work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Memoises an async lookup per key; a failed one is tried again next time. */
function memoised<V>(lookup: (key: string) => Promise<V>): (key: string) => Promise<V> {
  const cache = new Map<string, Promise<V>>();
  return (key) => {
    let value = cache.get(key);
    if (!value) {
      value = lookup(key);
      value.catch(() => cache.delete(key));
      cache.set(key, value);
    }
    return value;
  };
}

export function createActivities(deps: ActivityDeps) {
  const everyMs = deps.heartbeatEveryMs ?? 2000;
  // Without the API probe: a JetStream that is missing shows on the first real call anyway.
  let jsm: Promise<JetStreamManager> | undefined;
  const manager = (): Promise<JetStreamManager> =>
    (jsm ??= deps.jsm ? Promise.resolve(deps.jsm) : deps.js.jetstreamManager(false));
  const streamOf = memoised(async (subject) => (await manager()).streams.find(subject));

  const step =
    (name: FunctionName) =>
    async (input: StepInput): Promise<StepResult> => {
      const detail = FUNCTIONS[name](input);
      const key = effectKey(name, input.order.orderId, input.revision);
      const record = await withHeartbeat(everyMs, () =>
        deps.effects.applyOnce(key, { orderId: input.order.orderId, stage: input.stage, step: name, detail }),
      );
      return {
        step: name,
        effectKey: key,
        applied: record.applied,
        attempt: Context.current().info.attempt,
        detail: (record.value.detail ?? detail) as StepResult['detail'],
      };
    };

  /** Publishes the stage's output once per order, stage and revision (see stage-output.ts). */
  async function publishStageOutput(input: PublishInput): Promise<Published> {
    const signal = Context.current().cancellationSignal;
    return withHeartbeat(everyMs, async () =>
      publishStageOutputOnce({ effects: deps.effects, js: deps.js, jsm: await manager(), streamOf, signal }, input),
    );
  }

  // Every function in FUNCTIONS becomes an activity of the same name.
  const functions = Object.fromEntries(
    (Object.keys(FUNCTIONS) as FunctionName[]).map((name) => [name, step(name)]),
  ) as {
    [K in FunctionName]: (input: StepInput) => Promise<StepResult>;
  };
  return { ...functions, publishStageOutput };
}

export type OrderflowActivities = ReturnType<typeof createActivities>;
export { kvEffectStore } from './effects';
export type { EffectStore, EffectRecord } from './effects';
export { MESSAGE_ID_COLLISION } from './stored-output';
export type { EffectKeyKind, ParsedEffectKey } from './keys';
export { effectKey, outputIntentKey, outputKey, parseEffectKey } from './keys';
