/**
 * A stage's local run: the plan, then its leading local functions in order, then (once they all
 * completed and the plan publishes locally) the publish, all in one local activity. Each local
 * function as its own local activity costs the workflow an activation and the history a marker;
 * together they cost one of each. The first try of each function happens here; a failure stops
 * the run there and the workflow takes over from that function under the function's own retry
 * policy, timeouts and rejection rules (workflows/stage-workflow.ts), so a failing order behaves
 * as it does without a local run.
 *
 * Left to the workflow: a function that is not local (it has a task queue), one allowed a single
 * attempt (it runs once, as its own activity, whatever happens here), and everything after.
 */
import type {
  LocalRun,
  LocalRunInput,
  LocalStop,
  PlannedFunction,
  PublishInput,
  Published,
  StagePlan,
  StepResult,
} from '../workflows/types';
import type { FunctionInput } from '../workflows/types';
import { LOCAL_PUBLISH_TIMEOUT_MS } from '../workflows/names';

export interface LocalStageDeps {
  /** Runs one try of a function with its own signal (aborted at its timeout or with the run). */
  readonly runFunction: (fn: PlannedFunction, input: FunctionInput, signal: AbortSignal) => Promise<StepResult>;
  readonly publish: (input: PublishInput) => Promise<Published>;
  /** Whether an error is a failure for good (non-retryable in Temporal's sense). */
  readonly isNonRetryable: (err: unknown) => boolean;
  /** The local activity's cancellation: a cancelled run stops, it does not report a failure. */
  readonly signal: AbortSignal;
}

class TimedOut extends Error {
  override readonly name = 'TimedOut';
}

/** Runs `work` with a signal aborted after `ms` or with `outer`; rejects with TimedOut at the bound. */
async function withinBound<T>(ms: number, outer: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const own = new AbortController();
  const onOuter = (): void => own.abort(outer.reason);
  outer.addEventListener('abort', onOuter, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new TimedOut(`timed out after ${ms} ms`);
      own.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([work(own.signal), bound]);
  } finally {
    clearTimeout(timer);
    outer.removeEventListener('abort', onOuter);
  }
}

function typeOf(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const type = (err as { type?: unknown }).type;
  return typeof type === 'string' ? type : err.name;
}

function stopAt(fn: PlannedFunction, err: unknown, isNonRetryable: (err: unknown) => boolean): LocalStop {
  const type = typeOf(err);
  const rejected =
    !(err instanceof TimedOut) &&
    (isNonRetryable(err) || (type !== undefined && fn.retry.nonRetryableErrorTypes.includes(type)));
  return {
    function: fn.name,
    kind: rejected ? 'rejected' : 'failed',
    message: err instanceof Error ? err.message : String(err),
    ...(type !== undefined ? { type } : {}),
  };
}

/** Whether the local run may make a function's first try: local, and allowed a retry after it. */
export function runsLocally(fn: PlannedFunction): boolean {
  return fn.local === true && fn.retry.maximumAttempts !== 1;
}

export async function runStageLocally(plan: StagePlan, input: LocalRunInput, deps: LocalStageDeps): Promise<LocalRun> {
  const steps: Record<string, StepResult> = {};
  for (const fn of plan.functions) {
    if (!runsLocally(fn)) return { plan, steps };
    const fnInput: FunctionInput = {
      stage: input.stage,
      order: input.order,
      revision: input.revision,
      previous: { ...input.upstream, [input.stage]: { ...steps } },
      ...(input.rerun ? { rerun: input.rerun } : {}),
    };
    try {
      steps[fn.name] = await withinBound(fn.startToCloseTimeoutMs, deps.signal, (signal) =>
        deps.runFunction(fn, fnInput, signal),
      );
    } catch (err) {
      if (deps.signal.aborted) throw err;
      return { plan, steps, stopped: stopAt(fn, err, deps.isNonRetryable) };
    }
  }
  if (!plan.publishLocally) return { plan, steps };
  const publishInput: PublishInput = {
    stage: input.stage,
    revision: input.revision,
    output: { order: input.order, stages: { ...input.upstream, [input.stage]: steps } },
    headers: input.headers,
  };
  try {
    const published = await withinBound(LOCAL_PUBLISH_TIMEOUT_MS, deps.signal, () => deps.publish(publishInput));
    return { plan, steps, published };
  } catch (err) {
    if (deps.signal.aborted) throw err;
    // The workflow publishes with its retries; the effects bucket makes every attempt land once.
    return { plan, steps };
  }
}
