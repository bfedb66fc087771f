/**
 * Whose fault a failed Temporal call is. A call that fails because Temporal is away, throttling,
 * missing the namespace or refusing our credentials is the system's fault: the order is not
 * charged for it, intake pauses until it clears. Told apart by gRPC status codes and the SDK's
 * error classes, never by message text.
 */
import { isGrpcServiceError } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html) orderflow acts on. */
export const GRPC_STATUS = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export type TemporalFaultKind =
  'unreachable' | 'throttled' | 'namespace-not-found' | 'permission-denied' | 'unauthenticated';

export interface TemporalFault {
  readonly kind: TemporalFaultKind;
  /** The gRPC status code, when the fault came with one. */
  readonly code?: number;
  /** The server's or the SDK's own words, for the log line. */
  readonly detail: string;
}

/** What an operator should do about each kind, for logs and readiness. */
const FAULT_ADVICE: Readonly<Record<TemporalFaultKind, string>> = {
  unreachable: 'is the Temporal server running and TEMPORAL_ADDRESS right?',
  throttled:
    "Temporal is rate-limiting this namespace (RESOURCE_EXHAUSTED); raise its limits or lower the bridges' in-flight",
  'namespace-not-found': 'create the namespace or fix TEMPORAL_NAMESPACE',
  'permission-denied': "the bridge's identity may not use this namespace; fix its role or API key",
  unauthenticated: 'the bridge could not authenticate; check TEMPORAL_API_KEY or the mTLS certificate',
};

const byCode: ReadonlyMap<number, TemporalFaultKind> = new Map([
  [GRPC_STATUS.UNAVAILABLE, 'unreachable'],
  [GRPC_STATUS.DEADLINE_EXCEEDED, 'unreachable'],
  [GRPC_STATUS.RESOURCE_EXHAUSTED, 'throttled'],
  [GRPC_STATUS.PERMISSION_DENIED, 'permission-denied'],
  [GRPC_STATUS.UNAUTHENTICATED, 'unauthenticated'],
]);

/** The system fault behind `err` (looking through its causes), or undefined when it is none. */
export function temporalFaultOf(err: unknown): TemporalFault | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth += 1) {
    if (e instanceof NamespaceNotFoundError) return { kind: 'namespace-not-found', detail: e.message };
    if (isGrpcServiceError(e)) {
      const kind = byCode.get(e.code);
      if (kind) return { kind, code: e.code, detail: e.details || e.message };
    }
  }
  return undefined;
}

/** One line: the kind, what the server said and what to do. */
export function describeFault(fault: TemporalFault): string {
  return `Temporal ${fault.kind} (${fault.detail}): ${FAULT_ADVICE[fault.kind]}`;
}

/**
 * For calls scoped to one namespace (describe it, describe one of its task queues): there, a
 * NOT_FOUND can only mean the namespace is missing, and the raw service answers it without the
 * SDK's NamespaceNotFoundError. Turns it into that error; anything else is returned as it is.
 */
export function namespaceScopedError(err: unknown, namespace: string): unknown {
  return isGrpcServiceError(err) && (err.code as number) === GRPC_STATUS.NOT_FOUND
    ? new NamespaceNotFoundError(namespace)
    : err;
}
