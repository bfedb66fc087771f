/**
 * Field-by-field comparison of a desired JetStream configuration with the one a server holds,
 * and which differences JetStream can change in place. Pure: no server access.
 */
import type { ServerFeatures as AllServerFeatures } from '../nats/server-features';

export type ObjectKind = 'stream' | 'consumer';

export interface FieldDrift {
  readonly field: string;
  readonly desired: unknown;
  readonly actual: unknown;
  /** Why JetStream will not change this field in place, and what to do; absent when updatable. */
  readonly immutable?: string;
}

/**
 * Values a server may report for a field left at its default, which all mean the same setting.
 * Without this, a server that omits `filter_subject` would look different from one sending ''.
 */
function normalize(value: unknown): unknown {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value;
  return value;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

/** What the diff needs to know of the server, from the one version table (shared/nats/server-features.ts). */
export type ServerFeatures = Pick<AllServerFeatures, 'updatableFilterSubject' | 'updatableRetention'>;

function streamImmutability(
  field: string,
  actual: unknown,
  desired: unknown,
  features: ServerFeatures,
): string | undefined {
  const recreate =
    'back up the stream (`nats stream backup ORDERS <dir>`), delete it and run `orderflow provision` again, ' +
    'then republish';
  switch (field) {
    case 'storage':
    case 'max_consumers':
      return `JetStream cannot change a stream's ${field} in place; ${recreate}`;
    case 'retention':
      // Limits <-> interest is an in-place update since nats-server 2.10; work-queue retention can
      // be neither entered nor left on an existing stream by any version.
      if (actual === 'workqueue' || desired === 'workqueue') {
        return `JetStream cannot change a stream's ${field} in place; ${recreate}`;
      }
      return features.updatableRetention
        ? undefined
        : `this nats-server (before 2.10) cannot change a stream's retention in place; ${recreate}`;
    case 'deny_delete':
    case 'deny_purge':
    case 'sealed':
      return actual === true && desired === false
        ? `JetStream cannot turn ${field} off once it is on; the stream must be recreated (back it up first)`
        : undefined;
    default:
      return undefined;
  }
}

function consumerImmutability(
  name: string,
  field: string,
  actual: unknown,
  desired: unknown,
  features: ServerFeatures,
): string | undefined {
  const recreate =
    `delete the consumer (\`nats consumer rm ORDERS ${name} -f\`) and run \`orderflow provision\` again. ` +
    'Deleting it forgets which orders were acknowledged: with deliver policy "all" every stored order ' +
    'is handed to the bridge again, and only those still within Temporal retention are recognised as done';
  switch (field) {
    case 'durable_name':
    case 'deliver_policy':
    case 'opt_start_seq':
    case 'opt_start_time':
    case 'ack_policy':
    case 'replay_policy':
    case 'flow_control':
    case 'idle_heartbeat':
      return `JetStream cannot change a consumer's ${field} in place; ${recreate}`;
    case 'deliver_subject':
      // A push consumer can move to another subject, but pull and push cannot turn into each other.
      return normalize(actual) === undefined || normalize(desired) === undefined
        ? `JetStream cannot turn a pull consumer into a push one or back; ${recreate}`
        : undefined;
    // priority_groups, priority_policy, priority_timeout (warm standby, 2.11+) change in place:
    // nats-server 2.12.2's checkNewConsumerConfig refuses none of them, and an update records them.
    // Taking the policy away while a bridge holds the pin holds the consumer's plain pulls back
    // until that pin's TTL lapses (the server keeps the pin id until its timer fires).
    case 'filter_subject':
      return features.updatableFilterSubject
        ? undefined
        : `this nats-server (before 2.10) cannot change a consumer's filter subject in place; ${recreate}`;
    default:
      return undefined;
  }
}

/** Differences between `desired` and `actual` over the fields `desired` names. */
export function diffConfig(
  kind: ObjectKind,
  desired: Readonly<Record<string, unknown>>,
  actual: Readonly<Record<string, unknown>>,
  features: ServerFeatures,
): FieldDrift[] {
  const id = desired.durable_name ?? desired.name;
  const name = typeof id === 'string' ? id : '';
  return Object.keys(desired)
    .filter((field) => !same(desired[field], actual[field]))
    .map((field) => {
      const immutable =
        kind === 'stream'
          ? streamImmutability(field, actual[field], desired[field], features)
          : consumerImmutability(name, field, actual[field], desired[field], features);
      return { field, desired: desired[field], actual: actual[field], ...(immutable ? { immutable } : {}) };
    });
}

/** The updatable drifted fields with their desired values: what to send as an in-place update. */
export function updatableChanges(drift: readonly FieldDrift[]): Record<string, unknown> {
  return Object.fromEntries(drift.filter((d) => !d.immutable).map((d) => [d.field, d.desired]));
}
