/**
 * Temporal history events per order and stage: what each mode writes to Temporal's database,
 * read from one completed run of each stage. Fewer events is most of why local functions go
 * faster: each event is a write, and each task-queue round trip adds several.
 */
import type { StageName } from '../../workflows/names';
import { workflowIdFor } from '../../workflows/names';
import type { Pipeline } from '../harness/pipeline';

export type EventsPerStage = Readonly<Record<StageName, number>> & { readonly order: number };

export async function historyEvents(p: Pipeline, orderId: string): Promise<EventsPerStage> {
  const count = async (stage: StageName): Promise<number> => {
    const history = await p.client.workflow.getHandle(workflowIdFor(stage, orderId)).fetchHistory();
    return history.events?.length ?? 0;
  };
  const process = await count('process');
  const dispatch = await count('dispatch');
  return { process, dispatch, order: process + dispatch };
}
