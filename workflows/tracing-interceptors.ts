/**
 * Workflow interceptors (not a workflow) that put a stage run into its order's trace: listed in
 * the bundle's workflowInterceptorModules (worker/bundle.ts, worker.ts), loaded for every
 * run. A run whose start carried a trace context (the bridge traces: shared/observability/
 * tracing.ts) gets Temporal's OpenTelemetry interceptors, which make the RunWorkflow span and pass
 * the context on to each activity through its headers; any other run, every one recorded before
 * tracing existed included, passes straight through: no span, no header, the same commands.
 */
import type {
  ActivityInput,
  DisposeInput,
  LocalActivityInput,
  Next,
  WorkflowExecuteInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowInternalsInterceptor,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { defaultPayloadConverter } from '@temporalio/workflow';
import type * as OpenTelemetryWorkflow from '@temporalio/interceptors-opentelemetry/lib/workflow';

type OpenTelemetryWorkflowModule = typeof OpenTelemetryWorkflow;

/**
 * Temporal's OpenTelemetry workflow interceptors, loaded by the first traced run of a workflow
 * context. The sandbox evaluates a run's modules afresh for each run: loading OpenTelemetry's
 * SDK for every run took a sixth of the workflow thread's CPU (the 2026-12-02 profile), for runs
 * that make no span.
 */
function openTelemetry(): OpenTelemetryWorkflowModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on first use, see above
  return require('@temporalio/interceptors-opentelemetry/lib/workflow') as OpenTelemetryWorkflowModule;
}

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
  let traced:
    | {
        inbound: WorkflowInboundCallsInterceptor & Required<Pick<WorkflowInboundCallsInterceptor, 'execute'>>;
        outbound: Required<Pick<WorkflowOutboundCallsInterceptor, 'scheduleActivity' | 'scheduleLocalActivity'>>;
        internals: Required<Pick<WorkflowInternalsInterceptor, 'dispose'>>;
      }
    | undefined;
  const inbound: WorkflowInboundCallsInterceptor = {
    execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
      if (!carriesTrace(input)) return next(input);
      const otel = openTelemetry();
      traced = {
        inbound: new otel.OpenTelemetryInboundInterceptor(),
        outbound: new otel.OpenTelemetryOutboundInterceptor(),
        internals: new otel.OpenTelemetryInternalsInterceptor(),
      };
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
  const internals: WorkflowInternalsInterceptor = {
    // Ends the sandbox's tracing state with a traced run; nothing to end for the others.
    dispose(input: DisposeInput, next: Next<WorkflowInternalsInterceptor, 'dispose'>): void {
      if (traced) traced.internals.dispose(input, next);
      else next(input);
    },
  };
  return { inbound: [inbound], outbound: [outbound], internals: [internals] };
};
