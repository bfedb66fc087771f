/**
 * The noisy-neighbour bench's pipeline, as its bridge and worker load it (`--functions`): one
 * function per stage standing for a service call of CALL_MS, each order's customer its fairness
 * key, express orders (metadata shipping: express) at priority 1, every other at 3. The phase
 * without fairness loads noisy-pipeline-plain.ts: the same functions, neither option.
 */
import { defineFunction, definePipeline } from '../../activities/define';
import type { Order } from '../../activities/types';

/** How long each function's call takes, in ms. */
const CALL_MS = 20;

function serviceCall<const Name extends string>(name: Name) {
  return defineFunction({
    name,
    run: async () => {
      await new Promise((resolve) => setTimeout(resolve, CALL_MS));
      return { ok: true };
    },
  });
}

export const stages = { process: [serviceCall('reserve')], dispatch: [serviceCall('ship')] };

export function isExpress(order: Order): boolean {
  return order.metadata?.shipping === 'express';
}

export default definePipeline({
  ...stages,
  priority: (order) => (isExpress(order) ? 1 : 3),
  fairness: { key: (order) => order.customerId },
});
