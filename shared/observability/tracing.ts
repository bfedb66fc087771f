/**
 * One trace per order: OpenTelemetry for the bridge, the workers and `orderflow dev`. On when the
 * OpenTelemetry SDK's own environment says where to export (OTEL_EXPORTER_OTLP_ENDPOINT or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; OTEL_SDK_DISABLED=true turns it off again), or when a test
 * injects an exporter. Off, nothing is started: no provider, no globals, and every span the code
 * asks for comes from the API's no-op tracer.
 *
 * The SDK registers itself globally when on, because Temporal's interceptors and the W3C
 * propagation read the global context manager and propagator; shutdown() takes the globals back.
 */
import type { Tracer } from '@opentelemetry/api';
import { ProxyTracerProvider, context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource, envDetectorSync } from '@opentelemetry/resources';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client';

import { TRACER_NAME, tracingRequested } from './trace-context';

export { tracingRequested } from './trace-context';

/** How long shutdown() waits for the last spans to be exported, in ms: 5000. */
const TRACING_SHUTDOWN_MS = 5000;

export interface Tracing {
  /** True when spans are made and exported. */
  readonly enabled: boolean;
  /** orderflow's tracer: the no-op one when off. */
  readonly tracer: Tracer;
  /** Where the workflows' spans (made in the sandbox, handed out by a sink) go; absent when off. */
  readonly spanProcessor?: SpanProcessor;
  readonly resource?: Resource;
  /** Interceptors for a Temporal client whose workflow starts carry the trace; empty when off. */
  readonly clientInterceptors: ClientInterceptors;
  /** Exports what is left, within TRACING_SHUTDOWN_MS, and unregisters. Idempotent. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Names the process in the traces (service.name) unless OTEL_SERVICE_NAME does: `orderflow-<component>`. */
  readonly component: string;
  /** The environment to read OTEL_* from. Default: none (so off, unless an exporter is given). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Exports to this instead (tests: an InMemorySpanExporter), each span as it ends. */
  readonly exporter?: SpanExporter;
}

/** Tracing off: a tracer that makes no spans (not the global one, which a test may have set). */
export const TRACING_OFF: Tracing = {
  enabled: false,
  tracer: new ProxyTracerProvider().getTracer(TRACER_NAME),
  clientInterceptors: {},
  shutdown: () => Promise.resolve(),
};

/** Starts tracing when the environment asks for it or an exporter is given; TRACING_OFF otherwise. */
export function startTracing(options: TracingOptions): Tracing {
  const env = options.env ?? {};
  if (!options.exporter && !tracingRequested(env)) return TRACING_OFF;
  // OTLP over HTTP reads its endpoint, headers, timeout and compression from OTEL_EXPORTER_OTLP_*.
  const spanProcessor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(new OTLPTraceExporter());
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || `orderflow-${options.component}` }))
    .merge(envDetectorSync.detect());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // AsyncLocalStorage context and the W3C traceparent propagator, where Temporal's interceptors look.
  provider.register();
  const tracer = provider.getTracer(TRACER_NAME);
  let closing: Promise<void> | undefined;
  return {
    enabled: true,
    tracer,
    spanProcessor,
    resource,
    clientInterceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer })] },
    shutdown() {
      closing ??= (async () => {
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, TRACING_SHUTDOWN_MS)));
        // An unreachable collector must not hold the process: what is not out by then is dropped.
        await Promise.race([provider.shutdown().catch(() => undefined), bound]);
        clearTimeout(timer);
        trace.disable();
        context.disable();
        propagation.disable();
      })();
      return closing;
    },
  };
}
