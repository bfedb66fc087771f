/** Failed gRPC calls for tests of fault classification, without a server. */

/** An error shaped as @grpc/grpc-js makes them (code, details, metadata). */
export function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}
