/**
 * Whether a bridge may pull a stage consumer the way it was started. Warm standby needs priority
 * groups (nats-server 2.11+) and a consumer provisioned with the pinned-client policy; a bridge
 * without `--standby` must not pull a pinned consumer, as the server refuses every pull that names
 * no priority group ("priority group missing"): it would retry forever and take nothing.
 */
import type { ConsumerConfig } from '@nats-io/jetstream';

import { STANDBY_GROUP, STREAM } from '../../workflows/names';
import { PINNED_CLIENT } from '../config/topology';
import { ConfigError, TopologyMissingError } from '../errors';
import type { ServerFeatures } from '../nats/server-features';
import { FEATURE_SINCE } from '../nats/server-features';

/** Refuses warm standby (asked for by `flag`) on a server without priority groups. */
export function refuseWithoutPriorityGroups(
  features: Pick<ServerFeatures, 'version' | 'priorityGroups'>,
  flag: string,
): void {
  if (features.priorityGroups) return;
  throw new ConfigError(
    flag,
    `nats-server ${features.version || '(version unknown)'} has no priority groups, which warm standby needs (${FEATURE_SINCE.priorityGroups} or newer)`,
    `upgrade nats-server, or leave out ${flag}`,
  );
}

/** Whether `config` pins one bridge at a time in orderflow's group. */
export function isPinnedStandby(config: Pick<ConsumerConfig, 'priority_policy' | 'priority_groups'>): boolean {
  return config.priority_policy === PINNED_CLIENT && (config.priority_groups ?? []).includes(STANDBY_GROUP);
}

/** Why a bridge started with (or without) `--standby` must not pull `consumer`; undefined when it may. */
export function standbyMismatch(
  consumer: string,
  config: Pick<ConsumerConfig, 'priority_policy' | 'priority_groups'>,
  standby: boolean,
): TopologyMissingError | undefined {
  const pinned = isPinnedStandby(config);
  if (standby && !pinned) {
    return new TopologyMissingError(
      `consumer ${STREAM}/${consumer} is not provisioned for warm standby (no pinned-client group "${STANDBY_GROUP}"); ` +
        'run `orderflow provision --standby --apply`',
    );
  }
  if (!standby && config.priority_policy !== undefined && config.priority_policy !== 'none') {
    return new TopologyMissingError(
      `consumer ${STREAM}/${consumer} has priority policy ${config.priority_policy} (warm standby), which refuses ` +
        'pulls that name no group; start this bridge with --standby',
    );
  }
  return undefined;
}
