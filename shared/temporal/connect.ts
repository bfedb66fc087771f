/** Connects the bridge's Temporal clients: the SDK's connection with orderflow's retry interceptor. */
import type { Interceptor } from '@grpc/grpc-js';
import type { ClientInterceptors, ConnectionOptions } from '@temporalio/client';
import { Client, Connection } from '@temporalio/client';

import type { TemporalSettings } from '../config/temporal';
import { ServerUnreachableError, messageOf } from '../errors';
import { cancellableRetryInterceptor } from './retry-interceptor';

export interface TemporalConnectOptions {
  /** How long the first connection may take, in milliseconds. Default: 5000. */
  readonly timeoutMs?: number;
  /**
   * Whether the SDK retries throttled and unavailable calls by itself. Default: true. Health
   * probes turn it off: a retried RESOURCE_EXHAUSTED ends as the probe's own deadline, which would
   * read as Temporal being unreachable rather than throttling.
   */
  readonly retries?: boolean;
  /**
   * More gRPC interceptors, inside the retry interceptor so that each attempt passes them (the
   * bench counts the calls per order with one). Default: none.
   */
  readonly interceptors?: readonly Interceptor[];
  /** The client's own interceptors: tracing's, which carry the trace into workflow starts (shared/observability/tracing.ts). Default: none. */
  readonly clientInterceptors?: ClientInterceptors;
}

/**
 * Connection.connect, except that a connection whose first connect fails is closed: the SDK's
 * leaves its gRPC channel open, so a caller that tries again and again (a readiness check, a start
 * waiting for its server) would pile up channels.
 */
export async function openConnection(options: ConnectionOptions): Promise<Connection> {
  const connection = Connection.lazy(options);
  try {
    await connection.ensureConnected();
    return connection;
  } catch (err) {
    await connection.close().catch(() => undefined);
    throw err;
  }
}

/** Connects a Temporal client, turning a failure into one clear ServerUnreachableError. */
export async function connectTemporal(
  settings: TemporalSettings,
  options: TemporalConnectOptions = {},
): Promise<Client> {
  try {
    const connection = await openConnection({
      ...settings.connection,
      address: settings.address,
      connectTimeout: options.timeoutMs ?? 5000,
      // Retries that end when the call is cancelled (retry-interceptor.ts), or none at all.
      interceptors: [
        ...(options.retries === false ? [] : [cancellableRetryInterceptor()]),
        ...(options.interceptors ?? []),
      ],
    });
    return new Client({
      connection,
      namespace: settings.namespace,
      ...(options.clientInterceptors ? { interceptors: options.clientInterceptors } : {}),
    });
  } catch (err) {
    throw new ServerUnreachableError('Temporal', settings.address, messageOf(err), { cause: err });
  }
}
