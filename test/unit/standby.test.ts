/**
 * Warm standby's pure pieces: the role from the pull's notifications, which bridge may pull which
 * consumer, the pull's sizes, the desired consumers and their drift, the `--standby` switch, and
 * what `status` shows of the bridges' replies.
 */
import { bridgeOptions } from '../../shared/config/run-options';
import { CHOSEN, consumerConfigs } from '../../shared/config/topology';
import { pinnedPullSizes } from '../../bridge/standby/pinned-pull';
import { pinnedGroups } from '../../shared/standby/pinned-groups';
import { refuseWithoutPriorityGroups, standbyMismatch } from '../../shared/standby/standby-checks';
import type { BridgePresence } from '../../shared/standby/presence';
import { presenceOf } from '../../bridge/standby/presence';
import type { RoleState } from '../../bridge/standby/standby-role';
import { StandbyRole, nextRole } from '../../bridge/standby/standby-role';
import { ConfigError, TopologyMissingError } from '../../shared/errors';
import { serverFeatures } from '../../shared/nats/server-features';
import { renderStandby, standbyView } from '../../operate/status/standby-bridges';
import { diffConfig, updatableChanges } from '../../shared/topology/diff';
import { STAGES, STANDBY_GROUP } from '../../workflows/names';

const T0 = new Date('2026-12-01T10:00:00Z');
const T1 = new Date('2026-12-01T10:00:05Z');
const STANDBY: RoleState = { role: 'standby', pinId: '', since: T0 };

describe('standby - role from the pull notifications', () => {
  it('standby - a pinned notice makes the bridge active with its pin id; an unpinned one a standby again', () => {
    const active = nextRole(STANDBY, { type: 'consumer_pinned', id: 'PIN1' }, T1);
    expect(active).toEqual({ role: 'active', pinId: 'PIN1', since: T1 });
    expect(nextRole(active, { type: 'consumer_unpinned' }, T0)).toEqual({ role: 'standby', pinId: '', since: T0 });
  });

  it('standby - notices that change nothing keep the same state (no log line, no new since)', () => {
    const active: RoleState = { role: 'active', pinId: 'PIN1', since: T0 };
    expect(nextRole(active, { type: 'consumer_pinned', id: 'PIN1' }, T1)).toBe(active);
    expect(nextRole(active, { type: 'heartbeats_missed' }, T1)).toBe(active);
    expect(nextRole(STANDBY, { type: 'consumer_unpinned' }, T1)).toBe(STANDBY);
    // A new pin while active (the pin moved back after a lapse this bridge did not see) is a new term.
    expect(nextRole(active, { type: 'consumer_pinned', id: 'PIN2' }, T1)).toEqual({
      role: 'active',
      pinId: 'PIN2',
      since: T1,
    });
  });

  it('standby - StandbyRole starts as a standby, reports each change once, and steps down when pulling stops', () => {
    const changes: string[] = [];
    let now = T0;
    const role = new StandbyRole(
      (state, previous) => changes.push(`${previous.role}->${state.role}:${state.pinId}`),
      () => now,
    );
    expect(role.state).toEqual(STANDBY);
    now = T1;
    role.notice({ type: 'consumer_pinned', id: 'PIN1' });
    role.notice({ type: 'consumer_pinned', id: 'PIN1' });
    expect(role.active).toBe(true);
    expect(role.state.since).toBe(T1);
    role.stepDown();
    role.stepDown();
    expect(changes).toEqual(['standby->active:PIN1', 'active->standby:']);
  });
});

describe('standby - who may pull what', () => {
  const pinned = { priority_policy: 'pinned_client' as const, priority_groups: [STANDBY_GROUP] };

  it('standby - --standby on a consumer without the pinned group is refused, naming the provision command', () => {
    const err = standbyMismatch('NEW', {}, true);
    expect(err).toBeInstanceOf(TopologyMissingError);
    expect(err!.message).toBe(
      'consumer ORDERS/NEW is not provisioned for warm standby (no pinned-client group "orderflow"); ' +
        'run `orderflow provision --standby --apply`',
    );
    expect(standbyMismatch('NEW', { ...pinned, priority_groups: ['other'] }, true)).toBeInstanceOf(
      TopologyMissingError,
    );
    expect(standbyMismatch('NEW', pinned, true)).toBeUndefined();
  });

  it('standby - a bridge without --standby on a pinned consumer is refused; on a plain one it may pull', () => {
    expect(standbyMismatch('DISPATCH', pinned, false)?.message).toBe(
      'consumer ORDERS/DISPATCH has priority policy pinned_client (warm standby), which refuses pulls that name no ' +
        'group; start this bridge with --standby',
    );
    expect(standbyMismatch('DISPATCH', {}, false)).toBeUndefined();
    expect(standbyMismatch('DISPATCH', { priority_policy: 'none' }, false)).toBeUndefined();
  });

  it('standby - servers before 2.11 are refused in one line naming the flag, the version and the fix', () => {
    let caught: unknown;
    try {
      refuseWithoutPriorityGroups(serverFeatures('2.9.10'), '--standby');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toBe(
      '--standby: nats-server 2.9.10 has no priority groups, which warm standby needs (2.11.0 or newer); ' +
        'upgrade nats-server, or leave out --standby',
    );
    expect(() => refuseWithoutPriorityGroups(serverFeatures('2.11.0'), '--standby')).not.toThrow();
  });

  it('standby - --standby is a switch: the flag, or the variable as true/false, 1/0, yes/no; off by default', () => {
    expect(bridgeOptions({}, {}).standby).toBeUndefined();
    expect(bridgeOptions({ standby: 'true' }, {}).standby).toBe(true);
    expect(bridgeOptions({}, { ORDERFLOW_STANDBY: '1' }).standby).toBe(true);
    expect(bridgeOptions({}, { ORDERFLOW_STANDBY: 'No' }).standby).toBe(false);
    expect(() => bridgeOptions({}, { ORDERFLOW_STANDBY: 'maybe' })).toThrow(
      'ORDERFLOW_STANDBY: "maybe" is neither on nor off; use true or false',
    );
  });
});

describe('standby - the pull and the consumers', () => {
  it('standby - a pull asks for a quarter of the slots (at least 1) and waits a third of the TTL', () => {
    expect(pinnedPullSizes(32, 10_000)).toEqual({ maxMessages: 8, expiresMs: 3333 });
    expect(pinnedPullSizes(3, 60_000)).toEqual({ maxMessages: 1, expiresMs: 20_000 });
    // The library refuses pulls under a second: a 3 s TTL still renews three times.
    expect(pinnedPullSizes(1, 3000)).toEqual({ maxMessages: 1, expiresMs: 1000 });
  });

  it("standby - provisioned with standby, NEW and DISPATCH get the pinned group and TTL; MONITOR stays the seed's", () => {
    const [neu, dispatch, monitor] = consumerConfigs({ standbyTakeoverNs: 7e9 });
    for (const c of [neu!, dispatch!]) {
      expect(c).toMatchObject({
        priority_groups: ['orderflow'],
        priority_policy: 'pinned_client',
        priority_timeout: 7e9,
      });
    }
    expect(monitor).not.toHaveProperty('priority_policy');
    expect(CHOSEN.standbyTakeoverNs).toBe(10e9);
  });

  it('standby - moving to and from standby is an in-place update on a 2.11+ server, field by field', () => {
    const features = serverFeatures('2.12.2');
    const plain = consumerConfigs()[0]! as Record<string, unknown>;
    const standby = consumerConfigs({ standbyTakeoverNs: 10e9 })[0]! as Record<string, unknown>;
    const toStandby = diffConfig('consumer', standby, plain, features);
    expect(toStandby.map((d) => d.field).sort()).toEqual(['priority_groups', 'priority_policy', 'priority_timeout']);
    expect(toStandby.some((d) => d.immutable)).toBe(false);
    expect(updatableChanges(toStandby)).toEqual({
      priority_groups: ['orderflow'],
      priority_policy: 'pinned_client',
      priority_timeout: 10e9,
    });
    const back = diffConfig('consumer', plain, standby, features);
    expect(back.map((d) => d.field).sort()).toEqual(['priority_groups', 'priority_policy', 'priority_timeout']);
    expect(updatableChanges(back)).toEqual({
      priority_groups: undefined,
      priority_policy: undefined,
      priority_timeout: undefined,
    });
    // The seed's consumers on a server that knows no priority groups: nothing to report.
    expect(diffConfig('consumer', plain, { ...plain }, serverFeatures('2.9.10'))).toEqual([]);
  });

  it('standby - the pin state is read from consumer info, ignoring what is not a group', () => {
    expect(pinnedGroups({})).toEqual([]);
    expect(
      pinnedGroups({
        priority_groups: [{ group: 'orderflow', pinned_client_id: 'P', pinned_ts: 'T' }, { x: 1 }, null],
      }),
    ).toEqual([{ group: 'orderflow', pinned_client_id: 'P', pinned_ts: 'T' }]);
  });
});

describe('standby - what status shows', () => {
  const stage = STAGES.process;
  const reply = (name: string, pinId = ''): BridgePresence => ({
    name,
    host: 'host-a',
    pid: 100,
    stage: 'process',
    consumer: 'NEW',
    pinId,
    since: T0.toISOString(),
  });

  it('standby - a presence reply says who the bridge is and the pin it holds', () => {
    const role = { state: { role: 'active' as const, pinId: 'PIN', since: T1 } };
    expect(presenceOf({ name: 'host-a:100', host: 'host-a', pid: 100 }, { stage, role })).toEqual({
      name: 'host-a:100',
      host: 'host-a',
      pid: 100,
      stage: 'process',
      consumer: 'NEW',
      pinId: 'PIN',
      since: T1.toISOString(),
    });
  });

  it('standby - the active bridge is the one holding the pin id the server holds, the others are standbys', () => {
    const view = standbyView(stage, 10e9, { id: 'PIN', ts: '2026-12-01T10:00:01Z' }, [
      reply('host-a:300'),
      reply('host-a:200', 'PIN'),
      reply('host-a:100'),
    ]);
    expect(view.active?.name).toBe('host-a:200');
    expect(view.standbys.map((s) => s.name)).toEqual(['host-a:100', 'host-a:300']);
    expect(renderStandby([view])).toEqual([
      'warm standby:',
      '  NEW: active host-a:200 since 2026-12-01T10:00:01Z; standby host-a:100, host-a:300',
    ]);
  });

  it('standby - a pin no bridge answers for, no pin, no answer, and no standby consumer at all', () => {
    const dead = standbyView(stage, 10e9, { id: 'GONE', ts: '2026-12-01T10:00:01Z' }, [reply('host-a:100')]);
    const unpinned = standbyView(stage, 10e9, { ts: '0001-01-01T00:00:00Z' }, [reply('host-a:100')]);
    const silent = standbyView(STAGES.dispatch, 10e9, {}, []);
    expect(unpinned.pinnedSince).toBeUndefined();
    expect(renderStandby([dead, unpinned, silent])).toEqual([
      'warm standby:',
      '  NEW: pinned since 2026-12-01T10:00:01Z to a bridge that did not answer (pin GONE; if it died, a standby ' +
        'takes over within 10 s); standby host-a:100',
      '  NEW: no bridge pinned (pinned at the next message); standby host-a:100',
      '  DISPATCH: no bridge answered (none running with --standby?)',
    ]);
    expect(renderStandby([])).toEqual([]);
  });
});
