/**
 * The ORDERS topology, exactly as the NATS documentation's Consumers "Example" page configures it
 * (see the README), plus the settings the page leaves to defaults, each chosen on purpose here.
 * This is the one place these values live: provisioning, the bridge and the tests read them. The
 * objects' names live in workflows/names.
 *
 * Durations are nanoseconds, as the JetStream API takes them.
 */
import type { ConsumerConfig, PriorityPolicy, StreamConfig } from '@nats-io/jetstream';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';

import {
  CONSUMERS,
  DLQ_STREAM,
  DLQ_SUBJECT_PREFIX,
  MONITOR_SUBJECT,
  STANDBY_GROUP,
  STREAM,
  SUBJECTS,
} from '../../workflows/names';

const SECOND_NS = 1_000_000_000;
const DAY_NS = 86_400 * SECOND_NS;

/**
 * Settings the seed leaves to defaults. Each with its value and the reason for it.
 */
export const CHOSEN = {
  /**
   * Stream duplicate window: 10 minutes (server default 2 minutes). Publishes carry a Nats-Msg-Id
   * (the order ID for intake, `orderflow/out/<stage>/<revision>/<orderId>` for stage outputs:
   * workflows/names/message-ids.ts), and an activity that published but died before recording it is
   * retried by Temporal after a backoff or a worker restart; 10 minutes covers that retry. Beyond
   * the window, the output's intent record and a search of the stream after it keep the output
   * single (activities/stage-output.ts), and the workflow-ID policy keeps a repeated intake message
   * from running an order twice: this window is the fast path, not the only line. The cost is one
   * remembered ID per message for 10 minutes (about 100 bytes each).
   */
  duplicateWindowNs: 10 * 60 * SECOND_NS,
  /**
   * Stream replicas: 1 (server default). One server is the embedded default; on a NATS cluster
   * pass `--replicas 3` to `orderflow provision` so the stream survives the loss of a server.
   */
  replicas: 1,
  /**
   * Work-queue consumers' ack wait: 30 seconds (server default). The bridge tells JetStream it is
   * still working every third of it, so a long activity never causes a redelivery, while the
   * orders of a bridge that died come back to another bridge within 30 seconds.
   */
  ackWaitNs: 30 * SECOND_NS,
  /**
   * Work-queue consumers' max ack pending: 1000 (server default). The cap on orders in flight
   * across every bridge sharing a consumer; each bridge's own in-flight bound must stay below it.
   * Opt-in above it (`orderflow provision --max-ack-pending 10000`, like `--replicas`): functions
   * that wait minutes hold that many orders in flight, and a plain provision then reports drift.
   */
  maxAckPending: 1000,
  /** Pull requests that may wait at once: 512 (server default), ample for many bridges. */
  maxWaiting: 512,
  /**
   * Warm standby's takeover time: 10 seconds (`orderflow provision --standby --takeover-after`),
   * the pinned client's TTL (`priority_timeout`; server default 2 minutes). A pinned bridge that
   * makes no pull for this long loses the pin to a standby: the time a dead bridge holds up the
   * stage. Short enough that a crash costs seconds, not minutes; long enough (the bridges pull
   * every third of it) that a busy machine or a brief network stall does not hand the pin over.
   */
  standbyTakeoverNs: 10 * SECOND_NS,
} as const;

/** The stream, as `nats stream add ORDERS --subjects "ORDERS.*" --ack --max-msgs=-1 ...` creates it. */
export function streamConfig(options: { replicas?: number } = {}): Partial<StreamConfig> & { name: string } {
  return {
    name: STREAM,
    subjects: ['ORDERS.*'],
    retention: RetentionPolicy.Limits,
    max_consumers: -1,
    max_msgs_per_subject: -1,
    max_msgs: -1,
    max_bytes: -1,
    max_age: 365 * DAY_NS,
    max_msg_size: -1,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: options.replicas ?? CHOSEN.replicas,
    duplicate_window: CHOSEN.duplicateWindowNs,
    sealed: false,
    deny_delete: false,
    deny_purge: false,
    allow_rollup_hdrs: false,
    allow_direct: true,
  };
}

/** The priority policy of warm standby (the library exports the policies as a type only). */
export const PINNED_CLIENT: PriorityPolicy = 'pinned_client';

export type DesiredConsumer = Partial<ConsumerConfig> & { durable_name: string };

export interface ConsumerOptions {
  /**
   * Warm standby: NEW and DISPATCH get the priority group STANDBY_GROUP with a pinned client, so one
   * bridge pulls and the others wait (nats-server 2.11+). Its value is the pin's TTL, in ns.
   * Default: none, the seed's consumers (no priority group).
   */
  readonly standbyTakeoverNs?: number;
  /** NEW's and DISPATCH's max ack pending. Default: CHOSEN.maxAckPending. */
  readonly maxAckPending?: number;
}

/**
 * The priority fields of a work-queue consumer. Without standby they are named, unset, so that
 * provision reports a standby consumer as differing from the seed's and `--apply` takes it back.
 */
function priorityFields(options: ConsumerOptions): Partial<ConsumerConfig> {
  if (options.standbyTakeoverNs === undefined) {
    return { priority_groups: undefined, priority_policy: undefined, priority_timeout: undefined };
  }
  return {
    priority_groups: [STANDBY_GROUP],
    priority_policy: PINNED_CLIENT,
    priority_timeout: options.standbyTakeoverNs,
  };
}

function workQueueConsumer(name: string, filterSubject: string, options: ConsumerOptions): DesiredConsumer {
  return {
    durable_name: name,
    filter_subject: filterSubject,
    ack_policy: AckPolicy.Explicit,
    ack_wait: CHOSEN.ackWaitNs,
    deliver_policy: DeliverPolicy.All,
    max_deliver: -1,
    max_ack_pending: options.maxAckPending ?? CHOSEN.maxAckPending,
    max_waiting: CHOSEN.maxWaiting,
    replay_policy: ReplayPolicy.Instant,
    sample_freq: '100',
    ...priorityFields(options),
  };
}

/** The three consumers, as the seed's `nats consumer add` commands create them (and warm standby, when asked). */
export function consumerConfigs(options: ConsumerOptions = {}): DesiredConsumer[] {
  return [
    workQueueConsumer(CONSUMERS.new, SUBJECTS.received, options),
    workQueueConsumer(CONSUMERS.dispatch, SUBJECTS.processed, options),
    {
      durable_name: CONSUMERS.monitor,
      deliver_subject: MONITOR_SUBJECT,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.Last,
      max_deliver: -1,
      replay_policy: ReplayPolicy.Instant,
    },
  ];
}

/**
 * The dead-letter stream. Nothing expires or is discarded: a dead letter leaves only by an
 * explicit command. Each dead letter has a subject of its own (deadLetterSubject) and is published
 * only while that subject is empty, so recording one twice (a bridge that died between recording
 * and terminating) keeps one copy, within the duplicate window or long after it.
 */
export function deadLetterStreamConfig(options: { replicas?: number } = {}): Partial<StreamConfig> & { name: string } {
  return {
    name: DLQ_STREAM,
    subjects: [`${DLQ_SUBJECT_PREFIX}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    max_age: 0,
    num_replicas: options.replicas ?? CHOSEN.replicas,
    duplicate_window: CHOSEN.duplicateWindowNs,
  };
}
