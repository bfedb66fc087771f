/**
 * The demo's pipeline with every function local and the stages' publish local too: the functions
 * module the bench's local worker loads (`orderflow worker --functions`). The same work as the
 * demo (each function records its result) in fewer task-queue round trips.
 */
import type { OrderflowFunction } from '../../activities/define';
import { defineFunction, definePipeline } from '../../activities/define';
import demoPipeline from '../../activities/demo';

/** The same function, run as a local activity. */
function asLocal(fn: OrderflowFunction): OrderflowFunction {
  return defineFunction({ name: fn.name, run: fn.run, recordResult: fn.recordResult, local: true });
}

export default definePipeline({
  process: demoPipeline.stages.process.map(asLocal),
  dispatch: demoPipeline.stages.dispatch.map(asLocal),
  publishLocally: true,
});
