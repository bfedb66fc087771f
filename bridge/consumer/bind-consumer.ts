/**
 * Binding a stage to its durable consumer, refusing what would not work: a consumer that does not
 * exist, one provisioned for warm standby or not as the bridge is run, and more messages in flight
 * than the consumer lets any client hold.
 */
import type { Consumer, ConsumerConfig, JetStreamClient } from '@nats-io/jetstream';

import { isJsApiError } from '../../activities/nats/api-codes';
import { TopologyMissingError } from '../../shared/errors';
import { standbyMismatch } from '../../shared/standby/standby-checks';
import { STREAM } from '../../workflows/names';
import type { Stage } from '../../workflows/names';

/** A stage's durable consumer, and its configuration as the server holds it. */
export interface BoundConsumer {
  readonly consumer: Consumer;
  readonly config: ConsumerConfig;
}

export async function bindConsumer(
  js: JetStreamClient,
  stage: Stage,
  options: { readonly maxInFlight: number; readonly standby?: boolean },
): Promise<BoundConsumer> {
  let consumer: Consumer;
  try {
    consumer = await js.consumers.get(STREAM, stage.consumer);
  } catch (err) {
    if (isJsApiError(err, 'consumerNotFound', 'streamNotFound')) {
      throw new TopologyMissingError(
        `consumer ${STREAM}/${stage.consumer} does not exist; run \`orderflow provision\` first`,
        { cause: err },
      );
    }
    throw err;
  }
  const { config } = await consumer.info(true);
  const mismatch = standbyMismatch(stage.consumer, config, options.standby ?? false);
  if (mismatch) throw mismatch;
  const maxAckPending = config.max_ack_pending ?? 1000;
  if (maxAckPending > 0 && options.maxInFlight > maxAckPending) {
    throw new TopologyMissingError(
      `max in flight ${options.maxInFlight} exceeds consumer ${stage.consumer}'s max ack pending ${maxAckPending}; lower --max-in-flight`,
    );
  }
  return { consumer, config };
}
