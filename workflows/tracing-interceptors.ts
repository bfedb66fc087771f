/**
 * Workflow interceptors (not a workflow) that put a stage run into its order's trace: listed in
 * the bundle's workflowInterceptorModules (bridge/worker/bundle.ts, worker.ts), loaded for every
 * run. A run whose start carried a trace context (the bridge traces: bridge/observability/
 * tracing.ts) gets Temporal's OpenTelemetry interceptors, which make the RunWorkflow span and pass
 * the context on to each activity through its headers; any other run, every one recorded before
 * tracing existed included, passes straight through: no span, no header, the same commands.
 */
import type {
  ActivityInput,
  LocalActivityInput,
  Next,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { defaultPayloadConverter } from '@temporalio/workflow';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';

/** The workflow header Temporal's OpenTelemetry client interceptor writes the trace context into. */
const TRACE_HEADER = '_tracer-data';

/** Whether the run's start carried a W3C trace context (a client that traces without a span writes `{}`). */
function carriesTrace(input: WorkflowExecuteInput): boolean {
  const payload = input.headers[TRACE_HEADER];
  if (!payload) return false;
  try {
    const carrier = defaultPayloadConverter.fromPayload<Record<string, unknown>>(payload);
    return typeof carrier?.traceparent === 'string';
  } catch {
    return false;
  }
}

export const interceptors = (): WorkflowInterceptors => {
  // Decided by execute, which comes before any activity is scheduled, and the same on every replay.
  let traced: { inbound: OpenTelemetryInboundInterceptor; outbound: OpenTelemetryOutboundInterceptor } | undefined;
  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
      if (!carriesTrace(input)) return next(input);
      traced = { inbound: new OpenTelemetryInboundInterceptor(), outbound: new OpenTelemetryOutboundInterceptor() };
      return traced.inbound.execute(input, next);
    },
  };
  const outbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
      return traced ? traced.outbound.scheduleActivity(input, next) : next(input);
    },
    scheduleLocalActivity(
      input: LocalActivityInput,
      next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
    ) {
      return traced ? traced.outbound.scheduleLocalActivity(input, next) : next(input);
    },
  };
  // Ends the sandbox's tracing state with the run; a no-op for runs that made no span.
  return { inbound: [inbound], outbound: [outbound], internals: [new OpenTelemetryInternalsInterceptor()] };
};
