import { ServiceError } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';

import { GRPC_STATUS, namespaceScopedError, temporalFaultOf } from '../../shared/temporal/faults';
import { grpcError } from '../harness/grpc-error';

describe('temporal faults - whose fault a failed call is, by code and class', () => {
  it.each([
    [GRPC_STATUS.UNAVAILABLE, 'unreachable'],
    [GRPC_STATUS.DEADLINE_EXCEEDED, 'unreachable'],
    [GRPC_STATUS.RESOURCE_EXHAUSTED, 'throttled'],
    [GRPC_STATUS.PERMISSION_DENIED, 'permission-denied'],
    [GRPC_STATUS.UNAUTHENTICATED, 'unauthenticated'],
  ])('gRPC status %i is the system fault %s, also as the cause of an SDK ServiceError', (code, kind) => {
    expect(temporalFaultOf(grpcError(code, 'x'))?.kind).toBe(kind);
    expect(temporalFaultOf(new ServiceError('Failed to start Workflow', { cause: grpcError(code, 'x') }))?.kind).toBe(
      kind,
    );
  });

  it("a missing namespace is the system's fault; a missing workflow, or an error without a code, is not", () => {
    expect(temporalFaultOf(new NamespaceNotFoundError('nope'))?.kind).toBe('namespace-not-found');
    expect(temporalFaultOf(grpcError(GRPC_STATUS.NOT_FOUND, 'workflow not found'))).toBeUndefined();
    // Text that merely mentions a fault is not one: classification never reads messages.
    expect(temporalFaultOf(new Error('UNAVAILABLE: connect ECONNREFUSED'))).toBeUndefined();
  });
});

describe('temporal faults - namespace-scoped calls', () => {
  it('read a raw NOT_FOUND as the namespace missing, and leave anything else as it is', () => {
    const scoped = namespaceScopedError(grpcError(GRPC_STATUS.NOT_FOUND, 'namespace x not found'), 'x');
    expect(scoped).toBeInstanceOf(NamespaceNotFoundError);
    expect(temporalFaultOf(scoped)?.kind).toBe('namespace-not-found');
    const other = grpcError(GRPC_STATUS.UNAVAILABLE, 'down');
    expect(namespaceScopedError(other, 'x')).toBe(other);
  });
});
