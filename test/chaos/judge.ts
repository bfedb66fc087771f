/**
 * The verdict from the servers alone: what they hold now (observe), indexed by order with the
 * effects the workers reported applied (evidence), judged against what was published (checker).
 */
import type { CheckResult, History } from './checker';
import { check } from './checker';
import type { AppliedEffect } from './effect-counter';
import { indexEvidence } from './evidence';
import type { ServerClients } from './observe';
import { observe } from './observe';

export async function judge(
  p: ServerClients,
  history: History,
  applied: readonly AppliedEffect[],
): Promise<CheckResult> {
  const observation = await observe(p);
  return check(history, indexEvidence(observation, applied), observation.consumers);
}
