/**
 * At shutdown, which in-flight orders the grace period cannot help. The grace lets a run that is
 * about to finish be acked here rather than redelivered; a run that is retrying a failing
 * function, or whose workflow task keeps failing, will not finish in it, so waiting for it only
 * delays the stop. Handed back (not acked), its message is redelivered and attaches to the same
 * run, which goes on in Temporal meanwhile: nothing is lost and nothing runs twice.
 */
import type { JsMsg } from '@nats-io/jetstream';
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';

import { workflowIdFor } from '../../workflows/names';
import type { Stage } from '../../workflows/names';
import type { Logger } from '../../shared/log';
import { sleep } from '../../shared/waits';
import { decodeStageMessage } from '../../shared/orders/decode';
import type { IntakeGate } from '../gates/intake-gate';

/** How long one look at a run may take, in ms; one that takes longer counts as "may still finish". */
const DESCRIBE_BOUND_MS = 2000;
/** During the grace period, how often the orders still in flight are looked at again, in ms. */
const TRIAGE_EVERY_MS = 1000;
/** Orders looked at per round: with more held, each round takes the next ones in turn. */
const LOOKS_PER_ROUND = 200;
/** Describes out at once within a round. */
const LOOKS_AT_ONCE = 32;

export interface InFlight {
  readonly stage: Stage;
  readonly client: Client;
  /** The stage's intake gate: closed while the system is at fault. */
  readonly gate: IntakeGate;
  /** Each message in flight, with what hands it back alone (aborting its handler's signal). */
  readonly held: ReadonlyMap<JsMsg, { readonly signal: AbortSignal; abort(): void }>;
  readonly logger: Logger;
}

/** The workflow ID of the order a message carries; undefined for a message that does not decode. */
export function workflowIdOf(stage: Stage, msg: JsMsg): string | undefined {
  const decoded = decodeStageMessage(stage.name, msg.data);
  return decoded.ok ? workflowIdFor(stage.name, decoded.payload.order.orderId) : undefined;
}

/**
 * Why the order's current run cannot finish soon, or undefined when it may (or Temporal could not
 * say in time: the grace period bounds that wait anyway). Never rejects.
 */
export async function whyRunCannotFinish(
  client: Client,
  workflowId: string,
  signal: AbortSignal,
): Promise<string | undefined> {
  let run: WorkflowExecutionDescription;
  try {
    run = await client.withAbortSignal(signal, () =>
      client.withDeadline(Date.now() + DESCRIBE_BOUND_MS, () => client.workflow.getHandle(workflowId).describe()),
    );
  } catch {
    return undefined;
  }
  if (run.status.name !== 'RUNNING') return undefined;
  const retrying = run.raw.pendingActivities?.find((activity) => (activity.attempt ?? 0) >= 2);
  if (retrying) {
    const failure = retrying.lastFailure?.message;
    return `function ${retrying.activityType?.name ?? 'unknown'} is being retried (attempt ${retrying.attempt})${failure ? `: ${failure}` : ''}`;
  }
  const taskAttempt = run.raw.pendingWorkflowTask?.attempt ?? 0;
  if (taskAttempt >= 2) return `its workflow task failed ${taskAttempt - 1} times`;
  return undefined;
}

/**
 * While shutdown waits out the grace period, hands back at once the orders it cannot help: all of
 * them while the stage's intake is closed by a system fault (Temporal away or refusing, no worker
 * polling), since none can finish then; and each one whose run cannot finish soon (above). Looks
 * again every second, as a run may start failing during the grace. Ends when nothing is held or
 * `until` aborts; never rejects.
 */
export async function handBackWhatCannotFinish(inFlight: InFlight, until: AbortSignal): Promise<void> {
  const { held, gate, logger } = inFlight;
  let looked = 0;
  while (!until.aborted && held.size > 0) {
    if (gate.faulted) {
      logger.info('intake closed by a system fault; handing every order in flight back now', {
        inFlight: held.size,
        reasons: gate.faultReasons.join('; '),
      });
      for (const own of held.values()) own.abort();
      return;
    }
    const round = nextRound([...held], looked);
    looked += round.length;
    for (let i = 0; i < round.length && !until.aborted; i += LOOKS_AT_ONCE) {
      await Promise.all(round.slice(i, i + LOOKS_AT_ONCE).map(([msg, own]) => triageOne(inFlight, msg, own, until)));
    }
    await sleep(TRIAGE_EVERY_MS, until);
  }
}

/**
 * The orders one round looks at: all of them while few are held; with thousands (functions that
 * wait minutes), the next LOOKS_PER_ROUND in turn, so shutdown does not describe every run each
 * second. `looked`: how many earlier rounds looked at.
 */
function nextRound<T>(all: readonly T[], looked: number): readonly T[] {
  if (all.length <= LOOKS_PER_ROUND) return all;
  const from = looked % all.length;
  return [...all.slice(from), ...all.slice(0, from)].slice(0, LOOKS_PER_ROUND);
}

/** Hands one order back when its run cannot finish in the grace. Never rejects. */
async function triageOne(
  inFlight: InFlight,
  msg: JsMsg,
  own: { readonly signal: AbortSignal; abort(): void },
  until: AbortSignal,
): Promise<void> {
  const workflowId = own.signal.aborted ? undefined : workflowIdOf(inFlight.stage, msg);
  const why = workflowId && (await whyRunCannotFinish(inFlight.client, workflowId, until));
  if (!why || own.signal.aborted) return;
  inFlight.logger.info('order cannot finish in the grace period; handing it back now', {
    streamSeq: msg.seq,
    workflowId,
    why,
  });
  own.abort();
}
