/**
 * Warm standby at a glance: for each stage consumer provisioned with `--standby`, which bridge
 * holds the pin, since when, and which wait as standbys. The server knows only the pin id
 * (consumer info); the bridges answer who they are on their presence subject
 * (shared/standby/presence.ts), and the one whose pin id is the server's is the active one.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';

import { STAGES, STANDBY_GROUP, STREAM, bridgePresenceSubject } from '../../workflows/names';
import { pinnedGroups } from '../../shared/standby/pinned-groups';
import { isPinnedStandby } from '../../shared/standby/standby-checks';
import type { BridgePresence } from '../../shared/standby/presence';

export interface StandbyView {
  readonly stage: string;
  readonly consumer: string;
  /** The pin's TTL: how long a silent active bridge holds the stage, in ms. */
  readonly takeoverMs: number;
  /** The pin id the server holds; '' when no bridge is pinned. */
  readonly pinnedId: string;
  /** When the server pinned it (ISO 8601). */
  readonly pinnedSince?: string;
  /** The bridge holding the pin, when it answered. */
  readonly active?: BridgePresence;
  /** Every other bridge that answered, by name. */
  readonly standbys: readonly BridgePresence[];
}

/** Go's zero time: what the server reports as pinned_ts when nothing is pinned. */
const ZERO_TIME = /^0001-01-01/;

/** Collects the replies to one presence request for `waitMs` ms (none when no bridge listens). */
async function askBridges(nc: NatsConnection, consumer: string, waitMs: number): Promise<BridgePresence[]> {
  const replies: BridgePresence[] = [];
  try {
    const answers = await nc.requestMany(bridgePresenceSubject(consumer), '', { strategy: 'timer', maxWait: waitMs });
    for await (const msg of answers) {
      const reply = msg.json<Partial<BridgePresence>>();
      if (typeof reply.name === 'string' && typeof reply.pinId === 'string') replies.push(reply as BridgePresence);
    }
  } catch {
    // No responders: no standby bridge is running.
  }
  return replies;
}

/** What `status` shows of one consumer, from its pin and its bridges' replies. Pure. */
export function standbyView(
  stage: { name: string; consumer: string },
  takeoverNs: number,
  pin: { id?: string; ts?: string },
  replies: readonly BridgePresence[],
): StandbyView {
  const pinnedId = pin.id ?? '';
  const active = pinnedId ? replies.find((r) => r.pinId === pinnedId) : undefined;
  return {
    stage: stage.name,
    consumer: stage.consumer,
    takeoverMs: takeoverNs / 1e6,
    pinnedId,
    ...(pinnedId && pin.ts && !ZERO_TIME.test(pin.ts) ? { pinnedSince: pin.ts } : {}),
    ...(active ? { active } : {}),
    standbys: replies.filter((r) => r !== active).sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** Each warm-standby stage consumer's view; empty when none is provisioned for it. */
export async function standbyBridges(nc: NatsConnection, jsm: JetStreamManager, waitMs = 500): Promise<StandbyView[]> {
  const views: StandbyView[] = [];
  for (const stage of Object.values(STAGES)) {
    const info = await jsm.consumers.info(STREAM, stage.consumer);
    if (!isPinnedStandby(info.config)) continue;
    const group = pinnedGroups(info).find((g) => g.group === STANDBY_GROUP);
    const replies = await askBridges(nc, stage.consumer, waitMs);
    views.push(
      standbyView(
        stage,
        info.config.priority_timeout ?? 0,
        { id: group?.pinned_client_id, ts: group?.pinned_ts },
        replies,
      ),
    );
  }
  return views;
}

function who(b: BridgePresence): string {
  return b.host && !b.name.startsWith(b.host) ? `${b.name} (${b.host}, pid ${b.pid})` : b.name;
}

/** The lines `status` prints for warm standby; none when no consumer is provisioned for it. */
export function renderStandby(views: readonly StandbyView[]): string[] {
  if (views.length === 0) return [];
  const lines = ['warm standby:'];
  for (const v of views) {
    const standbys = v.standbys.length ? v.standbys.map(who).join(', ') : 'none';
    const since = v.pinnedSince ? ` since ${v.pinnedSince}` : '';
    if (v.active) {
      lines.push(`  ${v.consumer}: active ${who(v.active)}${since}; standby ${standbys}`);
    } else if (v.pinnedId) {
      lines.push(
        `  ${v.consumer}: pinned${since} to a bridge that did not answer (pin ${v.pinnedId}; if it died, ` +
          `a standby takes over within ${v.takeoverMs / 1000} s); standby ${standbys}`,
      );
    } else if (v.standbys.length) {
      lines.push(`  ${v.consumer}: no bridge pinned (pinned at the next message); standby ${standbys}`);
    } else {
      lines.push(`  ${v.consumer}: no bridge answered (none running with --standby?)`);
    }
  }
  return lines;
}
