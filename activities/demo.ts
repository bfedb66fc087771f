/**
 * The built-in demo pipeline, used when no functions module is named: a pipeline module like any
 * user's. Each function computes its result from the order alone and records it (recordResult),
 * so a retried function finds the first attempt's result instead of applying it again.
 */
import { minorUnits } from '../workflows/currencies';
import type { JsonValue } from '../workflows/types';
import { defineFunction, definePipeline } from './define';

function stableIndex(text: string, modulo: number): number {
  let hash = 0;
  for (const ch of text) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return hash % modulo;
}

/** NEW stage: hold the ordered units. */
export const reserveStock = defineFunction({
  name: 'reserveStock',
  recordResult: true,
  run: (order) => ({ units: order.items.reduce((sum, item) => sum + item.quantity, 0), lines: order.items.length }),
});

/** NEW stage: charge the order's total. */
export const chargePayment = defineFunction({
  name: 'chargePayment',
  recordResult: true,
  run: (order) => {
    // The schema admitted the currency, so its minor unit is known.
    const factor = 10 ** (minorUnits(order.currency) ?? 2);
    const total = order.items.reduce((sum, item) => sum + Math.round(item.unitPrice * factor) * item.quantity, 0);
    return { amount: total / factor, currency: order.currency, payer: order.customerId };
  },
});

/** DISPATCH stage: pick a courier. */
export const assignCourier = defineFunction({
  name: 'assignCourier',
  recordResult: true,
  run: (order) => ({ courier: `courier-${stableIndex(order.orderId, 10) + 1}` }),
});

/** DISPATCH stage: hand the parcel over. */
export const ship = defineFunction({
  name: 'ship',
  recordResult: true,
  run: (order, ctx) => {
    const assigned = ctx.results.dispatch?.assignCourier as { courier?: JsonValue } | null | undefined;
    const courier = typeof assigned?.courier === 'string' ? assigned.courier : 'unassigned';
    return { trackingId: `TRK-${order.orderId}`, courier };
  },
});

export default definePipeline({ process: [reserveStock, chargePayment], dispatch: [assignCourier, ship] });
