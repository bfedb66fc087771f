/**
 * The Temporal client's gRPC retries, ended by cancellation. The SDK's own retry interceptor
 * starts each retry as a new call that the caller's cancel (an aborted signal) never reaches, and
 * that throws out of a timer once the connection is closed: an aborted call keeps retrying while
 * Temporal is away (up to ten attempts, about 20 s), and a bridge shutting down then crashes.
 * Same retry decisions as the SDK (its exported defaults); only the plumbing is ours.
 */
import type { Interceptor, InterceptingListener, NextCall, StatusObject } from '@grpc/grpc-js';
import { InterceptingCall, ListenerBuilder, Metadata, RequesterBuilder, status } from '@grpc/grpc-js';
import type { GrpcRetryOptions } from '@temporalio/client';
import { defaultGrpcRetryOptions } from '@temporalio/client';

import { messageOf } from '../errors';

export function cancellableRetryInterceptor(retry: GrpcRetryOptions = defaultGrpcRetryOptions()): Interceptor {
  return (callOptions, nextCall) => {
    let cancelled = false;
    let backoff: NodeJS.Timeout | undefined;
    let retrying: ReturnType<NextCall> | undefined;
    let request: unknown;
    let finish: (outcome: StatusObject) => void = () => undefined;

    const requester = new RequesterBuilder()
      .withStart((metadata, downstream: InterceptingListener, next) => {
        let attempt = 1;
        let reply: unknown;
        let settled = false;
        finish = (outcome) => {
          if (settled) return;
          settled = true;
          if (outcome.code === status.OK && reply !== undefined) downstream.onReceiveMessage(reply);
          downstream.onReceiveStatus(outcome);
        };
        const again = (): void => {
          backoff = undefined;
          if (cancelled) return finish({ code: status.CANCELLED, details: 'cancelled', metadata: new Metadata() });
          attempt += 1;
          let call: ReturnType<NextCall>;
          try {
            call = nextCall(callOptions);
          } catch (err) {
            // The channel is closed: the call ends here instead of throwing out of a timer.
            return finish({ code: status.UNAVAILABLE, details: messageOf(err), metadata: new Metadata() });
          }
          retrying = call;
          call.start(metadata, { onReceiveMessage: (m: unknown) => (reply = m), onReceiveStatus: decide });
          call.sendMessage(request);
          call.halfClose();
        };
        const decide = (outcome: StatusObject): void => {
          if (!cancelled && outcome.code !== status.OK && retry.retryableDecider(attempt, outcome)) {
            backoff = setTimeout(again, retry.delayFunction(attempt, outcome));
          } else finish(outcome);
        };
        next(
          metadata,
          new ListenerBuilder()
            .withOnReceiveMessage((m: unknown) => (reply = m))
            .withOnReceiveStatus((outcome: StatusObject) => decide(outcome))
            .build(),
        );
      })
      .withSendMessage((message: unknown, next) => {
        request = message;
        next(message);
      })
      .withCancel((next) => {
        cancelled = true;
        if (backoff) {
          clearTimeout(backoff);
          backoff = undefined;
          finish({ code: status.CANCELLED, details: 'cancelled', metadata: new Metadata() });
        }
        retrying?.cancelWithStatus(status.CANCELLED, 'cancelled');
        next();
      })
      .build();
    return new InterceptingCall(nextCall(callOptions), requester);
  };
}
