/** What flows between the bridge, the workflows and the activities. Types only. */
import type { StageName } from './names';

/** An order as the schema validated it (shared/orders/schema.ts). */
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

/** A value a function may return: anything JSON can carry. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** What one function did for one order in one stage. */
export interface StepResult {
  /** The function's name. */
  readonly step: string;
  /** What the function returned (for a recorded function: what its first completed attempt returned). */
  readonly result: JsonValue;
  /** The attempt that produced this result (1 for the first). */
  readonly attempt: number;
  /** The key the function was handed (workflows/names/keys.ts). */
  readonly idempotencyKey: string;
  /** The worker build that ran it. */
  readonly build: string;
  /** For a function that records its result: its key in the effects bucket. */
  readonly effectKey?: string;
  /** For a function that records its result: true when this attempt recorded it. */
  readonly applied?: boolean;
}

/** Retry policy of one function, in milliseconds (activities/define.ts documents the defaults). */
export interface PlannedRetry {
  readonly initialIntervalMs: number;
  readonly backoffCoefficient: number;
  readonly maximumIntervalMs: number;
  /** 0: unlimited. */
  readonly maximumAttempts: number;
  readonly nonRetryableErrorTypes: readonly string[];
}

/** One function's place in a stage's plan: how the workflow calls it. */
export interface PlannedFunction {
  readonly name: string;
  readonly taskQueue: string;
  readonly startToCloseTimeoutMs: number;
  readonly heartbeatTimeoutMs: number;
  readonly retry: PlannedRetry;
  /** Run as a local activity (absent: a regular one on `taskQueue`). */
  readonly local?: true;
  /** At most `limit` calls per `periodMs` by all workers (absent: no limit). */
  readonly rateLimit?: { readonly limit: number; readonly periodMs: number };
  /** At most `limit` calls at once by all workers, per key of the order when `keyed` (absent: no limit). */
  readonly concurrency?: { readonly limit: number; readonly keyed: boolean };
}

/**
 * The functions a stage runs, in order, as the worker that started the run read them from its
 * pipeline. A run keeps the plan it started with (it is recorded in the run's history), so a
 * pipeline changed while orders run never changes theirs.
 */
export interface StagePlan {
  readonly stage: StageName;
  readonly functions: readonly PlannedFunction[];
  /** 12 hex digits of a digest of `functions`: equal plans, equal digests. */
  readonly digest: string;
  /** The build of the worker that made the plan (and runs the stage's workflow). */
  readonly build: string;
  /** Publish the output as a local activity (absent: a regular one). */
  readonly publishLocally?: true;
}

/** The message a stage publishes for the next one (ORDERS.processed, ORDERS.completed). */
export interface StageOutput {
  readonly order: OrderData;
  /** Every completed stage's step results, oldest first. */
  readonly stages: Readonly<Partial<Record<StageName, Readonly<Record<string, StepResult>>>>>;
}

/**
 * What makes a run a rerun (`orderflow rerun`, operate/rerun): its incident tag, and whether its
 * functions apply their effects again. Without `reapply` they get the first run's idempotency and
 * effect keys (a recorded result is reused, an API deduplicates); with it, keys carrying the tag
 * (workflows/names/keys.ts).
 */
export interface RerunSpec {
  readonly tag: string;
  readonly reapply: boolean;
}

export interface StageInput {
  readonly order: OrderData;
  /**
   * Digest of the order's content (shared/orders/revision.ts). Part of every idempotency key and
   * output message ID, so a corrected order never mixes its effects with the old content's.
   */
  readonly revision: string;
  /** Results of earlier stages (empty for the first). */
  readonly upstream: StageOutput['stages'];
  readonly source: SourceMessage;
  /** Set on a run `orderflow rerun` started; absent on the bridge's. */
  readonly rerun?: RerunSpec;
}

/** What the workflow hands each function's activity. */
export interface FunctionInput {
  readonly stage: StageName;
  readonly order: OrderData;
  /** StageInput.revision. */
  readonly revision: string;
  /** Results of every earlier function of the order: earlier stages', then this stage's so far. */
  readonly previous: StageOutput['stages'];
  /** StageInput.rerun: decides the function's keys. */
  readonly rerun?: RerunSpec;
  /**
   * Attempts already made outside this activity (a try in the stage's local run), added to
   * Temporal's attempt number: the function sees, and the status shows, the attempt it is on.
   * Default: 0.
   */
  readonly priorAttempts?: number;
}

/** The details of a `functionLimited` failure: why the attempt did not run, and how many did. */
export interface LimitedDetails {
  /** What it waited for, as status shows it ("a concurrency permit (3 at once)"). */
  readonly waitingFor: string;
  /** Attempts of the function that ran, this run's so far: the next one is this plus 1. */
  readonly attemptsMade: number;
}

/** What the workflow asks the stage's local run (INTERNAL_ACTIVITIES.runLocally). */
export interface LocalRunInput {
  readonly stage: StageName;
  readonly order: OrderData;
  readonly revision: string;
  readonly upstream: StageOutput['stages'];
  /** StageInput.source.headers, for the publish. */
  readonly headers: Readonly<Record<string, string>>;
  readonly rerun?: RerunSpec;
}

/**
 * Why the local run stopped at a function: `rejected` (failed for good: non-retryable) or `failed`
 * (to be retried by the workflow, under the function's own policy).
 */
export interface LocalStop {
  readonly function: string;
  readonly kind: 'rejected' | 'failed';
  readonly message: string;
  /** The failure's type (ApplicationFailure.type or the error's name), when it has one. */
  readonly type?: string;
}

/**
 * What the stage's local run did: the plan, the leading local functions it completed, the publish
 * when every function completed and the plan publishes locally, and where it stopped on a failure.
 * The workflow does the rest as it does without a local run.
 */
export interface LocalRun {
  readonly plan: StagePlan;
  readonly steps: Readonly<Record<string, StepResult>>;
  readonly published?: Published;
  readonly stopped?: LocalStop;
}

/** What the workflow asks the plan activity. */
export interface PlanInput {
  readonly stage: StageName;
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
  readonly plan: StagePlan;
  readonly steps: Readonly<Record<string, StepResult>>;
  readonly published: Published;
}

/** Answer of the `status` query. */
export interface StageStatus {
  readonly stage: StageName;
  readonly orderId: string;
  readonly state: 'planning' | 'running' | 'publishing' | 'completed';
  /** The plan the run keeps (absent while it is read). */
  readonly plan?: StagePlan;
  /** The function running now, if any. */
  readonly currentStep?: string;
  /** Why the run waits, when it does (a function no worker hosts). */
  readonly waiting?: string;
  readonly completedSteps: readonly string[];
  /** Attempts each completed function took. */
  readonly attempts: Readonly<Record<string, number>>;
  readonly published?: Published;
  readonly source: SourceMessage;
}
