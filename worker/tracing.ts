/**
 * What a worker adds for one trace per order (shared/observability/tracing.ts): the workflow
 * interceptors module (workflows/tracing-interceptors.ts, in every bundle, traced or not), and
 * when tracing is on, Temporal's OpenTelemetry activity interceptors (a RunActivity span per
 * function, a child of the workflow's) and the sink through which the workflows' spans leave the
 * sandbox for the exporter.
 */
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  makeWorkflowExporter,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import type { InjectedSinks, WorkerInterceptors } from '@temporalio/worker';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry/lib/workflow/definitions';

import type { Tracing } from '../shared/observability/tracing';

/** The workflow interceptors module, as the bundler and a worker without a bundle load it. */
export const WORKFLOW_INTERCEPTORS_PATH = require.resolve('../workflows/tracing-interceptors');

export interface WorkerTracingOptions {
  readonly interceptors: WorkerInterceptors;
  readonly sinks: InjectedSinks<OpenTelemetrySinks>;
}

/**
 * The worker's interceptors and sinks. Off: no activity interceptor, and a sink that drops what a
 * run started by a tracing bridge hands it (without it, the SDK would warn on each such run).
 */
export function workerTracing(tracing: Tracing | undefined, withWorkflowModules: boolean): WorkerTracingOptions {
  const workflowModules = withWorkflowModules ? { workflowModules: [WORKFLOW_INTERCEPTORS_PATH] } : {};
  if (!tracing?.enabled || !tracing.spanProcessor || !tracing.resource) {
    return { interceptors: workflowModules, sinks: { exporter: { export: { fn: () => undefined } } } };
  }
  const options = { tracer: tracing.tracer };
  return {
    interceptors: {
      ...workflowModules,
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, options),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}
