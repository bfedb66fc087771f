/**
 * The options of the operator's commands (provision, publish, status, dlq, monitor, dashboard; a
 * switch several of them take, such as `--json`, once), in the option table (option-table.ts).
 */
import { STAGE_NAMES } from '../../workflows/names';
import type { DeadLetterKind } from '../dead-letters/dead-letters';
import { deadline } from './history-kinds';
import { choice, httpUrl, onOff, streamSequence, text, texts, wholeNumber } from './option-kinds';
import { option } from './option-spec';
import { CHOSEN } from './topology';

/** The port the dashboard listens on unless told otherwise. */
export const DEFAULT_DASHBOARD_PORT = 9470;
/** Where the Temporal dev server serves its web UI (`temporal server start-dev` prints it). */
export const DEFAULT_TEMPORAL_UI_URL = 'http://127.0.0.1:8233';

/** Every kind of dead letter the bridge records: a record of the type's members, so none is missed. */
const DEAD_LETTER_KINDS = Object.keys({
  poison: true,
  failed: true,
  conflict: true,
  stuck: true,
  terminated: true,
  cancelled: true,
  'timed-out': true,
} satisfies Record<DeadLetterKind, true>) as DeadLetterKind[];

/* The order of the entries is the order of the flags in help and of the rows in the README. */
export const OPERATE_OPTIONS = {
  /** Update drifted fields JetStream can change in place. Default: only report drift. */
  apply: option({
    flag: '--apply',
    commands: ['provision'],
    ...onOff(),
    help: 'update drifted fields that JetStream can change in place',
    defaultLabel: 'only report drift',
  }),
  /** Change nothing; show what would be done. Default: none. */
  dryRun: option({
    flag: '--dry-run',
    commands: ['provision'],
    ...onOff(),
    help: 'change nothing; show what would be done',
  }),
  /** Replicas of the stream and the objects beside it. Default: 1. */
  replicas: option({
    flag: '--replicas <n>',
    commands: ['provision'],
    ...wholeNumber(1, 5),
    unit: 'count',
    help: 'stream replicas, 1-5; use 3 on a NATS cluster',
    // Not a default of its own: without the flag, replicas are what topology.ts chooses.
    defaultLabel: String(CHOSEN.replicas),
  }),
  /** NEW's and DISPATCH's max ack pending: orders in flight across all bridges. Default: 1000. */
  maxAckPending: option({
    flag: '--max-ack-pending <n>',
    commands: ['provision'],
    ...wholeNumber(1, 1_000_000),
    unit: 'count',
    help: "orders in flight at once across all bridges, per stage (the work-queue consumers' max ack pending)",
    // Not a default of its own: without the flag, it is what topology.ts chooses.
    defaultLabel: String(CHOSEN.maxAckPending),
  }),
  /** Register orderflow's search attributes on the namespace (or not). Default: when Temporal is configured. */
  searchAttributes: option({
    flag: '--search-attributes',
    commands: ['provision'],
    ...onOff(),
    help: "register orderflow's search attributes on the Temporal namespace",
    negation: 'leave the Temporal namespace alone',
    defaultLabel: 'when Temporal is configured',
  }),
  /** Warm standby: NEW and DISPATCH pinned to one bridge at a time. Default: none. */
  standbyTopology: option({
    flag: '--standby',
    commands: ['provision'],
    ...onOff(),
    help: 'warm standby: NEW and DISPATCH pinned to one bridge at a time (`orderflow bridge --standby`; nats-server 2.11+)',
    readme: { meaning: '[warm standby](#warm-standby-bridges): NEW and DISPATCH pinned to one bridge at a time' },
  }),
  /** With --standby, the pin's TTL: how long a pinned bridge may go without pulling, in s. Default: 10. */
  takeoverAfter: option({
    flag: '--takeover-after <s>',
    commands: ['provision'],
    ...wholeNumber(3, 3600),
    unit: 's',
    help: 'with --standby: seconds a pinned bridge may go without pulling before a standby takes over, 3-3600',
    defaultLabel: String(CHOSEN.standbyTakeoverNs / 1e9),
  }),
  /** Generate and publish this many valid demo orders. Default: none. */
  count: option({
    flag: '--count <n>',
    commands: ['publish'],
    ...wholeNumber(1, 1_000_000),
    unit: 'count',
    help: 'generate and publish N valid demo orders',
  }),
  /** The ID of one order given by flags. Default: none. */
  orderId: option({
    flag: '--order-id <id>',
    commands: ['publish'],
    ...text('give an order ID'),
    help: 'publish one order given by flags',
  }),
  /** The customer of the --order-id order. Default: none. */
  customer: option({
    flag: '--customer <id>',
    commands: ['publish'],
    ...text('give a customer ID'),
    help: 'customer of the --order-id order',
  }),
  /** The ISO 4217 currency of the --order-id order. Default: EUR. */
  currency: option({
    flag: '--currency <code>',
    commands: ['publish'],
    ...text('give an ISO 4217 currency code'),
    default: 'EUR',
    help: 'ISO 4217 currency of the --order-id order',
  }),
  /** The lines of the --order-id order, one per flag. Default: none. */
  item: option({
    flag: '--item <sku:qty:price>',
    commands: ['publish'],
    ...texts('give sku:quantity:unit price'),
    repeatable: true,
    help: 'a line of the --order-id order; repeat for more',
  }),
  /** Entries of the --order-id order's metadata (string values), one key=value per flag. Default: none. */
  metadata: option({
    flag: '--metadata <key=value>',
    commands: ['publish'],
    ...texts('give key=value'),
    repeatable: true,
    help: "an entry of the --order-id order's metadata (a string); repeat for more",
  }),
  /** The runs that this stream message of ORDERS started. Default: none. */
  seq: option({
    flag: '--seq <n>',
    commands: ['status'],
    ...streamSequence(),
    unit: 'seq',
    help: 'the runs this stream message of ORDERS started (each stage run, failed runs and reruns)',
  }),
  /** How long the summary collects JetStream's sampled ack delays, in s. Default: 2. */
  sampleSeconds: option({
    flag: '--sample-seconds <s>',
    commands: ['status'],
    ...wholeNumber(0, 600),
    default: 2,
    unit: 's',
    help: "summary: how long to collect JetStream's sampled ack delays",
  }),
  /** Redrive every dead letter. Default: none. */
  all: option({
    flag: '--all',
    commands: ['dlq redrive'],
    ...onOff(),
    help: 'every dead letter',
  }),
  /** A corrected payload for the one dead letter named, validated before anything is published. Default: none. */
  payload: option({
    flag: '--payload <file>',
    commands: ['dlq redrive'],
    ...text('give the path of a readable file'),
    help: 'a corrected payload for the one dead letter named (validated first)',
  }),
  /** Only the dead letters of this kind. Default: any. */
  deadLetterKind: option({
    flag: '--kind <kind>',
    commands: ['dlq list', 'dlq purge'],
    ...choice(DEAD_LETTER_KINDS, 'dead letter kind', `use ${DEAD_LETTER_KINDS.join(', ')}`),
    help: `only dead letters of this kind: ${DEAD_LETTER_KINDS.join(', ')}`,
    defaultLabel: 'any',
  }),
  /** Only the dead letters of this stage's consumer. Default: every stage. */
  deadLetterStage: option({
    flag: '--stage <stage>',
    commands: ['dlq list', 'dlq purge'],
    ...choice(STAGE_NAMES, 'stage', `use ${STAGE_NAMES.join(', ')}`),
    help: "only dead letters of this stage's consumer (process: NEW, dispatch: DISPATCH)",
    defaultLabel: 'every stage',
  }),
  /** When an operator's pause of a stage ends by itself: that long from now, or a time. Default: until `orderflow resume`. */
  pauseUntil: option({
    flag: '--until <duration|time>',
    commands: ['pause'],
    ...deadline(),
    help: 'resume by itself this long from now (30m, 2h, 1d) or at this ISO 8601 time',
    defaultLabel: 'until `orderflow resume`',
  }),
  /** Why the stage is paused, shown by status, the bridges' metric and logs. Default: none. */
  pauseReason: option({
    flag: '--reason <text>',
    commands: ['pause'],
    ...text('say why, in a few words'),
    help: 'why, shown with the pause by status and the bridges',
  }),
  /** Who pauses or resumes, recorded with the pause. Default: your OS user. */
  pauseBy: option({
    flag: '--by <name>',
    commands: ['pause', 'resume'],
    ...text('give a name'),
    help: { pause: 'who pauses, recorded with the pause', resume: 'who resumes, in the reply and the logs' },
    defaultLabel: 'your OS user',
  }),
  /** Address the dashboard listens on; any but a loopback one needs ORDERFLOW_DASHBOARD_TOKEN. Default: 127.0.0.1. */
  dashboardHost: option({
    flag: '--host <address>',
    env: 'ORDERFLOW_DASHBOARD_HOST',
    commands: ['dashboard'],
    ...text('give a host name or address'),
    default: '127.0.0.1',
    help: 'address to listen on',
  }),
  /** Port the dashboard listens on, 0 for any free one. Default: 9470. */
  dashboardPort: option({
    flag: '--port <port>',
    env: 'ORDERFLOW_DASHBOARD_PORT',
    commands: ['dashboard'],
    ...wholeNumber(0, 65_535),
    default: DEFAULT_DASHBOARD_PORT,
    help: 'port to listen on, 0 for any free one',
  }),
  /** The Temporal web UI, for links to each run. Default: http://127.0.0.1:8233. */
  temporalUiUrl: option({
    flag: '--temporal-ui-url <url>',
    env: 'ORDERFLOW_TEMPORAL_UI_URL',
    commands: ['dashboard'],
    ...httpUrl('give the address the Temporal web UI is served on'),
    default: DEFAULT_TEMPORAL_UI_URL,
    help: 'the Temporal web UI, for links to each run',
  }),
  /** Print JSON instead of text. Default: none. */
  json: option({
    flag: '--json',
    commands: ['provision', 'publish', 'plan', 'status', 'dlq list', 'monitor'],
    ...onOff(),
    help: {
      provision: 'print the report as JSON',
      publish: 'print one JSON object per order: {orderId, seq, duplicate, conflict}',
      plan: 'print the plans as JSON',
      status: 'print JSON',
      'dlq list': 'one JSON object per dead letter',
      monitor: 'one JSON event per line instead of the live view',
    },
  }),
  /** Go ahead without asking. Default: none. */
  yes: option({
    flag: '--yes',
    commands: ['dlq purge', 'rerun'],
    ...onOff(),
    help: {
      'dlq purge': 'confirm without asking (required when stdin is not a terminal)',
      rerun: 'start without asking',
    },
  }),
};
