/** Turning a stage's message into the workflow's input, or the reason it never can be. */
import { z } from 'zod';

import type { OrderRejection } from './schema';
import { MAX_ORDER_BYTES, decodeOrder, validateOrder } from './schema';
import type { StageName } from '../../workflows/names';
import type { StageInput } from '../../workflows/types';

export type StagePayload = Pick<StageInput, 'order' | 'upstream'>;

export type StageDecodeResult =
  { readonly ok: true; readonly payload: StagePayload } | { readonly ok: false; readonly reason: string };

/** Output of one stage fed to the next: the order plus what earlier stages did. */
const stageOutputShape = z.object({ order: z.unknown(), stages: z.record(z.string(), z.unknown()) });

function describe(rejection: OrderRejection): string {
  return `${rejection.kind}: ${rejection.detail}`;
}

export function decodeStageMessage(stage: StageName, data: Uint8Array): StageDecodeResult {
  if (stage === 'process') {
    const result = decodeOrder(data);
    return result.ok
      ? { ok: true, payload: { order: result.order, upstream: {} } }
      : { ok: false, reason: describe(result.rejection) };
  }
  if (data.length === 0) return { ok: false, reason: 'empty: the message has no payload' };
  if (data.length > MAX_ORDER_BYTES * 4) return { ok: false, reason: `too-large: the payload is ${data.length} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch (err) {
    return { ok: false, reason: `not-json: ${err instanceof Error ? err.message : String(err)}` };
  }
  const shape = stageOutputShape.safeParse(value);
  if (!shape.success) return { ok: false, reason: 'schema: expected {"order": {...}, "stages": {...}}' };
  const order = validateOrder(shape.data.order);
  if (!order.ok) return { ok: false, reason: describe(order.rejection) };
  return { ok: true, payload: { order: order.order, upstream: shape.data.stages } };
}
