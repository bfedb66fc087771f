/**
 * The state of a consumer's priority groups as consumer info reports it: which client the server
 * pins (warm standby). Read by the bridge's pull and by `orderflow status`.
 */

/** A priority group's state in consumer info (nats-server 2.11+; the library's types lack it). */
export interface PinnedGroupState {
  readonly group: string;
  readonly pinned_client_id?: string;
  readonly pinned_ts?: string;
}

/** The priority groups' states of a consumer info; empty when the server reports none. */
export function pinnedGroups(info: object): PinnedGroupState[] {
  const groups = (info as { priority_groups?: unknown }).priority_groups;
  if (!Array.isArray(groups)) return [];
  return groups.filter(
    (g): g is PinnedGroupState =>
      typeof g === 'object' && g !== null && typeof (g as { group?: unknown }).group === 'string',
  );
}
