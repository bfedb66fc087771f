/**
 * What `orderflow dev --watch` does with each load of the functions module, decided in one place
 * (reloader.ts acts on it): after the load, whether to reload, say nothing, or show a failure;
 * before the new workers start, which functions they keep hosting for the runs already going.
 *
 * The rule for a function the module no longer defines: the new workers keep hosting it (as
 * `retired` would) while a running run's plan still calls it, so no run waits for ever on a
 * function nobody hosts; refusing the reload instead would lose the user's edit. A function
 * removed by this very reload is kept whatever the runs say: a run that the old build plans
 * between the check and the switch to the new one would be missed, and hosting a function one
 * build too long costs nothing.
 */

/** What one load of the module gave. */
export type LoadOutcome =
  { readonly type: 'loaded'; readonly build: string } | { readonly type: 'failed'; readonly message: string };

/** What the reloader knows between loads. */
export interface WatchState {
  /** The derived build of the workers serving (the build ID without --build-id). */
  readonly serving: string;
  /** The failure last shown, while no load has succeeded since. */
  readonly shownFailure?: string;
}

export type LoadDecision =
  /** A failure not shown yet: show it once; the workers serving go on. */
  | { readonly type: 'report'; readonly message: string }
  /** The failure already shown (the same broken content saved again): say nothing more. */
  | { readonly type: 'keep' }
  /** The code the workers already run; `recovered` when a failure was shown since. */
  | { readonly type: 'unchanged'; readonly recovered: boolean }
  | { readonly type: 'reload' };

export function decideLoad(state: WatchState, outcome: LoadOutcome): LoadDecision {
  switch (outcome.type) {
    case 'failed':
      return outcome.message === state.shownFailure ? { type: 'keep' } : { type: 'report', message: outcome.message };
    case 'loaded':
      if (outcome.build !== state.serving) return { type: 'reload' };
      return { type: 'unchanged', recovered: state.shownFailure !== undefined };
  }
}

/** The running runs whose plans still call each function (their workflow IDs), or why that is not known. */
export type StillPlanned =
  | { readonly type: 'known'; readonly runs: ReadonlyMap<string, readonly string[]> }
  | { readonly type: 'unknown'; readonly reason: string };

/** What the workers serving host: the module's functions, and those kept from earlier builds. */
export interface Hosting {
  readonly functions: readonly string[];
  readonly kept: readonly string[];
}

/** A function gone from the module that runs may still call, for its one line. */
export interface KeptNotice {
  readonly name: string;
  readonly planned: StillPlanned;
}

export interface ReloadPlan {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Functions the new workers keep hosting from earlier builds. */
  readonly keep: readonly string[];
  /** One line each: a function running runs' plans still call, or might. */
  readonly notices: readonly KeptNotice[];
}

/** The functions to ask about: gone from the module, hosted now (by it or kept). */
export function toCheck(current: Hosting, next: readonly string[]): string[] {
  return [...new Set([...current.functions, ...current.kept])].filter((name) => !next.includes(name));
}

export function planReload(current: Hosting, next: readonly string[], planned: StillPlanned): ReloadPlan {
  const removed = current.functions.filter((name) => !next.includes(name));
  const stillCalled = (name: string): boolean =>
    planned.type === 'unknown' || (planned.runs.get(name)?.length ?? 0) > 0;
  const checked = toCheck(current, next);
  return {
    added: next.filter((name) => !current.functions.includes(name)),
    removed,
    keep: checked.filter((name) => removed.includes(name) || stillCalled(name)),
    notices: checked.filter(stillCalled).map((name) => ({ name, planned })),
  };
}

/** Runs named in a notice; the rest are counted. */
const RUNS_NAMED = 3;

/** The one line for a function kept for the runs still calling it, as `orderflow plan` names retired ones. */
export function keptLine({ name, planned }: KeptNotice): string {
  const kept = `kept hosted (retired) until they finish; to deploy this change, keep it in retired: [${name}]`;
  if (planned.type === 'unknown') {
    return `function ${name} is no longer in the pipeline, and whether running runs still call it is not known (${planned.reason}): ${kept}`;
  }
  const runs = planned.runs.get(name) ?? [];
  const more = runs.length > RUNS_NAMED ? `, ${runs.length - RUNS_NAMED} more` : '';
  return (
    `function ${name} is no longer in the pipeline, but the plans of ${runs.length} running ` +
    `run${runs.length === 1 ? '' : 's'} (${runs.slice(0, RUNS_NAMED).join(', ')}${more}) still call it: ${kept}`
  );
}
