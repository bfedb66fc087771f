/**
 * A standby bridge's presence replies: on `orderflow.bridges.<consumer>` it answers who it is and
 * the pin it holds, in the format of shared/standby/presence.ts, so that `orderflow status` can
 * tell which bridge is active.
 */
import type { NatsConnection, Subscription } from '@nats-io/nats-core';

import type { Stage } from '../../workflows/names';
import { bridgePresenceSubject } from '../../workflows/names';
import type { ServerFeatures } from '../../shared/nats/server-features';
import type { BridgeIdentity, BridgePresence } from '../../shared/standby/presence';
import { refuseWithoutPriorityGroups } from '../../shared/standby/standby-checks';
import type { RoleState } from './standby-role';

/** What the presence replies read of a stage consumer. */
export interface StandbyStage {
  readonly stage: Stage;
  readonly role: { readonly state: RoleState };
}

export function presenceOf(identity: BridgeIdentity, s: StandbyStage): BridgePresence {
  const { pinId, since } = s.role.state;
  return { ...identity, stage: s.stage.name, consumer: s.stage.consumer, pinId, since: since.toISOString() };
}

/**
 * Refuses warm standby on a server without priority groups, then answers presence requests for
 * each stage until closed.
 */
export function startStandby(
  nc: NatsConnection,
  features: Pick<ServerFeatures, 'version' | 'priorityGroups'>,
  stages: readonly StandbyStage[],
  identity: BridgeIdentity = { name: `bridge:${Math.random().toString(36).slice(2, 10)}`, host: '', pid: 0 },
): { close(): void } {
  refuseWithoutPriorityGroups(features, '--standby');
  const subs: Subscription[] = stages.map((s) =>
    nc.subscribe(bridgePresenceSubject(s.stage.consumer), {
      callback: (err, msg) => {
        if (!err) msg.respond(JSON.stringify(presenceOf(identity, s)));
      },
    }),
  );
  return { close: () => subs.forEach((sub) => sub.unsubscribe()) };
}
