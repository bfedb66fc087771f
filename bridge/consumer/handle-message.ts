/**
 * One message through the delivery contract: decode, find or start the order's run for the stage
 * (stage-run.ts), wait for it while watching that it can still finish (await-run.ts), and reach an
 * Outcome and its decision (decision.ts). Sends nothing by itself: the caller applies the decision
 * (apply-decision.ts), and keeping the message alive while it runs is the caller's too (one shared
 * ticker, not a timer per message). The one decision carried out here is `hold`: on a system fault
 * the order waits at the stage's intake gate and is tried again, with the input, span and signals
 * it already has. A pipeline with `priority` or `fairness` gives each order a lane: its run starts
 * with Temporal's priority and fairness keys, after waiting its turn in the stage's intake
 * (fair-intake.ts); without them, nothing of this is on the path.
 */
import type { JsMsg } from '@nats-io/jetstream';

import { STREAM, workflowIdFor } from '../../workflows/names';
import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import { inMessageSpan, noteOrder } from '../../shared/observability/trace-context';
import { orderRevision } from '../../shared/orders/revision';
import { childSignal } from '../../shared/waits';
import type { Stage } from '../../workflows/names';
import type { StageInput } from '../../workflows/types';
import { REDRIVEN_FROM_HEADER, carriedHeaders } from '../../shared/orders/headers';
import type { DecisionPolicy, FinalDecision, Outcome } from '../decision/decision';
import { decide, decideFinal } from '../decision/decision';
import type { StagePayload } from '../../shared/orders/decode';
import { decodeStageMessage } from '../../shared/orders/decode';
import type { OrderAtHand, RunWaitContext } from './await-run';
import { awaitRun } from './await-run';
import type { Call, RunContext, RunVerdict } from './stage-run';
import { resolveRun } from './stage-run';
import type { StageIntake } from './fair-intake';
import type { Lane } from './order-lanes';

/** What handling a stage's messages needs: one for the stage, made once. */
export interface HandlerContext extends RunWaitContext {
  readonly stage: Stage;
  readonly taskQueue: string;
  /** Whether a run started now is given orderflow's search attributes (registered on the namespace). Default: never. */
  readonly searchAttributes?: () => boolean;
  /** Reports a failed Temporal call; true when it was a system fault (the gate is then closed). */
  readonly reportFault: (err: unknown) => boolean;
  /** What decides each outcome. */
  readonly policy: DecisionPolicy;
  /** Called with the seconds a workflow start (or attach) took, its wait in the intake not counted. */
  readonly onStarted?: (seconds: number) => void;
  /** The order each message's run starts in (the pipeline's `priority` and `fairness`). Default: as they come. */
  readonly intake?: StageIntake;
}

/** An outcome reached, and what is to become of the message (never `hold`: that is carried out here). */
export interface Settled {
  readonly outcome: Outcome;
  readonly decision: FinalDecision;
}

class Interrupted extends Error {
  override readonly name = 'Interrupted';
}

/** A promise that rejects when `signal` aborts, and a way to drop its listener once done. */
function untilAborted(signal: AbortSignal): { promise: Promise<never>; dispose: () => void } {
  let onAbort = (): void => undefined;
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(new Interrupted());
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  // The signal outlives every message: without this, each message would leave a listener behind.
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

/**
 * Handles one message inside the bridge's span for it (a child of the trace the message carries).
 * `abort`: aborted when the bridge gives up waiting at shutdown; `logger`: the message's.
 */
export function handleMessage(msg: JsMsg, ctx: HandlerContext, abort: AbortSignal, logger: Logger): Promise<Settled> {
  return inMessageSpan(
    msg.headers,
    ctx.stage.name,
    () => ({
      'messaging.system': 'nats',
      'messaging.destination.name': msg.subject,
      'orderflow.stream_seq': msg.seq,
      'orderflow.delivery_count': msg.info.deliveryCount,
    }),
    () => handleOne(msg, ctx, abort, logger),
    (settled) => settled.outcome.type,
  );
}

/** The workflow's input: the decoded order, its revision, and where its message came from. */
function stageInputOf(msg: JsMsg, payload: StagePayload, log: Logger): StageInput {
  // Bounded before they reach the workflow input and, from there, the next stage's message.
  const carried = carriedHeaders(msg);
  if (carried.dropped.some((d) => d.reason !== 'nats' && d.reason !== 'orderflow')) {
    log.warn('headers not carried to the next stage', { dropped: carried.dropped });
  }
  return {
    ...payload,
    revision: orderRevision(payload.order),
    source: {
      stream: STREAM,
      subject: msg.subject,
      streamSeq: msg.seq,
      deliveryCount: msg.info.deliveryCount,
      headers: carried.headers,
    },
  };
}

/**
 * The message's way to Temporal. Calls are cancelled with `scope`, so none is left running against
 * a closed connection; each gets a signal of its own, so a long-watched run gathers no listeners.
 * Each call is raced with an abort promise of its own too: raced with one promise that lives as
 * long as the message, every call's reaction (and its answer) stayed attached to it, and a run
 * held for minutes kept every describe of its stuck checks (the bridge grew 150 KB/s with 100 held).
 */
function runContextOf(ctx: HandlerContext, scope: AbortSignal, lane?: Lane): RunContext {
  const call: Call = (fn) => {
    const one = childSignal(scope);
    const aborted = untilAborted(one.signal);
    return Promise.race([ctx.client.withAbortSignal(one.signal, fn), aborted.promise]).finally(() => {
      aborted.dispose();
      one.dispose();
    });
  };
  return {
    stage: ctx.stage,
    client: ctx.client,
    taskQueue: ctx.taskQueue,
    call,
    ...(ctx.searchAttributes?.() ? { searchAttributes: true } : {}),
    ...(lane && ctx.intake ? { priority: ctx.intake.lanes.startPriority(lane) } : {}),
  };
}

/** Finds or starts the run, after the order's turn in the intake when the stage has one. */
async function resolveInTurn(ctx: HandlerContext, at: OrderAtHand, lane: Lane | undefined): Promise<RunVerdict> {
  const release = lane && ctx.intake ? await ctx.intake.starts.admit(lane, at.scope) : undefined;
  if (lane && !release) throw new Interrupted();
  try {
    const startedAt = performance.now();
    const verdict = await resolveRun(at.run, at.workflowId, at.input, at.redriven);
    ctx.onStarted?.((performance.now() - startedAt) / 1000);
    return verdict;
  } finally {
    release?.();
  }
}

/** One try at the order: find or start its run and wait for it. Never rejects. */
async function attempt(ctx: HandlerContext, at: OrderAtHand, lane: Lane | undefined): Promise<Outcome> {
  try {
    const verdict = await resolveInTurn(ctx, at, lane);
    if (verdict.type !== 'await') return verdict;
    at.log.debug('waiting for the run', { runId: verdict.runId });
    return await awaitRun(ctx, at, verdict.runId);
  } catch (err) {
    if (err instanceof Interrupted || at.scope.aborted) return { type: 'interrupted', workflowId: at.workflowId };
    // The system's fault (Temporal away, throttling, refusing): the gate is closed now.
    if (ctx.reportFault(err)) return { type: 'system-fault', workflowId: at.workflowId };
    return { type: 'retry-later', workflowId: at.workflowId, reason: messageOf(err) };
  }
}

async function handleOne(msg: JsMsg, ctx: HandlerContext, abort: AbortSignal, logger: Logger): Promise<Settled> {
  const decoded = decodeStageMessage(ctx.stage.name, msg.data);
  if (!decoded.ok) {
    const poison: Outcome = { type: 'poison', reason: decoded.reason };
    return { outcome: poison, decision: decideFinal(poison, ctx.policy) };
  }
  const { order } = decoded.payload;
  const workflowId = workflowIdFor(ctx.stage.name, order.orderId);
  const log = logger.child({ orderId: order.orderId, workflowId });
  noteOrder(order.orderId, workflowId);
  const input = stageInputOf(msg, decoded.payload, log);
  const redriven = msg.headers?.has(REDRIVEN_FROM_HEADER) ?? false;
  const lane = ctx.intake?.lanes.laneOf(order);

  // One signal per message: the Temporal client leaves a listener on every signal it is given,
  // so the bridge's own lives only as long as the message.
  const scope = childSignal(abort);
  const at: OrderAtHand = {
    workflowId,
    input,
    redriven,
    run: runContextOf(ctx, scope.signal, lane),
    scope: scope.signal,
    log,
  };
  try {
    for (;;) {
      // Only a fault holds a message taken already: an operator's pause stops pulling, not runs.
      await ctx.gate.whenOpen(scope.signal, 'faults');
      const outcome: Outcome = scope.signal.aborted
        ? { type: 'interrupted', workflowId }
        : await attempt(ctx, at, lane);
      const decision = decide(outcome, ctx.policy);
      // `hold` (a system fault): back to the gate, uncharged, the ticker keeping the message alive.
      if (decision.verb !== 'hold') return { outcome, decision };
    }
  } finally {
    scope.dispose();
  }
}
