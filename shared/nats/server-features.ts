/**
 * What the connected nats-server can do, read from the version it reports (`nc.info.version`)
 * rather than assumed: a verb or option an older server does not know is ignored silently, never
 * refused, so the bridge must not send it there. Debian's 2.9 stays supported.
 *
 * An unreadable version counts as none of the features: every fallback is the safe behaviour.
 * A pre-release (`2.11.0-RC.1`) ranks below its release, as semver has it. The bridge reads the
 * features once, from the server it first connects to (bridge/bridge.ts), and keeps them across
 * reconnects: in a cluster under a rolling upgrade, the server it reconnects to, or the consumer's
 * leader, may be of another version than the one they were read from.
 */
import type { NatsConnection } from '@nats-io/nats-core';

export interface ServerFeatures {
  /** The version these were read from, as the server reported it ('' when it did not). */
  readonly version: string;
  /**
   * `+TERM <reason>` (2.10.4+). Older servers match `+TERM` exactly and ignore the whole ack with
   * a reason: the message stays pending and comes back after every ack wait, forever.
   */
  readonly termWithReason: boolean;
  /**
   * `-NAK {"delay": ns}` (2.7.1+). Older servers take it as a plain nak: redelivered at once, so a
   * backoff burns deliveries instead of waiting.
   */
  readonly nakWithDelay: boolean;
  /**
   * Consumer pause at the server (`$JS.API.CONSUMER.PAUSE`, 2.11+). Without it intake can be
   * paused only inside each bridge: other bridges on the same consumer keep pulling.
   */
  readonly consumerPause: boolean;
  /**
   * Priority groups on pull consumers (overflow, pinned client; 2.11+). Without them every bridge
   * pulls: no single active bridge with warm standbys.
   */
  readonly priorityGroups: boolean;
  /**
   * `filter_subjects`, several filters on one consumer (2.10+). Older servers drop the unknown
   * field and create a consumer with no filter at all: it delivers every subject.
   */
  readonly multipleFilters: boolean;
  /** A consumer's filter subject can be changed in place (2.10+); before, only by recreating it. */
  readonly updatableFilterSubject: boolean;
  /** A stream's retention can move between limits and interest in place (2.10+); before, never. */
  readonly updatableRetention: boolean;
}

type FeatureName = Exclude<keyof ServerFeatures, 'version'>;

/** The first release with each feature, from the nats-server sources of those tags. */
export const FEATURE_SINCE: Readonly<Record<FeatureName, string>> = {
  termWithReason: '2.10.4',
  nakWithDelay: '2.7.1',
  consumerPause: '2.11.0',
  priorityGroups: '2.11.0',
  multipleFilters: '2.10.0',
  updatableFilterSubject: '2.10.0',
  updatableRetention: '2.10.0',
};

export interface ServerVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  /** Set for `-beta`, `-RC.1` and the like: ranks below the release of the same number. */
  readonly preRelease: boolean;
}

/** `2.10.4`, `v2.11.0-RC.1`, `2.12.2+build`; undefined when it is no such version. */
export function parseServerVersion(version: string): ServerVersion | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(version.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), preRelease: m[4] !== undefined };
}

/** Negative, zero or positive as `a` is older than, the same as, or newer than `b`. */
export function compareVersions(a: ServerVersion, b: ServerVersion): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.patch - b.patch ||
    (a.preRelease === b.preRelease ? 0 : a.preRelease ? -1 : 1)
  );
}

/** The features of a server reporting `version`; none when it is missing or unreadable. */
export function serverFeatures(version: string | undefined): ServerFeatures {
  const parsed = parseServerVersion(version ?? '');
  const has = (name: FeatureName): boolean =>
    parsed !== undefined && compareVersions(parsed, parseServerVersion(FEATURE_SINCE[name])!) >= 0;
  return {
    version: version ?? '',
    termWithReason: has('termWithReason'),
    nakWithDelay: has('nakWithDelay'),
    consumerPause: has('consumerPause'),
    priorityGroups: has('priorityGroups'),
    multipleFilters: has('multipleFilters'),
    updatableFilterSubject: has('updatableFilterSubject'),
    updatableRetention: has('updatableRetention'),
  };
}

/** The features of the server `nc` is connected to now (none before it has connected). */
export function featuresOf(nc: Pick<NatsConnection, 'info'>): ServerFeatures {
  return serverFeatures(nc.info?.version);
}
