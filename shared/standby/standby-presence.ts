/**
 * Who is the active bridge? The server knows only the pin id (consumer info), so each standby
 * bridge answers on `orderflow.bridges.<consumer>` (workflows/names) with who it is and the pin it
 * holds; `orderflow status` asks and matches the pin id (status/standby-bridges.ts). The replies
 * are plain NATS request/reply, outside the stream: nothing is stored.
 */
import type { NatsConnection, Subscription } from '@nats-io/nats-core';

import type { Stage } from '../../workflows/names';
import { bridgePresenceSubject } from '../../workflows/names';
import type { ServerFeatures } from '../nats/server-features';
import { refuseWithoutPriorityGroups } from './standby-checks';
import type { RoleState } from '../../bridge/standby/standby-role';

/** Who a bridge process is. */
export interface BridgeIdentity {
  /** A name for people: by default `<host>:<pid>`. */
  readonly name: string;
  readonly host: string;
  readonly pid: number;
}

/** What a standby bridge answers, per stage consumer. */
export interface BridgePresence extends BridgeIdentity {
  readonly stage: string;
  readonly consumer: string;
  /** The pin id this bridge holds; '' as a standby. */
  readonly pinId: string;
  /** When its current role began (ISO 8601). */
  readonly since: string;
}

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
