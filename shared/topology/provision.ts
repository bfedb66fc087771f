/**
 * Brings a NATS account to the ORDERS topology: creates what is missing, reports drift field by
 * field, and (when asked) updates what JetStream can change in place. Idempotent.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import { isJsApiError } from '../../activities/nats/api-codes';

import { consumerConfigs, streamConfig } from '../config/topology';
import { STREAM } from '../../workflows/names';
import type { FieldDrift, ObjectKind, ServerFeatures } from './diff';
import { serverFeatures } from '../nats/server-features';
import { diffConfig, updatableChanges } from './diff';

export type ObjectState = 'missing' | 'in-sync' | 'drift';
export type ObjectAction = 'none' | 'create' | 'update' | 'report';

export interface ObjectPlan {
  readonly kind: ObjectKind;
  readonly name: string;
  readonly state: ObjectState;
  readonly drift: readonly FieldDrift[];
}

export interface ObjectOutcome extends ObjectPlan {
  /** What was done (or, in a dry run, would be done). */
  readonly action: ObjectAction;
  /** Drift still present afterwards: immutable fields, or everything when not applying. */
  readonly remaining: readonly FieldDrift[];
}

export interface ProvisionOptions {
  /** Update fields JetStream can change in place. Default: false (drift is only reported). */
  readonly apply?: boolean;
  /** Change nothing; report what would be done. Default: false. */
  readonly dryRun?: boolean;
  /** Stream replicas. Default: `CHOSEN.replicas` (1). */
  readonly replicas?: number;
  /** NEW's and DISPATCH's max ack pending. Default: `CHOSEN.maxAckPending` (1000). */
  readonly maxAckPending?: number;
  /**
   * Warm standby: NEW and DISPATCH pinned to one bridge at a time, with this takeover time (the
   * pin's TTL), in ns. Default: none (the seed's consumers; a standby consumer is reported as drift).
   */
  readonly standbyTakeoverNs?: number;
}

export interface ProvisionReport {
  readonly serverVersion: string;
  readonly objects: readonly ObjectOutcome[];
  /** True when every object now matches (or would match, in a dry run) the desired configuration. */
  readonly inSync: boolean;
  readonly changed: boolean;
}

function isNotFound(err: unknown): boolean {
  return isJsApiError(err, 'streamNotFound', 'consumerNotFound');
}

async function loadOrUndefined<T>(load: () => Promise<T>): Promise<T | undefined> {
  try {
    return await load();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function planObject(
  kind: ObjectKind,
  name: string,
  desired: object,
  actual: object | undefined,
  features: ServerFeatures,
): ObjectPlan {
  if (!actual) return { kind, name, state: 'missing', drift: [] };
  const drift = diffConfig(kind, desired as Record<string, unknown>, actual as Record<string, unknown>, features);
  return { kind, name, state: drift.length ? 'drift' : 'in-sync', drift };
}

/** Compares the server's topology with the desired one. Reads only. */
async function planTopology(
  jsm: JetStreamManager,
  serverVersion: string,
  options: Pick<ProvisionOptions, 'replicas' | 'standbyTakeoverNs' | 'maxAckPending'> = {},
): Promise<ObjectPlan[]> {
  const features = serverFeatures(serverVersion);
  const stream = await loadOrUndefined(() => jsm.streams.info(STREAM));
  const plans = [planObject('stream', STREAM, streamConfig(options), stream?.config, features)];
  for (const desired of consumerConfigs(options)) {
    const actual = stream ? await loadOrUndefined(() => jsm.consumers.info(STREAM, desired.durable_name)) : undefined;
    plans.push(planObject('consumer', desired.durable_name, desired, actual?.config, features));
  }
  return plans;
}

function decide(plan: ObjectPlan, apply: boolean): { action: ObjectAction; remaining: readonly FieldDrift[] } {
  switch (plan.state) {
    case 'missing':
      return { action: 'create', remaining: [] };
    case 'in-sync':
      return { action: 'none', remaining: [] };
    case 'drift': {
      const immutable = plan.drift.filter((d) => d.immutable);
      const canUpdate = apply && immutable.length < plan.drift.length;
      return { action: canUpdate ? 'update' : 'report', remaining: apply ? immutable : plan.drift };
    }
  }
}

async function execute(
  jsm: JetStreamManager,
  plan: ObjectPlan,
  action: ObjectAction,
  options: Pick<ProvisionOptions, 'replicas' | 'standbyTakeoverNs' | 'maxAckPending'>,
): Promise<void> {
  const desiredConsumer = consumerConfigs(options).find((c) => c.durable_name === plan.name);
  if (action === 'create') {
    if (plan.kind === 'stream') await jsm.streams.add(streamConfig(options));
    else if (desiredConsumer) await jsm.consumers.add(STREAM, desiredConsumer);
  } else if (action === 'update') {
    const changes = updatableChanges(plan.drift);
    if (plan.kind === 'stream') await jsm.streams.update(STREAM, changes);
    else await jsm.consumers.update(STREAM, plan.name, changes);
  }
}

/** Plans and, unless `dryRun`, carries out the changes. */
export async function provisionTopology(
  jsm: JetStreamManager,
  serverVersion: string,
  options: ProvisionOptions = {},
): Promise<ProvisionReport> {
  const plans = await planTopology(jsm, serverVersion, options);
  const objects: ObjectOutcome[] = [];
  for (const plan of plans) {
    const { action, remaining } = decide(plan, options.apply ?? false);
    if (!options.dryRun) await execute(jsm, plan, action, options);
    objects.push({ ...plan, action, remaining });
  }
  return {
    serverVersion,
    objects,
    inSync: objects.every((o) => o.remaining.length === 0),
    changed: objects.some((o) => o.action === 'create' || o.action === 'update'),
  };
}
