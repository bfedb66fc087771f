/**
 * Whether this bridge is a stage's active bridge (it holds the consumer's pin) or a standby, as
 * the pull's notifications tell it: `consumer_pinned` when a message arrives carrying a pin id
 * this bridge did not hold, `consumer_unpinned` when the server refuses a pull's pin id (the pin
 * lapsed or moved to another bridge). Pure state; the pull reports, the metrics and the presence
 * replies read.
 */
import type { Logger } from '../../shared/log';

export type Role = 'active' | 'standby';

/** The notifications that change the role (a subset of the library's ConsumerNotification). */
export type RoleNotice = { readonly type: 'consumer_pinned'; readonly id: string } | { readonly type: string };

export interface RoleState {
  readonly role: Role;
  /** The pin id held while active; '' as a standby. */
  readonly pinId: string;
  /** When the role began. */
  readonly since: Date;
}

function isPinned(notice: RoleNotice): notice is { type: 'consumer_pinned'; id: string } {
  return notice.type === 'consumer_pinned' && typeof (notice as { id?: unknown }).id === 'string';
}

/** The state after `notice`; the same object when nothing changed. */
export function nextRole(state: RoleState, notice: RoleNotice, now: Date): RoleState {
  if (isPinned(notice)) {
    return state.role === 'active' && state.pinId === notice.id
      ? state
      : { role: 'active', pinId: notice.id, since: now };
  }
  if (notice.type === 'consumer_unpinned') return standby(state, now);
  return state;
}

/** Standby from `now` on (or still, since before). */
export function standby(state: RoleState, now: Date): RoleState {
  return state.role === 'standby' ? state : { role: 'standby', pinId: '', since: now };
}

export type RoleListener = (state: RoleState, previous: RoleState) => void;

/** Logs each change of role, with the pin id taken or given up. */
export function logRoleChanges(log: Logger): RoleListener {
  return (state, previous) =>
    log.info(state.role === 'active' ? 'active: this bridge holds the pin' : 'standby: another bridge pulls or none', {
      role: state.role,
      was: previous.role,
      ...(state.pinId ? { pinId: state.pinId } : { lastPinId: previous.pinId }),
    });
}

/** The role of one stage consumer of this bridge, starting as a standby. */
export class StandbyRole {
  private current: RoleState;

  constructor(
    private readonly onChange: RoleListener = () => undefined,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.current = { role: 'standby', pinId: '', since: now() };
  }

  get state(): RoleState {
    return this.current;
  }

  get active(): boolean {
    return this.current.role === 'active';
  }

  /** Applies one of the pull's notifications. */
  notice(notice: RoleNotice): void {
    this.set(nextRole(this.current, notice, this.now()));
  }

  /** This bridge stopped pulling: whatever the server still says, it is no longer the active one. */
  stepDown(): void {
    this.set(standby(this.current, this.now()));
  }

  private set(next: RoleState): void {
    if (next === this.current) return;
    const previous = this.current;
    this.current = next;
    this.onChange(next, previous);
  }
}
