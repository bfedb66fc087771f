/**
 * The testing kit's one-function runner: `await runFunction(chargeCard, order)` runs a function as
 * a worker would (the same activity code, in Temporal's MockActivityEnvironment), with the order
 * validated by the bridge's schema, the idempotency key a worker would hand it, the attempt, a
 * signal that aborts when the test's does, earlier results typed by the function's `needs`, and
 * what it reported (heartbeats, log lines) collected rather than printed.
 */
import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';

import type { OrderflowFunction } from '../../activities/define';
import { activityOf } from '../../activities/function-activity';
import type { AnyResults, NoNeeds, ResultsFor, Stored } from '../../activities/types';
import type { StageName } from '../../workflows/names';
import type { FunctionInput, StageOutput, StepResult } from '../../workflows/types';
import { orderRevision } from '../../shared/orders/revision';
import { validateOrder } from '../../shared/orders/schema';
import { KitError } from './kit-error';

/** How the run is set up; every field optional. */
export interface RunFunctionOptions<Results = AnyResults> {
  /** The stage it runs in. Default: 'process'. */
  readonly stage?: StageName;
  /** The earlier functions' results it reads (`ctx.results`), typed by its `needs`. Default: none. */
  readonly results?: Results;
  /** The attempt it is on (1 for the first). Default: 1. */
  readonly attempt?: number;
  /** Aborting it aborts `ctx.signal`, as a cancelled run or a stopping worker would. Default: none. */
  readonly signal?: AbortSignal;
}

/**
 * One line the function logged through `ctx.log`. Its own types rather than the SDK's, which would
 * make a consumer's compiler read Temporal's (and need `skipLibCheck`).
 */
export interface LogLine {
  readonly level: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly message: string;
  /** The order, stage and function, and what the function gave. */
  readonly attrs: Readonly<Record<string, unknown>>;
}

/** What one run of a function gave and reported. */
export interface FunctionRun<R> {
  /** What it returned, as later functions read it (JSON's copy; undefined as null). */
  readonly result: Stored<R>;
  /** The key a worker hands it for this order, stage and function. */
  readonly idempotencyKey: string;
  readonly attempt: number;
  /** The details of each heartbeat, in order (orderflow's own, every fifth of the heartbeat timeout, carry none). */
  readonly heartbeats: readonly unknown[];
  readonly logs: readonly LogLine[];
}

/** What the SDK adds to every activity log line: the mock environment's placeholders, left out of LogLine. */
const SDK_ATTRS = new Set([
  'sdkComponent',
  'isLocal',
  'attempt',
  'namespace',
  'taskToken',
  'activityId',
  'activityType',
  'taskQueue',
  'workflowId',
  'workflowRunId',
  'workflowType',
]);

/** A logger that keeps the lines a function writes through `ctx.log` (the order's, with its attributes), not the SDK's own. */
function collectingLogger(lines: LogLine[]): Logger {
  const log = (level: LogLevel, message: string, attrs: LogMetadata = {}): void => {
    if (attrs.sdkComponent !== 'activity') return;
    lines.push({ level, message, attrs: Object.fromEntries(Object.entries(attrs).filter(([k]) => !SDK_ATTRS.has(k))) });
  };
  return {
    log,
    trace: (message, attrs) => log('TRACE', message, attrs),
    debug: (message, attrs) => log('DEBUG', message, attrs),
    info: (message, attrs) => log('INFO', message, attrs),
    warn: (message, attrs) => log('WARN', message, attrs),
    error: (message, attrs) => log('ERROR', message, attrs),
  };
}

function previousOf(results: unknown): StageOutput['stages'] {
  const asSteps = (steps: object): Record<string, StepResult> =>
    Object.fromEntries(
      Object.entries(steps).map(([name, result]) => [
        name,
        { step: name, result: result as StepResult['result'], attempt: 1, idempotencyKey: '', build: 'test' },
      ]),
    );
  return Object.fromEntries(
    Object.entries((results ?? {}) as Record<string, object | undefined>).map(([stage, steps]) => [
      stage,
      asSteps(steps ?? {}),
    ]),
  );
}

/** The error the function threw, rather than Temporal's wrapper of it; orderflow's own refusals as they are. */
function unwrapped(err: unknown): unknown {
  return err instanceof ApplicationFailure && err.cause instanceof Error ? err.cause : err;
}

/**
 * Runs `fn` once for `order` as a worker would and returns what it returned, typed. Throws what
 * the function threw (a NonRetryableError as it is), KitError for an order the bridge would refuse,
 * and orderflow's refusal for a result JSON would not carry or a needed result not given.
 */
export async function runFunction<Name extends string, R, N = NoNeeds>(
  fn: OrderflowFunction<Name, R, N>,
  order: unknown,
  options: RunFunctionOptions<ResultsFor<N>> = {},
): Promise<FunctionRun<R>> {
  const valid = validateOrder(order);
  if (!valid.ok) throw new KitError(`runFunction(${fn.name}): the order is not valid: ${valid.rejection.detail}`);
  const logs: LogLine[] = [];
  const heartbeats: unknown[] = [];
  const attempt = options.attempt ?? 1;
  const env = new MockActivityEnvironment(
    { activityType: fn.name, attempt, heartbeatTimeoutMs: fn.heartbeatTimeoutMs, startToCloseTimeoutMs: fn.timeoutMs },
    { logger: collectingLogger(logs) },
  );
  env.on('heartbeat', (details: unknown) => heartbeats.push(details));
  const abort = (): void => env.cancel();
  if (options.signal?.aborted) abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  const input: FunctionInput = {
    stage: options.stage ?? 'process',
    order: valid.order,
    revision: orderRevision(valid.order),
    previous: previousOf(options.results),
  };
  try {
    const activity = activityOf(fn);
    const step = await env.run<[FunctionInput], StepResult, typeof activity>(activity, input);
    return {
      result: step.result as Stored<R>,
      idempotencyKey: step.idempotencyKey,
      attempt: step.attempt,
      heartbeats,
      logs,
    };
  } catch (err) {
    throw unwrapped(err);
  } finally {
    options.signal?.removeEventListener('abort', abort);
  }
}
