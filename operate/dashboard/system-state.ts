/**
 * What the dashboard's server polls every few seconds, beside the live events: each stage's
 * consumer (pending, ack pending, redelivered, paused at the server), its running workflows, the
 * newest dead letters, and the alerts it can derive. Temporal's reachability and the task queue's
 * pollers are watched with the bridge's own TemporalHealth and WorkerPresence.
 *
 * Alerts shown: Temporal unreachable (or throttling, or the namespace refused); intake paused (a
 * stage's consumer paused at the server, nats-server 2.11+, while no operator's pause of the stage
 * is in force: an operator's pause is no fault, and shows with its stage instead); no worker
 * polling the stage workflows' task queue (a poller counts as gone after WorkerPresence's 2 minutes); stuck
 * workflows: dead letters of kind `stuck`, and running workflows older than a minute whose
 * workflow task keeps failing (attempt 2 or more; ten of them are described per poll).
 *
 * Each poll also looks up the dead letters of the recent orders' latest messages (order-states.ts),
 * so that a dead-lettered order shows as dead-lettered, not as the subject it stopped on.
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Client } from '@temporalio/client';

import { DEFAULT_TASK_QUEUE, DLQ_STREAM, STAGES, STREAM } from '../../workflows/names';
import type { StageName } from '../../workflows/names';
import type { DeadLetterRecord } from '../dlq/dead-letter-store';
import { getDeadLetter } from '../dlq/dead-letter-store';
import { messageOf } from '../../shared/errors';
import { silentLogger } from '../../shared/log';
import { namespaceScopedError } from '../../shared/temporal/faults';
import { TemporalHealth } from '../../shared/temporal/health';
import { WorkerPresence } from '../../shared/temporal/worker-presence';
import type { PauseOnRecord } from '../../shared/pause/stage-pause';
import type { RecentOrder } from '../monitor/aggregator';
import type { OrderView } from './order-states';
import { DeadLetteredOrders } from './order-states';

export interface StageView {
  readonly stage: StageName;
  readonly consumer: string;
  /** Workflows of the stage running now (Temporal's visibility count). */
  readonly inFlight?: number;
  readonly pending?: number;
  readonly ackPending?: number;
  readonly redelivered?: number;
  readonly paused?: boolean;
  /** An operator's pause of the stage on record (`orderflow pause`, the page's button): in force, or ended by its --until. */
  readonly operatorPause?: PauseOnRecord;
}

export type DeadLetterView = Omit<DeadLetterRecord, 'payload'> & { readonly payloadText: string };

export interface Alert {
  readonly kind: 'temporal' | 'paused' | 'no-worker' | 'stuck' | 'nats';
  readonly message: string;
}

export interface SystemState {
  readonly time: string;
  readonly stages: readonly StageView[];
  readonly deadLetters: readonly DeadLetterView[];
  readonly deadLetterTotal: number;
  readonly alerts: readonly Alert[];
}

export interface SystemStateOptions {
  readonly client: Client;
  /** For the health probe and the task queue check: a client without the SDK's retries. Default: `client`. */
  readonly probeClient?: Client;
  readonly jsm: JetStreamManager;
  /** The stage workflows' task queue. Default: `orderflow`. */
  readonly taskQueue?: string;
  /** Between polls, in ms. Default: 3000. */
  readonly pollEveryMs?: number;
  /** Newest dead letters shown. Default: 50. */
  readonly deadLetterLimit?: number;
  /** The orders the page lists, whose latest messages' dead letters each poll looks up. Default: none. */
  readonly recentOrders?: () => readonly RecentOrder[];
  /** The operators' pauses on record (ORDERFLOW_PAUSES). Default: none. */
  readonly pauses?: () => Promise<readonly PauseOnRecord[]>;
}

const STUCK_AFTER_MS = 60_000;

export class SystemStateWatch {
  private state: SystemState = {
    time: new Date(0).toISOString(),
    stages: [],
    deadLetters: [],
    deadLetterTotal: 0,
    alerts: [],
  };
  private temporalFault: string | undefined;
  private noWorker: string | undefined;
  private readonly health: TemporalHealth;
  private readonly presence: WorkerPresence;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  /** The dead letters read last, kept while ORDERS_DLQ's sequences do not change. */
  private letters: { key: string; list: DeadLetterView[] } | undefined;
  private readonly deadLettered: DeadLetteredOrders;

  constructor(private readonly options: SystemStateOptions) {
    this.deadLettered = new DeadLetteredOrders(options.jsm);
    const client = options.probeClient ?? options.client;
    this.health = new TemporalHealth({
      probe: (signal) =>
        client
          .withAbortSignal(signal, () =>
            client.withDeadline(Date.now() + 2000, () =>
              client.workflowService.describeNamespace({ namespace: client.options.namespace }),
            ),
          )
          .catch((err: unknown) => {
            throw namespaceScopedError(err, client.options.namespace);
          }),
      onChange: (reason) => (this.temporalFault = reason),
      // Its lines speak of the bridge's intake; the dashboard shows the state instead.
      logger: silentLogger,
    });
    this.presence = new WorkerPresence({
      client,
      taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
      purpose: 'the stage workflows',
      onChange: (reason) => (this.noWorker = reason),
      reportFault: (err) => this.health.report(err),
      logger: silentLogger,
      checkEveryMs: 5000,
      staleAfterMs: 120_000,
    });
  }

  get current(): SystemState {
    return this.state;
  }

  /** The orders with their states, dead letters as of the last poll. */
  orderViews(orders: readonly RecentOrder[]): OrderView[] {
    return this.deadLettered.views(orders);
  }

  async start(): Promise<void> {
    await Promise.all([this.health.start(), this.presence.start()]);
    await this.poll();
    const every = this.options.pollEveryMs ?? 3000;
    const loop = (): void => {
      this.timer = setTimeout(() => {
        this.polling = this.poll().finally(loop);
      }, every);
    };
    loop();
  }

  /** Polls now (after an action, so the page does not wait for the next beat). */
  refresh(): Promise<void> {
    return this.poll();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.all([this.health.stop(), this.presence.stop(), this.polling]);
  }

  private async poll(): Promise<void> {
    const alerts: Alert[] = [];
    const stages: StageView[] = [];
    const temporalUp = this.temporalFault === undefined;
    const pauses = (await this.options.pauses?.().catch(() => undefined)) ?? [];
    for (const spec of Object.values(STAGES)) {
      const operatorPause = pauses.find((p) => p.stage === spec.name);
      const info = await this.options.jsm.consumers.info(STREAM, spec.consumer).catch((err: unknown) => {
        alerts.push({ kind: 'nats', message: `cannot read consumer ${spec.consumer}: ${messageOf(err)}` });
        return undefined;
      });
      const inFlight = temporalUp ? await this.running(spec.workflowType) : undefined;
      if (info?.paused && !operatorPause?.inForce)
        alerts.push({
          kind: 'paused',
          message: `intake paused: consumer ${spec.consumer} (stage ${spec.name}) is paused at the server`,
        });
      stages.push({
        stage: spec.name,
        consumer: spec.consumer,
        ...(inFlight !== undefined ? { inFlight } : {}),
        ...(operatorPause ? { operatorPause } : {}),
        ...(info
          ? {
              pending: info.num_pending,
              ackPending: info.num_ack_pending,
              redelivered: info.num_redelivered,
              paused: Boolean(info.paused),
            }
          : {}),
      });
    }
    if (this.temporalFault) alerts.unshift({ kind: 'temporal', message: `Temporal unusable: ${this.temporalFault}` });
    if (this.noWorker)
      alerts.push({
        kind: 'no-worker',
        message: `stages ${Object.keys(STAGES).join(', ')} have no worker: ${this.noWorker}`,
      });
    const { list, total } = await this.deadLetters().catch(() => ({ list: this.letters?.list ?? [], total: 0 }));
    const stuckLetters = list.filter((d) => d.kind === 'stuck');
    if (stuckLetters.length)
      alerts.push({
        kind: 'stuck',
        message: `${stuckLetters.length} order(s) parked as stuck: ${stuckLetters.map((d) => d.orderId ?? `dead letter ${d.id}`).join(', ')}`,
      });
    if (temporalUp) for (const message of await this.failingWorkflowTasks()) alerts.push({ kind: 'stuck', message });
    await this.deadLettered.refresh(this.options.recentOrders?.() ?? []);
    this.state = { time: new Date().toISOString(), stages, deadLetters: list, deadLetterTotal: total, alerts };
  }

  private async running(workflowType: string): Promise<number | undefined> {
    return this.options.client.workflow
      .count(`WorkflowType = '${workflowType}' AND ExecutionStatus = 'Running'`)
      .then((r) => r.count)
      .catch(() => undefined);
  }

  /** The newest dead letters (read again only when ORDERS_DLQ changed), and how many there are. */
  private async deadLetters(): Promise<{ list: DeadLetterView[]; total: number }> {
    const { state } = await this.options.jsm.streams.info(DLQ_STREAM);
    const key = `${state.first_seq}-${state.last_seq}-${state.messages}`;
    if (this.letters?.key === key) return { list: this.letters.list, total: state.messages };
    const list: DeadLetterView[] = [];
    const limit = this.options.deadLetterLimit ?? 50;
    for (let seq = state.last_seq; seq >= state.first_seq && seq > 0 && list.length < limit; seq -= 1) {
      // A removed dead letter leaves a gap.
      const record = await getDeadLetter(this.options.jsm, seq).catch(() => undefined);
      if (!record) continue;
      const { payload, ...rest } = record;
      list.push({ ...rest, payloadText: new TextDecoder().decode(payload) });
    }
    this.letters = { key, list };
    return { list, total: state.messages };
  }

  /** Running workflows older than a minute whose workflow task keeps failing (ten of them at most). */
  private async failingWorkflowTasks(): Promise<string[]> {
    const { client } = this.options;
    const before = new Date(Date.now() - STUCK_AFTER_MS).toISOString();
    const found: string[] = [];
    try {
      const ids: string[] = [];
      for await (const run of client.workflow.list({
        query: `ExecutionStatus = 'Running' AND StartTime < '${before}'`,
        pageSize: 10,
      })) {
        ids.push(run.workflowId);
        if (ids.length >= 10) break;
      }
      for (const id of ids) {
        const d = await client.workflow.getHandle(id).describe();
        const attempt = d.raw.pendingWorkflowTask?.attempt ?? 0;
        if (attempt >= 2)
          found.push(`workflow ${id}: its workflow task keeps failing (attempt ${attempt}); fix the workers`);
      }
    } catch {
      // A run that closed meanwhile, or visibility that cannot answer: nothing to say this time.
    }
    return found;
  }
}
