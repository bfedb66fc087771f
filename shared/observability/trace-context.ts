/**
 * The bridge's span for one message: a child of the trace context the message carries (W3C
 * traceparent, set by the publisher or by the previous stage's publish), or a new trace when it
 * carries none, made the active context while the message is handled so that the workflow start
 * carries it on (Temporal's OpenTelemetry client interceptor, shared/observability/tracing.ts).
 * Only the OpenTelemetry API here, never the SDK: with tracing off, the API's no-op tracer and
 * propagator answer, and a message costs one empty span object.
 */
import type { Attributes, Span, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  isSpanContextValid,
  propagation,
  trace,
} from '@opentelemetry/api';
import type { MsgHdrs } from '@nats-io/nats-core';
import { Match, headers as natsHeaders } from '@nats-io/nats-core';

import type { Tracing } from './tracing';

/** The name orderflow's own spans are made under (the SDK's provider when on, the no-op one when off). */
export const TRACER_NAME = 'orderflow';

// Resolved lazily by the API: the global provider once tracing registers one, the no-op one until then.
const tracer = trace.getTracer(TRACER_NAME);

/** Reads trace headers from a NATS message, whatever case the publisher gave their names. */
const natsGetter: TextMapGetter<MsgHdrs> = {
  keys: (h) => h.keys(),
  get: (h, key) => (h.has(key, Match.IgnoreCase) ? h.get(key, Match.IgnoreCase) : undefined),
};

/** Writes trace headers onto a NATS message. */
const natsSetter: TextMapSetter<MsgHdrs> = { set: (h, key, value) => h.set(key, value) };

/**
 * Runs the publish of an order inside a `Publish:<subject>` span (a child of the active context:
 * the caller's trace, if any), handing `fn` the headers that carry it: the order's trace starts
 * here. Tracing off, `fn` gets no headers and no span is made.
 */
export async function inPublishSpan<T>(
  subject: string,
  orderId: string,
  fn: (headers: MsgHdrs | undefined) => Promise<T>,
): Promise<T> {
  const span = tracer.startSpan(`Publish:${subject}`, { kind: SpanKind.PRODUCER });
  if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return fn(undefined);
  span.setAttributes({
    'messaging.system': 'nats',
    'messaging.destination.name': subject,
    'orderflow.order_id': orderId,
  });
  const h = natsHeaders();
  propagation.inject(trace.setSpan(context.active(), span), h, natsSetter);
  try {
    return await fn(h);
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}

/** Span name of the bridge's handling of a message for `stage`: `Bridge:process`, `Bridge:dispatch`. */
function bridgeSpanName(stage: string): string {
  return `Bridge:${stage}`;
}

/**
 * Runs `fn` inside the bridge's span for a message. `attributes` is called only when the span
 * records, so tracing off allocates none; `outcome` names how the message ended, as an attribute.
 */
export async function inMessageSpan<T>(
  headers: MsgHdrs | undefined,
  stage: string,
  attributes: () => Attributes,
  fn: () => Promise<T>,
  outcome: (result: T) => string,
): Promise<T> {
  const parent = headers ? propagation.extract(ROOT_CONTEXT, headers, natsGetter) : ROOT_CONTEXT;
  const span: Span = tracer.startSpan(bridgeSpanName(stage), { kind: SpanKind.CONSUMER }, parent);
  // Off: the no-op span of no trace. Nothing to record and nothing to pass on.
  if (!span.isRecording() && !isSpanContextValid(span.spanContext())) return fn();
  span.setAttributes(attributes());
  try {
    const result = await context.with(trace.setSpan(parent, span), fn);
    span.setAttribute('orderflow.outcome', outcome(result));
    return result;
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}

/** Names the order on the active span (the bridge's), once the message is decoded; nothing when off. */
export function noteOrder(orderId: string, workflowId: string): void {
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.setAttributes({ 'orderflow.order_id': orderId, 'orderflow.workflow_id': workflowId });
}

/** Whether the environment asks for traces to be exported, as the OpenTelemetry SDK reads it. */
export function tracingRequested(env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/**
 * For entry points: tracing started from the environment, or undefined when it does not ask for
 * it; the SDK is not even loaded then.
 */
export async function tracingFromEnv(
  component: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Tracing | undefined> {
  if (!tracingRequested(env)) return undefined;
  const { startTracing } = await import('./tracing.js');
  return startTracing({ component, env });
}
