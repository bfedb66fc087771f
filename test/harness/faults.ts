/** Effect stores that misbehave on purpose, injected into the worker's activities. */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

import type { EffectStore } from '../../activities';

export interface FaultPlan {
  /** Orders affected: those whose ID starts with this. Default: every order. */
  readonly orderPrefix?: string;
  /** Step affected (reserveStock, chargePayment, assignCourier, ship). Default: every step. */
  readonly step?: string;
  /** Wait this long before applying, in ms. */
  readonly slowMs?: number;
  /** Fail this many times per key before succeeding (a transient fault). */
  readonly failTimes?: number;
  /** Fail every time, non-retryably (a permanent fault). */
  readonly failForGood?: boolean;
}

function matches(plan: FaultPlan, key: string): boolean {
  const [step, ...rest] = key.split('.');
  const orderId = rest.join('.');
  return (!plan.step || plan.step === step) && (!plan.orderPrefix || orderId.startsWith(plan.orderPrefix));
}

/** Wraps a store so that each plan's faults hit the orders and steps it names. */
export function withFaults(plans: FaultPlan | readonly FaultPlan[]): (store: EffectStore) => EffectStore {
  const list: readonly FaultPlan[] = Array.isArray(plans) ? (plans as readonly FaultPlan[]) : [plans as FaultPlan];
  const failures = new Map<string, number>();
  return (store) => ({
    read: (key) => store.read(key),
    async applyOnce(key, value) {
      for (const plan of list.filter((pl) => matches(pl, key))) {
        // The activity's own sleep: cancelled, and so ended, when the worker shuts down.
        if (plan.slowMs) await Context.current().sleep(plan.slowMs);
        if (plan.failForGood)
          throw ApplicationFailure.nonRetryable(`injected permanent failure at ${key}`, 'InjectedFault');
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
  };
}
