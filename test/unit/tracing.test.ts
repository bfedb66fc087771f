/**
 * Tracing's switch: off unless the OpenTelemetry environment names an endpoint (or a test injects
 * an exporter), and off means nothing started: no provider, no propagator, no span recorded.
 */
import { propagation, trace } from '@opentelemetry/api';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';

import { inMessageSpan, tracingFromEnv, tracingRequested } from '../../shared/observability/trace-context';
import { TRACING_OFF, startTracing } from '../../shared/observability/tracing';
import { workerTracing } from '../../worker/tracing';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

function tracedHeaders(): ReturnType<typeof natsHeaders> {
  const h = natsHeaders();
  h.set('Traceparent', PARENT);
  return h;
}

describe('tracing - off unless asked for', () => {
  test('the environment asks for it with an OTLP endpoint, and OTEL_SDK_DISABLED takes it back', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' })).toBe(
      false,
    );
  });

  test('without OTEL_EXPORTER_OTLP_ENDPOINT nothing is started: no provider, propagator or span', async () => {
    await expect(tracingFromEnv('bridge', {})).resolves.toBeUndefined();
    const tracing = startTracing({ component: 'bridge', env: {} });
    expect(tracing).toBe(TRACING_OFF);
    expect(tracing.enabled).toBe(false);
    expect(tracing.clientInterceptors).toEqual({});
    // The globals are still the API's no-ops.
    expect(trace.getTracer('orderflow').startSpan('x').isRecording()).toBe(false);
    expect(propagation.fields()).toEqual([]);
    // The bridge's span for a message is the no-op one: nothing active, even with a traceparent.
    const seen = await inMessageSpan(
      tracedHeaders(),
      'process',
      () => {
        throw new Error('attributes are not built when off');
      },
      () => Promise.resolve(trace.getActiveSpan()),
      () => 'completed',
    );
    expect(seen).toBeUndefined();
    // A worker gets the pass-through workflow interceptors only, and a sink that drops.
    const worker = workerTracing(undefined, true);
    expect(worker.interceptors.activity).toBeUndefined();
    expect(worker.interceptors.workflowModules).toHaveLength(1);
  });
});

describe('tracing - on with an injected exporter', () => {
  test("the bridge's span is a child of the message's traceparent, and shutdown unregisters", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = startTracing({ component: 'bridge', exporter });
    try {
      expect(tracing.enabled).toBe(true);
      const inner = await inMessageSpan(
        tracedHeaders(),
        'process',
        () => ({ 'orderflow.stream_seq': 7 }),
        () => Promise.resolve(trace.getActiveSpan()?.spanContext()),
        () => 'completed',
      );
      expect(inner?.traceId).toBe(TRACE_ID);
      const [span] = exporter.getFinishedSpans();
      expect(span?.name).toBe('Bridge:process');
      expect(span?.spanContext().traceId).toBe(TRACE_ID);
      expect(span?.parentSpanId).toBe('00f067aa0ba902b7');
      expect(span?.attributes).toMatchObject({ 'orderflow.stream_seq': 7, 'orderflow.outcome': 'completed' });
      // No traceparent: a new trace.
      await inMessageSpan(
        undefined,
        'dispatch',
        () => ({}),
        () => Promise.resolve(undefined),
        () => 'completed',
      );
      const fresh = exporter.getFinishedSpans()[1];
      expect(fresh?.spanContext().traceId).not.toBe(TRACE_ID);
      expect(fresh?.parentSpanId).toBeUndefined();
    } finally {
      await tracing.shutdown();
    }
    expect(trace.getTracer('orderflow').startSpan('x').isRecording()).toBe(false);
    expect(propagation.fields()).toEqual([]);
  });
});
