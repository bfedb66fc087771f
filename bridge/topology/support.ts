/**
 * The objects orderflow adds beside the seed's topology: the dead-letter stream and the effects
 * bucket. Created when missing; never changed or removed here.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import { JetStreamApiError, StorageType } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { Kvm } from '@nats-io/kv';

import { CHOSEN, DLQ_STREAM, EFFECTS_BUCKET, deadLetterStreamConfig } from '../config/topology';

const STREAM_NOT_FOUND = 10059;

export interface SupportReport {
  readonly deadLetters: 'created' | 'exists';
  readonly effects: 'created' | 'exists';
}

export async function ensureSupportObjects(
  nc: NatsConnection,
  jsm: JetStreamManager,
  options: { replicas?: number; dryRun?: boolean } = {},
): Promise<SupportReport> {
  let deadLetters: SupportReport['deadLetters'] = 'exists';
  try {
    await jsm.streams.info(DLQ_STREAM);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === STREAM_NOT_FOUND)) throw err;
    if (!options.dryRun) await jsm.streams.add(deadLetterStreamConfig(options));
    deadLetters = 'created';
  }
  let effects: SupportReport['effects'] = 'exists';
  try {
    await jsm.streams.info(`KV_${EFFECTS_BUCKET}`);
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === STREAM_NOT_FOUND)) throw err;
    if (!options.dryRun) {
      await new Kvm(nc).create(EFFECTS_BUCKET, {
        history: 1,
        storage: StorageType.File,
        replicas: options.replicas ?? CHOSEN.replicas,
      });
    }
    effects = 'created';
  }
  return { deadLetters, effects };
}
