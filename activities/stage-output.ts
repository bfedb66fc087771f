/**
 * Publishing a stage's output (ORDERS.processed, ORDERS.completed) once per order, stage and
 * revision, also when a worker dies after publishing and Temporal's retry comes back after the
 * stream's duplicate window, when Nats-Msg-Id alone no longer drops a second copy.
 *
 * 1. Write an intent (create-if-absent): the stream's last sequence now, and the time.
 * 2. Publish with the output's Nats-Msg-Id; a duplicate answer is checked to be ours.
 * 3. Record the result (create-if-absent); a retry that finds it returns it.
 * A retry that finds an intent without a result relies on Nats-Msg-Id while the intent is young
 * (half the window), and otherwise searches the stream after the intent's sequence for the
 * output, publishing only if it is not there.
 */
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { context, propagation } from '@opentelemetry/api';
import { headers as natsHeaders } from '@nats-io/nats-core';

import { STAGES, outputIntentKey, outputKey, stageOutputMsgId } from '../workflows/names';
import type { PublishInput, Published } from '../workflows/types';
import type { EffectStore } from './effects';
import type { OutputIdentity } from './stored-output';
import { expectOwnOutput, findOutput } from './stored-output';

export interface StageOutputDeps {
  readonly effects: EffectStore;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** The stream that stores `subject`. */
  readonly streamOf: (subject: string) => Promise<string>;
  /** Aborted when the activity is cancelled (the worker shuts down, the workflow is cancelled). */
  readonly signal: AbortSignal;
}

/** What step 1 records. `at` is the worker's clock, in milliseconds since the epoch. */
interface OutputIntent {
  readonly msgId: string;
  readonly afterSeq: number;
  readonly at: number;
}

/**
 * Share of the duplicate window within which a retry trusts Nats-Msg-Id instead of searching.
 * The other half absorbs clock skew between the worker that wrote the intent and the one reading
 * it, and the time between writing the intent and the publish reaching the server.
 */
const TRUST_DEDUP_SHARE = 0.5;

/** Headers that belong to one publish and must not be copied onto the next stage's message. */
const PER_MESSAGE_HEADERS = /^(nats-msg-id|nats-expected-.*)$/i;

/** The trace ID of a W3C traceparent (`00-<trace id>-<span id>-<flags>`), if it is one. */
function traceIdOf(traceparent: string | undefined): string | undefined {
  return traceparent?.split('-')[1];
}

/**
 * The carried headers with the trace context of the current span (this publish activity's, when
 * the worker traces: shared/observability/tracing.ts) in place of the carried one, so that the
 * next stage's bridge span is a child of this stage. Tracing off, the API's no-op propagator
 * writes nothing and the publisher's traceparent travels on as it came. A carried trace that is
 * not the current one (this worker traces, the bridge did not) is kept: it is the publisher's.
 */
function withCurrentTrace(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const current: Record<string, string> = {};
  propagation.inject(context.active(), current);
  if (current.traceparent === undefined) return headers;
  const carried = Object.keys(headers).find((name) => name.toLowerCase() === 'traceparent');
  if (carried !== undefined && traceIdOf(headers[carried]) !== traceIdOf(current.traceparent)) return headers;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) if (!(name.toLowerCase() in current)) out[name] = value;
  return { ...out, ...current };
}

async function publishChecked(deps: StageOutputDeps, target: OutputIdentity, input: PublishInput): Promise<Published> {
  const h = natsHeaders();
  const carried = withCurrentTrace(input.headers);
  for (const [name, value] of Object.entries(carried)) if (!PER_MESSAGE_HEADERS.test(name)) h.set(name, value);
  const ack = await deps.js.publish(target.subject, JSON.stringify(input.output), { msgID: target.msgId, headers: h });
  // JetStream names the message it kept; whose it is must be checked, never assumed.
  if (ack.duplicate) await expectOwnOutput(deps.jsm, target, ack);
  return { subject: target.subject, streamSeq: ack.seq, duplicate: ack.duplicate };
}

/** An earlier attempt wrote `intent` and may or may not have published. */
async function resume(
  deps: StageOutputDeps,
  target: OutputIdentity,
  input: PublishInput,
  intent: OutputIntent,
  stream: { readonly lastSeq: number; readonly duplicateWindowMs: number },
): Promise<Published> {
  if (Date.now() - intent.at < stream.duplicateWindowMs * TRUST_DEDUP_SHARE) return publishChecked(deps, target, input);
  const seq = await findOutput(deps.js, target, { afterSeq: intent.afterSeq, untilSeq: stream.lastSeq }, deps.signal);
  if (seq !== undefined) return { subject: target.subject, streamSeq: seq, duplicate: true };
  return publishChecked(deps, target, input);
}

export async function publishStageOutputOnce(deps: StageOutputDeps, input: PublishInput): Promise<Published> {
  const orderId = input.output.order.orderId;
  const subject = STAGES[input.stage].outputSubject;
  const streamName = await deps.streamOf(subject);
  const target: OutputIdentity = {
    stream: streamName,
    subject,
    orderId,
    msgId: stageOutputMsgId(input.stage, orderId, input.revision),
  };
  const key = outputKey(input.stage, orderId, input.revision);
  const { state, config } = await deps.jsm.streams.info(streamName);
  const intent = await deps.effects.applyOnce(outputIntentKey(input.stage, orderId, input.revision), {
    msgId: target.msgId,
    afterSeq: state.last_seq,
    at: Date.now(),
  } satisfies OutputIntent);

  let published: Published;
  if (intent.applied) {
    // No attempt got this far before: nothing can have been published.
    published = await publishChecked(deps, target, input);
  } else {
    const done = await deps.effects.read(key);
    if (done) return { ...(done.value as unknown as Published), duplicate: true };
    published = await resume(deps, target, input, intent.value as unknown as OutputIntent, {
      lastSeq: state.last_seq,
      duplicateWindowMs: config.duplicate_window / 1e6,
    });
  }
  const record = await deps.effects.applyOnce(key, { ...published });
  return record.applied ? published : { ...(record.value as unknown as Published), duplicate: true };
}
