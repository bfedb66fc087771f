/**
 * The demo functions. Each computes its effect from the order alone (deterministic, so every
 * attempt would write the same thing) and records it once per order revision (activities/keys.ts).
 */
import { minorUnits } from '../workflows/currencies';
import type { StepInput } from '../workflows/types';

type Detail = Record<string, string | number>;

function stableIndex(text: string, modulo: number): number {
  let hash = 0;
  for (const ch of text) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return hash % modulo;
}

/** NEW stage: hold the ordered units. */
export function reserveStock({ order }: StepInput): Detail {
  return { units: order.items.reduce((sum, item) => sum + item.quantity, 0), lines: order.items.length };
}

/** NEW stage: charge the order's total. */
export function chargePayment({ order }: StepInput): Detail {
  // The schema admitted the currency, so its minor unit is known.
  const factor = 10 ** (minorUnits(order.currency) ?? 2);
  const total = order.items.reduce((sum, item) => sum + Math.round(item.unitPrice * factor) * item.quantity, 0);
  return { amount: total / factor, currency: order.currency, payer: order.customerId };
}

/** DISPATCH stage: pick a courier. */
export function assignCourier({ order }: StepInput): Detail {
  return { courier: `courier-${stableIndex(order.orderId, 10) + 1}` };
}

/** DISPATCH stage: hand the parcel over. */
export function ship({ order, previous }: StepInput): Detail {
  return {
    trackingId: `TRK-${order.orderId}`,
    courier: String(previous.assignCourier?.detail.courier ?? 'unassigned'),
  };
}

/** Every function, by the name stages.ts uses for it. */
export const FUNCTIONS = { reserveStock, chargePayment, assignCourier, ship } as const;

export type FunctionName = keyof typeof FUNCTIONS;
