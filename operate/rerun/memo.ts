/**
 * The memo of a rerun's run: the bridge's (shared/temporal/run-memo.ts: which message, which
 * revision) plus the tag and whether it reapplies, written when `orderflow rerun` starts it and
 * read back by `status`.
 */
import type { RerunSpec, StageInput } from '../../workflows/types';
import { runMemoFor } from '../../shared/temporal/run-memo';

/** What a rerun's memo adds to the bridge's (run-memo.ts), for `status` and the Temporal UI. */
export interface RerunMemo {
  readonly rerunTag: string;
  readonly reapply: boolean;
}

export function rerunMemoFor(input: StageInput & { readonly rerun: RerunSpec }): Record<string, unknown> {
  const memo: RerunMemo = { rerunTag: input.rerun.tag, reapply: input.rerun.reapply };
  return { ...runMemoFor(input), ...memo };
}

/** A rerun's memo fields, narrowed; undefined when the memo is not a rerun's. */
export function readRerunMemo(memo: unknown): RerunMemo | undefined {
  const m = (memo ?? {}) as Record<string, unknown>;
  if (typeof m.rerunTag !== 'string') return undefined;
  return { rerunTag: m.rerunTag, reapply: m.reapply === true };
}
