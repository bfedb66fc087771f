/**
 * The activities the worker hosts, built by a factory from injected dependencies: the worker
 * passes real NATS-backed ones; tests pass wrappers that are slow or fail, with no test code here.
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { Context } from '@temporalio/activity';

import { STAGES, outputMsgIdFor } from '../workflows/stages';
import type { PublishInput, Published, StepInput, StepResult } from '../workflows/types';
import type { EffectStore } from './effects';
import type { FunctionName } from './functions';
import { FUNCTIONS } from './functions';
import { effectKey, publishedKey } from './keys';

export interface ActivityDeps {
  readonly effects: EffectStore;
  readonly js: JetStreamClient;
  /** How often a running function heartbeats to Temporal, in milliseconds. Default: 2000. */
  readonly heartbeatEveryMs?: number;
}

/** Headers that belong to one publish and must not be copied onto the next stage's message. */
const PER_MESSAGE_HEADERS = /^(nats-msg-id|nats-expected-.*)$/i;

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

export function createActivities(deps: ActivityDeps) {
  const everyMs = deps.heartbeatEveryMs ?? 2000;

  const step =
    (name: FunctionName) =>
    async (input: StepInput): Promise<StepResult> => {
      const detail = FUNCTIONS[name](input);
      const key = effectKey(name, input.order.orderId);
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

  /** Publishes the stage's output once: recorded in the effects bucket, deduplicated by Nats-Msg-Id. */
  async function publishStageOutput(input: PublishInput): Promise<Published> {
    const stage = STAGES[input.stage];
    const orderId = input.output.order.orderId;
    const key = publishedKey(input.stage, orderId);
    const earlier = await deps.effects.read(key);
    if (earlier) return { ...(earlier.value as unknown as Published), duplicate: true };
    const headers = Object.fromEntries(
      Object.entries(input.headers).filter(([name]) => !PER_MESSAGE_HEADERS.test(name)),
    );
    const h = natsHeaders();
    for (const [name, value] of Object.entries(headers)) h.set(name, value);
    const ack = await deps.js.publish(stage.outputSubject, JSON.stringify(input.output), {
      msgID: outputMsgIdFor(input.stage, orderId),
      headers: h,
    });
    const published: Published = { subject: stage.outputSubject, streamSeq: ack.seq, duplicate: ack.duplicate };
    const record = await deps.effects.applyOnce(key, { ...published });
    return record.applied ? published : { ...(record.value as unknown as Published), duplicate: true };
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
