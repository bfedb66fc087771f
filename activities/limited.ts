/**
 * A function's concurrency limit around its attempts: an attempt first takes a permit
 * (activities/permits.ts), waiting for one inside its worker for a short while, heartbeating what
 * it waits for; it renews the permit's lease while the function runs and gives it back after.
 * An attempt that got no permit within its wait ends with a `functionLimited` failure instead of
 * holding its worker slot longer: the run waits on a timer and schedules it again, with the
 * attempts made so far, so `ctx.attempt` counts only attempts that ran the function.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import { FAILURE_TYPES } from '../workflows/names';
import type { FunctionInput, LimitedDetails, StepResult } from '../workflows/types';
import type { FunctionDefinition } from './define';
import type { FunctionObserver } from './function-activity';
import type { Permit, PermitRequest, PermitStore } from './permits';

/** Longest an attempt waits for a permit inside its worker: 10 s, and at most a quarter of its timeout. */
const MAX_WAIT_INSIDE_MS = 10_000;
/** Lease of a function with heartbeats off (else its heartbeat timeout): the same bound as a lost attempt's. */
const LEASE_WITHOUT_HEARTBEATS_MS = 30_000;
/** Between two looks for a free permit, in ms (drawn, so that waiters do not look in step). */
const LOOK_EVERY_MS = [50, 200] as const;
/** A rate slot is free again this part of its period after it was taken, and at least RATE_MARGIN_MS. */
const RATE_MARGIN = 0.05;
const RATE_MARGIN_MS = 20;
/** The failure type of a key function that throws or returns no string. */
const INVALID_KEY = 'OrderflowInvalidLimitKey';

export interface LimitDeps {
  readonly permits?: PermitStore;
  readonly observer?: FunctionObserver;
}

type Try = (input: FunctionInput) => Promise<StepResult>;

/** The order's concurrency key, checked to be a string; a key function's bug fails the stage at once. */
function keyOf(fn: FunctionDefinition, input: FunctionInput): string | undefined {
  const keyFn = fn.concurrency?.key;
  if (!keyFn) return undefined;
  let key: unknown;
  try {
    key = keyFn(input.order);
  } catch (err) {
    key = err;
  }
  if (typeof key === 'string') return key;
  throw ApplicationFailure.create({
    type: INVALID_KEY,
    message: `function ${fn.name}: concurrency.key gave no string for order ${input.order.orderId} (${String(key)}); return a string such as order.customerId`,
    nonRetryable: true,
  });
}

/** What the attempt waits for, as status shows it. */
function waitingFor(request: PermitRequest): string {
  if (request.kind === 'rate') return `its rate limit (${request.limit} calls a period)`;
  const per = request.key === undefined ? '' : ` for key ${JSON.stringify(request.key)}`;
  return `a concurrency permit (${request.limit} at once${per})`;
}

/** Sleeps `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}

/** A permit taken within `waitMs`, heartbeating what it waits for; undefined when none came. */
async function waitForPermit(store: PermitStore, request: PermitRequest, waitMs: number): Promise<Permit | undefined> {
  const context = Context.current();
  const until = Date.now() + waitMs;
  const details = { waitingFor: waitingFor(request) };
  for (;;) {
    const permit = await store.tryAcquire(request);
    if (permit || Date.now() >= until || context.cancellationSignal.aborted) return permit;
    context.heartbeat(details);
    const [least, most] = LOOK_EVERY_MS;
    await pause(least + Math.random() * (most - least), context.cancellationSignal);
  }
}

/** Runs `work` holding `permit`, renewing its lease every third of `ttlMs`, and gives it back after. */
async function holding<T>(permit: Permit, ttlMs: number, work: () => Promise<T>): Promise<T> {
  const log = Context.current().log;
  const warn = (what: string, err?: unknown): void => {
    log.warn(what, { permit: permit.key, ...(err instanceof Error ? { error: err.message } : {}) });
  };
  const renew = (): void => {
    permit.renew().then(
      (kept) => {
        if (!kept) warn('concurrency permit lost: its lease expired and another attempt took it');
      },
      (err: unknown) => warn('concurrency permit not renewed', err),
    );
  };
  const timer = setInterval(renew, ttlMs / 3);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    await permit.release().catch((err: unknown) => warn('concurrency permit not released', err));
  }
}

/**
 * A permit of `request` taken within `waitMs` (the attempt waiting visibly meanwhile), or the
 * `functionLimited` failure that hands the attempt back to its run.
 */
async function gate(
  fn: FunctionDefinition,
  request: PermitRequest,
  input: FunctionInput,
  deps: LimitDeps,
  waitMs: number,
): Promise<Permit> {
  const { info } = Context.current();
  const waiting = {
    function: fn.name,
    taskQueue: info.taskQueue,
    reason: request.kind === 'rate' ? 'rate' : 'concurrency',
  } as const;
  deps.observer?.onWaiting?.({ ...waiting, waiting: true });
  let permit: Permit | undefined;
  try {
    permit = await waitForPermit(deps.permits!, request, waitMs);
  } finally {
    deps.observer?.onWaiting?.({ ...waiting, waiting: false });
  }
  if (permit) return permit;
  throw limitedFailure(fn, request, input);
}

/** The failure that hands an attempt that could not start back to its run, which waits and schedules it again. */
function limitedFailure(fn: FunctionDefinition, request: PermitRequest, input: FunctionInput): ApplicationFailure {
  const details: LimitedDetails = {
    waitingFor: waitingFor(request),
    attemptsMade: (input.priorAttempts ?? 0) + Context.current().info.attempt - 1,
  };
  return ApplicationFailure.create({
    type: FAILURE_TYPES.functionLimited,
    message: `function ${fn.name} waits for ${details.waitingFor}`,
    nonRetryable: true,
    details: [details],
  });
}

/** Writes of a rate slot tried for a start within its margin before the attempt is handed back. */
const MAX_LATE_WRITES = 3;

/**
 * `tryFn` held to `fn`'s limits, `tryFn` itself for a function without any: a concurrency permit
 * first (held while the call runs), then a rate slot (taken last, so that it is taken just before
 * the call; never given back: its time is the record).
 */
export function limitedTry(fn: FunctionDefinition, tryFn: Try, deps: LimitDeps): Try {
  const { concurrency, rateLimit } = fn;
  if (!concurrency && !rateLimit) return tryFn;
  if (!deps.permits) throw new Error(`function ${fn.name} has limits but no permit store was given`);
  const ttlMs = fn.heartbeatTimeoutMs > 0 ? fn.heartbeatTimeoutMs : LEASE_WITHOUT_HEARTBEATS_MS;
  const waitMs = Math.min(MAX_WAIT_INSIDE_MS, fn.timeoutMs / 4);
  return async (input) => {
    const { info } = Context.current();
    const holder = {
      workflowId: info.workflowExecution?.workflowId ?? null,
      activityId: info.activityId,
      attempt: info.attempt,
    };
    const rated = async (): Promise<StepResult> => {
      if (!rateLimit) return tryFn(input);
      // A slot is reusable a period after it was last written (plus a margin for the trip to the API).
      const ttl = rateLimit.periodMs + Math.max(RATE_MARGIN_MS, rateLimit.periodMs * RATE_MARGIN);
      const request = {
        kind: 'rate',
        fn: fn.name,
        key: undefined,
        limit: rateLimit.limit,
        ttlMs: ttl,
        holder,
      } as const;
      const margin = ttl - rateLimit.periodMs;
      for (;;) {
        const slot = await gate(fn, request, input, deps, waitMs);
        // The slot is free again at its write's send time + ttl, so the call must start within the
        // margin of that send: a busy worker that took longer writes it again (taking a slot and
        // starting at once let 11 calls start in one second, the write's answer delayed). Lost
        // meanwhile (held past its TTL and taken): take another.
        // The check and the call's start are one synchronous stretch: any await between them would
        // let the worker's other activities run first, and the call start later than checked.
        for (let writes = 0; ; writes++) {
          if (Date.now() - slot.issuedAt <= margin) return tryFn(input);
          if (writes === MAX_LATE_WRITES) throw limitedFailure(fn, request, input);
          if (!(await slot.renew())) break;
        }
      }
    };
    if (!concurrency) return rated();
    const request: PermitRequest = { fn: fn.name, key: keyOf(fn, input), limit: concurrency.limit, ttlMs, holder };
    const permit = await gate(fn, request, input, deps, waitMs);
    return holding(permit, ttlMs, rated);
  };
}
