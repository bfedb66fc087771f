/**
 * The Temporal client's gRPC retries, ended by cancellation. The SDK's own retry interceptor
 * starts each retry as a new call that the caller's cancel (an aborted signal) never reaches, and
 * that throws out of a timer once the connection is closed: an aborted call keeps retrying while
 * Temporal is away (up to ten attempts, about 20 s), and a bridge shutting down then crashes.
 * Same retry decisions as the SDK (its exported defaults); only the plumbing is ours.
 */
import type { Interceptor, InterceptingListener, Listener, NextCall, Requester, StatusObject } from '@grpc/grpc-js';
import { InterceptingCall, ListenerBuilder, Metadata, RequesterBuilder, status } from '@grpc/grpc-js';
import type { GrpcRetryOptions } from '@temporalio/client';
import { defaultGrpcRetryOptions } from '@temporalio/client';

import { messageOf } from '../errors';

export function cancellableRetryInterceptor(retry: GrpcRetryOptions = defaultGrpcRetryOptions()): Interceptor {
  return (callOptions, nextCall) => {
    const call = new RetriedCall(retry, () => nextCall(callOptions));
    return new InterceptingCall(nextCall(callOptions), call.requester());
  };
}

type Call = ReturnType<NextCall>;

/**
 * One call and its retries: the first attempt goes down the interceptor chain, each retry is a
 * new call of its own; the caller's cancel reaches whichever is running, or ends the wait between.
 */
class RetriedCall {
  private cancelled = false;
  private backoff: NodeJS.Timeout | undefined;
  private retrying: Call | undefined;
  private request: unknown;
  private finish: (outcome: StatusObject) => void = () => undefined;

  constructor(
    private readonly retry: GrpcRetryOptions,
    private readonly newCall: () => Call,
  ) {}

  requester(): Requester {
    return new RequesterBuilder()
      .withStart((metadata, downstream, next) => this.start(metadata, downstream, next))
      .withSendMessage((message: unknown, next) => {
        this.request = message;
        next(message);
      })
      .withCancel((next) => {
        this.cancel();
        next();
      })
      .build();
  }

  /** Starts the first attempt; one the SDK's policy retries starts again after its delay. */
  private start(
    metadata: Metadata,
    downstream: InterceptingListener,
    next: (metadata: Metadata, listener: InterceptingListener | Listener) => void,
  ): void {
    let attempt = 1;
    let reply: unknown;
    let settled = false;
    this.finish = (outcome) => {
      if (settled) return;
      settled = true;
      if (outcome.code === status.OK && reply !== undefined) downstream.onReceiveMessage(reply);
      downstream.onReceiveStatus(outcome);
    };
    const again = (): void => {
      this.backoff = undefined;
      if (this.cancelled)
        return this.finish({ code: status.CANCELLED, details: 'cancelled', metadata: new Metadata() });
      attempt += 1;
      let call: Call;
      try {
        call = this.newCall();
      } catch (err) {
        // The channel is closed: the call ends here instead of throwing out of a timer.
        return this.finish({ code: status.UNAVAILABLE, details: messageOf(err), metadata: new Metadata() });
      }
      this.retrying = call;
      call.start(metadata, { onReceiveMessage: (m: unknown) => (reply = m), onReceiveStatus: decide });
      call.sendMessage(this.request);
      call.halfClose();
    };
    const decide = (outcome: StatusObject): void => {
      if (!this.cancelled && outcome.code !== status.OK && this.retry.retryableDecider(attempt, outcome)) {
        this.backoff = setTimeout(again, this.retry.delayFunction(attempt, outcome));
      } else this.finish(outcome);
    };
    next(
      metadata,
      new ListenerBuilder()
        .withOnReceiveMessage((m: unknown) => (reply = m))
        .withOnReceiveStatus((outcome: StatusObject) => decide(outcome))
        .build(),
    );
  }

  /** The caller cancelled: a wait between attempts ends now, a running retry is cancelled too. */
  private cancel(): void {
    this.cancelled = true;
    if (this.backoff) {
      clearTimeout(this.backoff);
      this.backoff = undefined;
      this.finish({ code: status.CANCELLED, details: 'cancelled', metadata: new Metadata() });
    }
    this.retrying?.cancelWithStatus(status.CANCELLED, 'cancelled');
  }
}
