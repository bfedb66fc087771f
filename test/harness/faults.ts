/** Effect stores that misbehave on purpose, injected into the worker's activities. */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import type { EffectStore } from '../../activities/effects';
import { parseEffectKey } from '../../workflows/names';

export interface FaultPlan {
  /** Orders affected: those whose ID starts with this. Default: every order. */
  readonly orderPrefix?: string;
  /**
   * Function affected (reserveStock, chargePayment, assignCourier, ship), or stage (process,
   * dispatch) for the records of a stage's output. Default: every one.
   */
  readonly step?: string;
  /** Wait this long before applying, in ms. */
  readonly slowMs?: number;
  /** Fail this many times per key before succeeding (a transient fault). */
  readonly failTimes?: number;
  /** Fail every time, non-retryably (a permanent fault: a rejection, dead-lettered at its first run). */
  readonly failForGood?: boolean;
  /**
   * Fail every attempt, retryably but retried at once (Temporal's nextRetryDelay), so that each run
   * runs out of its attempts in milliseconds: a failed run the bridge runs again.
   */
  readonly failEveryAttempt?: boolean;
  /**
   * Stage (process, dispatch) whose output, once published, is never recorded: the process
   * SIGKILLs itself right before. Only for worker processes (test/fixtures/faulty-worker.ts).
   */
  readonly dieBeforeRecordingOutput?: string;
}

function matches(plan: FaultPlan, key: string): boolean {
  const parsed = parseEffectKey(key);
  if (!parsed) return false;
  return (
    (!plan.step || plan.step === parsed.name) && (!plan.orderPrefix || parsed.orderId.startsWith(plan.orderPrefix))
  );
}

function diesHere(plan: FaultPlan, key: string): boolean {
  const parsed = parseEffectKey(key);
  return (
    parsed?.kind === 'output' &&
    parsed.name === plan.dieBeforeRecordingOutput &&
    (!plan.orderPrefix || parsed.orderId.startsWith(plan.orderPrefix))
  );
}

/** Wraps a store so that each plan's faults hit the orders and steps it names. */
export function withFaults(plans: FaultPlan | readonly FaultPlan[]): (store: EffectStore) => EffectStore {
  const list: readonly FaultPlan[] = Array.isArray(plans) ? (plans as readonly FaultPlan[]) : [plans as FaultPlan];
  const failures = new Map<string, number>();
  return (store) => ({
    read: (key) => store.read(key),
    async applyOnce(key, value) {
      // The worker dies between the publish and its record, as a crash or a power cut would.
      if (list.some((plan) => diesHere(plan, key))) process.kill(process.pid, 'SIGKILL');
      for (const plan of list.filter((pl) => matches(pl, key))) {
        // The activity's own sleep: cancelled, and so ended, when the worker shuts down.
        if (plan.slowMs) await Context.current().sleep(plan.slowMs);
        if (plan.failForGood)
          throw ApplicationFailure.nonRetryable(`injected permanent failure at ${key}`, 'InjectedFault');
        if (plan.failEveryAttempt) {
          throw ApplicationFailure.create({
            message: `injected failure of every attempt at ${key}`,
            type: 'InjectedFault',
            nextRetryDelay: '10ms',
          });
        }
        const failed = failures.get(key) ?? 0;
        if (failed < (plan.failTimes ?? 0)) {
          failures.set(key, failed + 1);
          throw new Error(`injected transient failure ${failed + 1} at ${key}`);
        }
      }
      return store.applyOnce(key, value);
    },
  });
}

/** A fault plan from the environment, for worker processes (test/fixtures/faulty-worker.ts). */
export function faultPlanFromEnv(env: NodeJS.ProcessEnv): FaultPlan {
  return {
    ...(env.FAULT_ORDER_PREFIX ? { orderPrefix: env.FAULT_ORDER_PREFIX } : {}),
    ...(env.FAULT_STEP ? { step: env.FAULT_STEP } : {}),
    ...(env.FAULT_SLOW_MS ? { slowMs: Number(env.FAULT_SLOW_MS) } : {}),
    ...(env.FAULT_FAIL_TIMES ? { failTimes: Number(env.FAULT_FAIL_TIMES) } : {}),
    ...(env.FAULT_DIE_BEFORE_RECORDING_OUTPUT
      ? { dieBeforeRecordingOutput: env.FAULT_DIE_BEFORE_RECORDING_OUTPUT }
      : {}),
  };
}
