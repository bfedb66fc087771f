/**
 * The cluster test's functions module (ORDERFLOW_FUNCTIONS for its bridges and workers): the demo
 * pipeline with chargePayment on a task queue of its own, `payments`, so that one worker serves a
 * second queue as a payments team's would. Same function names as the demo, so the chaos checker
 * (which expects the demo's effects) judges it unchanged.
 */
import { defineFunction, definePipeline } from '../../activities/define';
import { assignCourier, chargePayment, reserveStock, ship } from '../../activities/demo';

export const PAYMENTS_QUEUE = 'payments';

const chargeOnPaymentsQueue = defineFunction({
  name: chargePayment.name,
  run: chargePayment.run,
  recordResult: chargePayment.recordResult,
  taskQueue: PAYMENTS_QUEUE,
});

export default definePipeline({ process: [reserveStock, chargeOnPaymentsQueue], dispatch: [assignCourier, ship] });
