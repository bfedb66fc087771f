/**
 * `definePipeline`: the functions of each stage, in order, checked when the module loads: each
 * function named once, each one's `needs` running before it; and how orders take turns
 * (`priority`, `fairness`: priority-checks.ts).
 */
import type { StageName } from '../workflows/names';
import { STAGE_NAMES } from '../workflows/names';
import { fail, flag, isOptionsObject, refuseUnknown } from './define-checks';
import type { FunctionDefinition } from './define';
import type { FunctionShape, Order, Stored } from './types';
import { isFunctionDefinition } from './define';
import type { CheckedFairness, FairnessOptions } from './priority-checks';
import { fairnessOf, priorityOf } from './priority-checks';

const PIPELINE_BRAND = Symbol.for('orderflow.pipeline');

/** The functions of each stage, in order. */
export interface PipelineOptions {
  readonly process: readonly FunctionDefinition[];
  readonly dispatch: readonly FunctionDefinition[];
  /**
   * Functions no longer in a stage but still hosted by the workers, for the runs that started
   * with a plan naming them. Remove them once those runs are done. Default: none.
   */
  readonly retired?: readonly FunctionDefinition[];
  /**
   * Publish each stage's output as a local activity (see FunctionOptions.local): one task-queue
   * round trip and its history events fewer per stage. Default: false.
   */
  readonly publishLocally?: boolean;
  /**
   * The order's priority, 1 (first) to 5: the bridge takes lower numbers first and starts each
   * stage's run with it as Temporal's priority key, which its functions inherit. An order whose
   * priority is not a whole number from 1 to 5 (or throws) runs at 3. Applied by a bridge given
   * the module (`--functions`). Default: every order at 3, in arrival order.
   */
  readonly priority?: (order: Order) => number;
  /**
   * Each key's share (`{ key: (order) => order.customerId }`): within a priority, the bridge
   * takes orders round-robin across keys, by weight, and starts each run with Temporal's fairness
   * key and weight. Applied by a bridge given the module (`--functions`). Default: one queue.
   */
  readonly fairness?: FairnessOptions;
}

/**
 * What each stage's functions return, as an order's results hold them: `results.process.chargeCard`
 * typed as chargeCard's result (the testing kit's runOrder gives these).
 */
export type PipelineResults<P extends PipelineOptions = PipelineOptions> = {
  readonly [S in StageName]: {
    readonly [F in P[S][number] as F['name']]: F extends FunctionShape<string, infer R> ? Stored<R> : unknown;
  };
};

/** A pipeline as definePipeline checked it; `P`, what it was given, types its results. */
export interface Pipeline<P extends PipelineOptions = PipelineOptions> {
  readonly [PIPELINE_BRAND]: true;
  /** Never set: carries the options' types for PipelineResults. */
  readonly __options?: P;
  readonly stages: Readonly<Record<StageName, readonly FunctionDefinition[]>>;
  readonly retired: readonly FunctionDefinition[];
  /** Every function, once: the stages' then the retired ones. */
  readonly functions: readonly FunctionDefinition[];
  readonly publishLocally: boolean;
  /** Present only when given. */
  readonly priority?: (order: Order) => number;
  /** Present only when given. */
  readonly fairness?: CheckedFairness;
}

const PIPELINE_OPTIONS = Object.keys({
  process: true,
  dispatch: true,
  retired: true,
  publishLocally: true,
  priority: true,
  fairness: true,
} satisfies Record<keyof PipelineOptions, true>);

export function isPipeline(value: unknown): value is Pipeline {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PIPELINE_BRAND] === true;
}

/**
 * Refuses a function whose `needs` name one that does not run before it: in a later stage, later
 * in its own stage, or not in the named stage at all. Its `ctx.results` would lack what its type
 * promises.
 */
function checkNeeds(stages: Readonly<Record<StageName, readonly FunctionDefinition[]>>): void {
  const before = new Set<string>(); // `stage.function` of everything that ran earlier
  for (const stage of STAGE_NAMES) {
    for (const fn of stages[stage]) {
      for (const [needStage, names] of Object.entries(fn.needs)) {
        for (const name of names ?? []) {
          if (before.has(`${needStage}.${name}`)) continue;
          const where = stages[needStage as StageName]?.some((f) => f.name === name) ? 'runs after it' : 'is not there';
          fail(
            `pipeline ${stage}: function ${fn.name}`,
            `needs ${needStage}.${name}, which ${where}`,
            `put ${name} in ${needStage} before ${fn.name}, or drop it from ${fn.name}'s needs`,
          );
        }
      }
      before.add(`${stage}.${fn.name}`);
    }
  }
}

/**
 * Refuses a rate-limited function that shares the task queue it names: Temporal limits a whole
 * queue, so every function on it would be held to that function's rate.
 */
function checkRateQueues(functions: readonly FunctionDefinition[]): void {
  for (const fn of functions) {
    if (!fn.rateLimit || fn.taskQueue === undefined) continue;
    const other = functions.find((f) => f !== fn && f.taskQueue === fn.taskQueue);
    if (other) {
      fail(
        `pipeline: function ${fn.name}`,
        `is rate limited on task queue ${fn.taskQueue}, which ${other.name} shares (the limit holds for the whole queue)`,
        `give ${other.name} another queue, or drop ${fn.name}'s taskQueue to have one derived`,
      );
    }
  }
}

/** Defines the pipeline. Throws PipelineDefinitionError when a function is named twice or is not one. */
export function definePipeline<const P extends PipelineOptions>(options: P): Pipeline<P> {
  const seen = new Map<string, string>();
  const list = (where: string, value: unknown): FunctionDefinition[] => {
    if (value === undefined && where === 'retired') return [];
    if (!Array.isArray(value)) fail(`pipeline ${where}`, 'is not a list', `give ${where}: [fnA, fnB]`);
    return value.map((fn: unknown, i) => {
      if (!isFunctionDefinition(fn)) {
        fail(`pipeline ${where}[${i}]`, 'is not a function definition', 'wrap it in defineFunction({ name, run })');
      }
      const other = seen.get(fn.name);
      if (other) {
        fail(`pipeline ${where}`, `names function ${fn.name} again (also in ${other})`, 'name each function once');
      }
      seen.set(fn.name, where);
      return fn;
    });
  };
  if (isOptionsObject(options)) refuseUnknown('pipeline', options, PIPELINE_OPTIONS);
  const stages = Object.fromEntries(STAGE_NAMES.map((stage) => [stage, Object.freeze(list(stage, options?.[stage]))]));
  const retired = Object.freeze(list('retired', options?.retired));
  checkNeeds(stages as Pipeline['stages']);
  const functions = Object.freeze([...STAGE_NAMES.flatMap((s) => stages[s]!), ...retired]);
  checkRateQueues(functions);
  const priority = priorityOf(options?.priority);
  const fairness = fairnessOf(options?.fairness);
  return Object.freeze({
    [PIPELINE_BRAND]: true as const,
    stages: Object.freeze(stages) as Pipeline['stages'],
    retired,
    functions,
    publishLocally: flag('pipeline publishLocally', options?.publishLocally),
    ...(priority ? { priority } : {}),
    ...(fairness ? { fairness } : {}),
  });
}
