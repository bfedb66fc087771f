/** The noisy-neighbour bench's pipeline without priority or fairness: its phase that shows the starvation. */
import { definePipeline } from '../../activities/define';
import { stages } from './noisy-pipeline';

export default definePipeline(stages);
