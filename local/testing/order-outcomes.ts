/**
 * How an order ended, as the outside world sees it: its ORDERS.completed message (every stage's
 * results), or its dead letter (kind, reason, stage). Read with core NATS subscriptions, which
 * see JetStream's messages as they are published; subscribed before the order is published, so
 * no outcome is missed.
 */
import type { MsgHdrs, NatsConnection, Subscription } from '@nats-io/nats-core';

import type { Pipeline, PipelineResults } from '../../activities/pipeline';
import { CONSUMERS, DLQ_SUBJECT_PREFIX, SUBJECTS } from '../../workflows/names';
import type { StageName } from '../../workflows/names';
import type { StageOutput } from '../../workflows/types';
import type { DeadLetterKind } from '../../shared/dead-letters/dead-letters';
import { DLQ_HEADERS } from '../../shared/dead-letters/dead-letters';

/** How an order ended: completed with every stage's results, or dead-lettered. */
export type OrderOutcome<P extends Pipeline = Pipeline> =
  | {
      readonly status: 'completed';
      readonly orderId: string;
      /** Each function's result, by stage then function, typed from the pipeline. */
      readonly results: PipelineResults<NonNullable<P['__options']>>;
      /** The attempt each function's result came from, by stage then function (1 for the first). */
      readonly attempts: Readonly<Partial<Record<StageName, Readonly<Record<string, number>>>>>;
    }
  | {
      readonly status: 'dead-lettered';
      readonly orderId: string;
      readonly stage: StageName;
      readonly kind: DeadLetterKind;
      readonly reason: string;
    };

const STAGE_OF_CONSUMER: Readonly<Record<string, StageName>> = {
  [CONSUMERS.new]: 'process',
  [CONSUMERS.dispatch]: 'dispatch',
};

function orderIdIn(data: Uint8Array): string | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(data)) as { orderId?: unknown; order?: { orderId?: unknown } };
    const id = parsed.order?.orderId ?? parsed.orderId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

function completed(data: Uint8Array, orderId: string): OrderOutcome {
  const output = JSON.parse(new TextDecoder().decode(data)) as StageOutput;
  const pick = <T>(read: (step: NonNullable<StageOutput['stages'][StageName]>[string]) => T) =>
    Object.fromEntries(
      Object.entries(output.stages).map(([stage, steps]) => [
        stage,
        Object.fromEntries(Object.entries(steps ?? {}).map(([fn, step]) => [fn, read(step)])),
      ]),
    );
  return {
    status: 'completed',
    orderId,
    results: pick((step) => step.result) as PipelineResults,
    attempts: pick((step) => step.attempt),
  };
}

function deadLettered(headers: MsgHdrs | undefined, orderId: string): OrderOutcome {
  return {
    status: 'dead-lettered',
    orderId,
    stage: STAGE_OF_CONSUMER[headers?.get(DLQ_HEADERS.consumer) ?? ''] ?? 'process',
    kind: (headers?.get(DLQ_HEADERS.kind) || 'failed') as DeadLetterKind,
    reason: headers?.get(DLQ_HEADERS.reason) ?? '',
  };
}

/** Watches every order's outcome from now on; `outcomeOf` waits for one. */
export class OrderOutcomes {
  private readonly seen = new Map<string, OrderOutcome>();
  private readonly waiting = new Map<string, (outcome: OrderOutcome) => void>();
  private readonly subscriptions: Subscription[];

  constructor(nc: NatsConnection) {
    this.subscriptions = [
      nc.subscribe(SUBJECTS.completed, {
        callback: (err, msg) => {
          const orderId = err ? undefined : orderIdIn(msg.data);
          if (orderId) this.settle(completed(msg.data, orderId));
        },
      }),
      nc.subscribe(`${DLQ_SUBJECT_PREFIX}.>`, {
        callback: (err, msg) => {
          const orderId = err ? undefined : orderIdIn(msg.data);
          if (orderId) this.settle(deadLettered(msg.headers, orderId));
        },
      }),
    ];
  }

  private settle(outcome: OrderOutcome): void {
    if (this.seen.has(outcome.orderId)) return; // a duplicate publish: the first outcome stands
    this.seen.set(outcome.orderId, outcome);
    this.waiting.get(outcome.orderId)?.(outcome);
    this.waiting.delete(outcome.orderId);
  }

  /** The order's outcome once there is one; undefined if none comes within `timeoutMs`. */
  outcomeOf(orderId: string, timeoutMs: number): Promise<OrderOutcome | undefined> {
    const known = this.seen.get(orderId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(orderId);
        resolve(undefined);
      }, timeoutMs);
      this.waiting.set(orderId, (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      });
    });
  }

  close(): void {
    for (const sub of this.subscriptions) sub.unsubscribe();
  }
}
