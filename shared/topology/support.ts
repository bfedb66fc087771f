/**
 * The objects orderflow adds beside the seed's topology: the dead-letter stream, the object store
 * of dead letters too large for one message, the effects bucket and the bucket of operators' stage
 * pauses. Created when missing; never changed or removed here.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import { StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';

import { CHOSEN, deadLetterStreamConfig } from '../config/topology';
import { DLQ_PAYLOADS_BUCKET, DLQ_STREAM, EFFECTS_BUCKET, PAUSES_BUCKET } from '../../workflows/names';
import { isJsApiError } from '../../activities/nats/api-codes';

export interface SupportReport {
  readonly deadLetters: 'created' | 'exists';
  readonly deadLetterPayloads: 'created' | 'exists';
  readonly effects: 'created' | 'exists';
  readonly pauses: 'created' | 'exists';
}

/** Creates the stream `stream` with `create` unless it exists (or only says it would, on a dry run). */
async function ensureStream(
  jsm: JetStreamManager,
  stream: string,
  dryRun: boolean,
  create: () => Promise<unknown>,
): Promise<'created' | 'exists'> {
  try {
    await jsm.streams.info(stream);
    return 'exists';
  } catch (err) {
    if (!isJsApiError(err, 'streamNotFound')) throw err;
  }
  if (!dryRun) await create();
  return 'created';
}

export async function ensureSupportObjects(
  nc: NatsConnection,
  jsm: JetStreamManager,
  options: { replicas?: number; dryRun?: boolean } = {},
): Promise<SupportReport> {
  const dryRun = options.dryRun ?? false;
  const bucketOptions = { storage: StorageType.File, replicas: options.replicas ?? CHOSEN.replicas };
  return {
    deadLetters: await ensureStream(jsm, DLQ_STREAM, dryRun, () => jsm.streams.add(deadLetterStreamConfig(options))),
    deadLetterPayloads: await ensureStream(jsm, `OBJ_${DLQ_PAYLOADS_BUCKET}`, dryRun, () =>
      new Objm(nc).create(DLQ_PAYLOADS_BUCKET, {
        ...bucketOptions,
        description: 'orderflow: original bytes and headers of dead letters too large for one message',
      }),
    ),
    effects: await ensureStream(jsm, `KV_${EFFECTS_BUCKET}`, dryRun, () =>
      new Kvm(nc).create(EFFECTS_BUCKET, { ...bucketOptions, history: 1 }),
    ),
    pauses: await ensureStream(jsm, `KV_${PAUSES_BUCKET}`, dryRun, () =>
      new Kvm(nc).create(PAUSES_BUCKET, {
        ...bucketOptions,
        history: 1,
        description: "orderflow: operators' stage pauses (orderflow pause), watched by every bridge",
      }),
    ),
  };
}
