/** What flows between the bridge, the workflows and the activities. Types only. */
import type { StageName, StepName } from './stages';

/** An order as the schema validated it (bridge/orders/schema.ts). */
export interface OrderData {
  readonly orderId: string;
  readonly customerId: string;
  readonly items: ReadonlyArray<{ readonly sku: string; readonly quantity: number; readonly unitPrice: number }>;
  readonly currency: string;
  readonly createdAt?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Where the message that started a run came from. */
export interface SourceMessage {
  readonly stream: string;
  readonly subject: string;
  readonly streamSeq: number;
  readonly deliveryCount: number;
  /** The message's headers, carried through (traceparent and friends). */
  readonly headers: Readonly<Record<string, string>>;
}

/** What one function did. */
export interface StepResult {
  /** The function's name (activities/functions.ts). */
  readonly step: string;
  /** Key of the side effect in the effects bucket. */
  readonly effectKey: string;
  /** True when this attempt applied the effect; false when an earlier attempt already had. */
  readonly applied: boolean;
  readonly attempt: number;
  readonly detail: Readonly<Record<string, string | number>>;
}

/** The message a stage publishes for the next one (ORDERS.processed, ORDERS.completed). */
export interface StageOutput {
  readonly order: OrderData;
  /** Every completed stage's step results, oldest first. */
  readonly stages: Readonly<Partial<Record<StageName, Readonly<Record<string, StepResult>>>>>;
}

export interface StageInput {
  readonly order: OrderData;
  /**
   * Digest of the order's content (bridge/orders/revision.ts). Part of every idempotency key and
   * output message ID, so a corrected order never mixes its effects with the old content's.
   */
  readonly revision: string;
  /** Results of earlier stages (empty for the first). */
  readonly upstream: StageOutput['stages'];
  readonly source: SourceMessage;
}

export interface StepInput {
  readonly stage: StageName;
  readonly step: StepName;
  readonly order: OrderData;
  /** StageInput.revision. */
  readonly revision: string;
  readonly previous: Readonly<Record<string, StepResult>>;
}

export interface PublishInput {
  readonly stage: StageName;
  /** StageInput.revision. */
  readonly revision: string;
  readonly output: StageOutput;
  readonly headers: Readonly<Record<string, string>>;
}

export interface Published {
  readonly subject: string;
  readonly streamSeq: number;
  readonly duplicate: boolean;
}

export interface StageResult {
  readonly stage: StageName;
  readonly orderId: string;
  readonly steps: Readonly<Record<string, StepResult>>;
  readonly published: Published;
}

/** Answer of the `status` query. */
export interface StageStatus {
  readonly stage: StageName;
  readonly orderId: string;
  readonly state: 'running' | 'publishing' | 'completed';
  /** The function running now, if any. */
  readonly currentStep?: StepName;
  readonly completedSteps: readonly StepName[];
  /** Attempts each completed function took. */
  readonly attempts: Readonly<Record<string, number>>;
  readonly published?: Published;
  readonly source: SourceMessage;
}
