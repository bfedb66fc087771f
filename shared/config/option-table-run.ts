/**
 * The options of `orderflow bridge` and `worker` (and of `dev` and `plan`, which run or load the
 * same pipeline), in the option table (option-table.ts). Each doc comment becomes the doc of the
 * BridgeOptions / WorkerOptions field and says the default and the unit (a unit test checks the
 * default against the entry's).
 */
import { DEFAULT_TASK_QUEUE, STAGE_NAMES } from '../../workflows/names';
import { buildId, moduleFile, onOff, portOrOff, stageList, taskQueueName, text, wholeNumber } from './option-kinds';
import { option } from './option-spec';

const STAGE_QUEUE_HELP = 'Temporal task queue of the stage workflows';

/* The order of the entries is the order of the flags in help and of the rows in the README. */
export const RUN_OPTIONS = {
  /**
   * Path of the pipeline module (.js, .mjs, .cjs, or TypeScript: .ts, .mts, .cts) whose functions
   * the stages run. Default: the built-in demo.
   */
  functions: option({
    flag: '--functions <module>',
    env: 'ORDERFLOW_FUNCTIONS',
    commands: ['bridge', 'worker', 'dev', 'plan'],
    ...moduleFile(),
    help: 'your pipeline module (.js, .mjs, .cjs, or TypeScript: .ts, .mts, .cts)',
    defaultLabel: 'the built-in demo',
    readme: { meaning: 'your pipeline module; see [Writing a function](#writing-a-function)' },
  }),
  /**
   * Temporal task queue: for the bridge (and rerun), that of the stage workflows; for a worker, the
   * one it serves (the pipeline's, or a queue its functions name). Default: orderflow.
   */
  taskQueue: option({
    flag: '--task-queue <name>',
    env: 'ORDERFLOW_TASK_QUEUE',
    commands: ['bridge', 'worker', 'plan', 'rerun'],
    ...taskQueueName(),
    default: DEFAULT_TASK_QUEUE,
    help: {
      bridge: STAGE_QUEUE_HELP,
      rerun: STAGE_QUEUE_HELP,
      plan: "the pipeline's task queue",
      worker:
        "queue this worker serves: the pipeline's queue (stage workflows and functions without a queue of " +
        'their own), or a queue your functions name, to host only those',
    },
  }),
  /**
   * The build this worker records with each stage it runs.
   * Default: package name@version of the module plus a digest of the pipeline.
   */
  buildId: option({
    flag: '--build-id <id>',
    env: 'ORDERFLOW_BUILD_ID',
    commands: ['worker', 'dev'],
    ...buildId(),
    help: 'the build recorded with each stage this worker runs',
    defaultLabel: 'package name@version of the module plus a digest of the pipeline',
    readme: {
      default: 'derived',
      meaning:
        'the build recorded with each stage this worker runs (default: package name@version of the module plus a ' +
        'digest of the pipeline)',
    },
  }),
  /** Stages this bridge runs. Default: process,dispatch. */
  stages: option({
    flag: '--stages <list>',
    env: 'ORDERFLOW_STAGES',
    commands: ['bridge'],
    ...stageList(),
    default: STAGE_NAMES,
    help: 'stages this bridge runs, comma-separated',
  }),
  /** Messages one bridge holds at once per stage; at most the consumer's max ack pending. Default: 32. */
  maxInFlight: option({
    flag: '--max-in-flight <n>',
    env: 'ORDERFLOW_MAX_IN_FLIGHT',
    commands: ['bridge'],
    ...wholeNumber(1, 10_000),
    default: 32,
    unit: 'count',
    help: "messages held at once per stage (at most the consumer's max ack pending, 1000)",
  }),
  /**
   * Runs per stage whose completion is long-polled; beyond them, runs are found closed by one
   * visibility query every 500 ms for the whole stage. Default: 100.
   */
  resultLongPolls: option({
    flag: '--result-long-polls <n>',
    env: 'ORDERFLOW_RESULT_LONG_POLLS',
    commands: ['bridge'],
    ...wholeNumber(0, 10_000),
    default: 100,
    unit: 'count',
    help: 'runs per stage whose completion is long-polled (the rest: one visibility query every 500 ms)',
  }),
  /**
   * Failed runs of an order's own workflow before its message is dead-lettered. Redeliveries
   * after a crash, a shutdown or a lapsed ack wait, and the system's faults, are not counted. Default: 5.
   */
  maxDeliveries: option({
    flag: '--max-deliveries <n>',
    env: 'ORDERFLOW_MAX_DELIVERIES',
    commands: ['bridge'],
    ...wholeNumber(1, 1000),
    default: 5,
    unit: 'count',
    help: "failed runs of an order's own workflow before it is dead-lettered",
  }),
  /** First nak delay after a failed workflow, in ms; doubles per delivery. Default: 2000. */
  nakDelayMs: option({
    flag: '--nak-delay-ms <ms>',
    env: 'ORDERFLOW_NAK_DELAY_MS',
    commands: ['bridge'],
    ...wholeNumber(0, 3_600_000),
    default: 2000,
    unit: 'ms',
    help: 'first redelivery delay after a failed workflow, doubling per delivery',
  }),
  /** Largest nak delay, in ms; never below nakDelayMs. Default: 60000. */
  nakDelayMaxMs: option({
    flag: '--nak-delay-max-ms <ms>',
    env: 'ORDERFLOW_NAK_DELAY_MAX_MS',
    commands: ['bridge'],
    ...wholeNumber(0, 86_400_000),
    default: 60_000,
    unit: 'ms',
    help: 'largest redelivery delay',
  }),
  /** Activities running at once. Default: 100. */
  maxConcurrentActivities: option({
    flag: '--max-activities <n>',
    env: 'ORDERFLOW_MAX_ACTIVITIES',
    commands: ['worker'],
    ...wholeNumber(1, 10_000),
    default: 100,
    unit: 'count',
    help: 'activities running at once',
  }),
  /** Workflow tasks running at once (the SDK needs at least 2). Default: 40. */
  maxConcurrentWorkflowTasks: option({
    flag: '--max-workflow-tasks <n>',
    env: 'ORDERFLOW_MAX_WORKFLOW_TASKS',
    commands: ['worker'],
    ...wholeNumber(2, 10_000),
    default: 40,
    unit: 'count',
    help: 'workflow tasks running at once',
  }),
  /**
   * At shutdown, how long in-flight orders (bridge) or running activities (worker) may still
   * finish, in ms. Default: 30000.
   */
  shutdownGraceMs: option({
    flag: '--shutdown-grace-ms <ms>',
    env: 'ORDERFLOW_SHUTDOWN_GRACE_MS',
    commands: ['bridge', 'worker'],
    ...wholeNumber(0, 3_600_000),
    default: 30_000,
    unit: 'ms',
    help: {
      bridge: 'time in-flight orders get to finish at shutdown',
      worker: 'time running activities get at shutdown',
    },
  }),
  /** How long one pull waits for messages, in ms. Default: 2000. */
  fetchExpiresMs: option({
    flag: '--fetch-expires-ms <ms>',
    env: 'ORDERFLOW_FETCH_EXPIRES_MS',
    commands: ['bridge'],
    ...wholeNumber(500, 60_000),
    default: 2000,
    unit: 'ms',
    help: 'how long one pull request waits for messages',
  }),
  /** A run whose workflow task keeps failing this long is parked as a `stuck` dead letter, in ms. Default: 300000. */
  stuckAfterMs: option({
    flag: '--stuck-after-ms <ms>',
    env: 'ORDERFLOW_STUCK_AFTER_MS',
    commands: ['bridge'],
    ...wholeNumber(0, 86_400_000),
    default: 300_000,
    unit: 'ms',
    help: 'a run whose workflow task keeps failing this long is dead-lettered as `stuck`',
  }),
  /** How often a run still going after this long is checked for a failing workflow task, in ms. Default: 10000. */
  stuckCheckMs: option({
    flag: '--stuck-check-ms <ms>',
    env: 'ORDERFLOW_STUCK_CHECK_MS',
    commands: ['bridge'],
    ...wholeNumber(100, 3_600_000),
    default: 10_000,
    unit: 'ms',
    help: 'how often a run still going is checked for that',
  }),
  /** How often the task queue is checked for a polling worker, in ms. Default: 5000. */
  workerCheckMs: option({
    flag: '--worker-check-ms <ms>',
    env: 'ORDERFLOW_WORKER_CHECK_MS',
    commands: ['bridge'],
    ...wholeNumber(100, 3_600_000),
    default: 5000,
    unit: 'ms',
    help: 'how often the task queue is checked for a polling worker',
  }),
  /** A worker not seen polling for this long is gone, in ms (an idle long poll lasts ~70 s). Default: 120000. */
  workerStaleMs: option({
    flag: '--worker-stale-ms <ms>',
    env: 'ORDERFLOW_WORKER_STALE_MS',
    commands: ['bridge'],
    ...wholeNumber(1000, 86_400_000),
    default: 120_000,
    unit: 'ms',
    help: 'a worker not seen polling this long is gone (an idle long poll lasts ~70 s)',
  }),
  /**
   * While intake is paused, consumers are paused at the server (2.11+) this far ahead, renewed every
   * third of it: how long a pause outlives a bridge that died holding it, in ms. Default: 30000.
   */
  pauseLeaseMs: option({
    flag: '--pause-lease-ms <ms>',
    env: 'ORDERFLOW_PAUSE_LEASE_MS',
    commands: ['bridge'],
    ...wholeNumber(1000, 3_600_000),
    default: 30_000,
    unit: 'ms',
    help: 'how far ahead a consumer is paused at the server, renewed while the fault lasts',
  }),
  /**
   * Warm standby: share NEW and DISPATCH with other standby bridges, only the one the server pins
   * pulling (nats-server 2.11+, consumers provisioned with `orderflow provision --standby`). Default: off.
   */
  standby: option({
    flag: '--standby',
    env: 'ORDERFLOW_STANDBY',
    commands: ['bridge'],
    ...onOff(),
    help: 'warm standby: pull only while the server pins this bridge (nats-server 2.11+)',
    defaultLabel: 'off',
    readme: { meaning: 'pull only while pinned: [warm standby](#warm-standby-bridges)' },
  }),
  /**
   * Port of the health server (/metrics, /healthz, /readyz); 0 for any free one; undefined (`off`)
   * for none. A port named that is taken is an error; the default, taken, is swapped for a free
   * one, which the log names (several workers on one host). Default: 9464 (bridge), 9465 (worker), 9466 (dev).
   */
  metricsPort: option({
    flag: '--metrics-port <port|off>',
    env: 'ORDERFLOW_METRICS_PORT',
    commands: ['bridge', 'worker', 'dev'],
    ...portOrOff(),
    defaults: { bridge: 9464, worker: 9465, dev: 9466 },
    help: '/metrics, /healthz, /readyz port, 0 for any, off for none; the default, if taken: a free one',
  }),
  /** Address the health server binds to (127.0.0.1: not reachable from other machines). Default: 127.0.0.1. */
  metricsHost: option({
    flag: '--metrics-host <host>',
    env: 'ORDERFLOW_METRICS_HOST',
    commands: ['bridge', 'worker', 'dev'],
    ...text('give a host name or address'),
    default: '127.0.0.1',
    help: 'address they bind to',
  }),
};
