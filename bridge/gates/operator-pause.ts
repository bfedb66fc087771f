/**
 * Operators' pauses as one bridge sees them: it watches the ORDERFLOW_PAUSES bucket (any
 * nats-server: KV watches work on 2.9) and tells, per stage, the pause in force now. A pause whose
 * --until passes ends here by itself, at its deadline, as the server ends its own on 2.11+. Read
 * once before the bridge's first pull, so a bridge started while a stage is paused takes nothing of
 * it. Revisions order what the watch and the first read say, so an older record never wins.
 */
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';

import type { StageName } from '../../workflows/names';
import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import type { StagePause } from '../../shared/pause/stage-pause';
import { describePause, inForce, openPauses, pauseOf } from '../../shared/pause/stage-pause';

/** setTimeout's longest wait, in ms; a deadline further ahead is waited for in steps. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export type PauseListener = (stage: StageName, pause: StagePause | undefined) => void;

interface Known {
  readonly revision: number;
  readonly pause: StagePause | undefined;
  /** What listeners were told last: the pause in force, or undefined. */
  told: StagePause | undefined;
  timer?: NodeJS.Timeout;
}

export class OperatorPauses {
  private readonly known = new Map<StageName, Known>();
  private watch: { stop(): void } | undefined;
  private stopped = false;

  constructor(
    private readonly stages: readonly StageName[],
    private readonly onChange: PauseListener,
    private readonly logger: Logger,
  ) {}

  /** The operator's pause of `stage` in force now, if any. */
  current(stage: StageName): StagePause | undefined {
    const pause = this.known.get(stage)?.pause;
    return inForce(pause) ? pause : undefined;
  }

  /** Starts watching; resolves once every stage's record has been read. A NATS without the bucket: none. */
  async start(nc: NatsConnection): Promise<void> {
    const kv = await openPauses(nc);
    if (!kv) {
      this.logger.warn('no ORDERFLOW_PAUSES bucket: operators cannot pause a stage; run `orderflow provision`');
      return;
    }
    const iterator = await kv.watch();
    this.watch = iterator;
    void (async () => {
      for await (const entry of iterator) this.learn(entry.key as StageName, entry.revision, entry);
    })().catch((err: unknown) => this.logger.warn('watching operators’ pauses failed', { error: messageOf(err) }));
    await this.readNow(kv);
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    for (const known of this.known.values()) clearTimeout(known.timer);
  }

  private async readNow(kv: KV): Promise<void> {
    for (const stage of this.stages) {
      const entry = await kv.get(stage);
      if (entry) this.learn(stage, entry.revision, entry);
    }
  }

  /** A record (or its deletion) at `revision`: kept when newer than what is known. */
  private learn(stage: StageName, revision: number, entry: Pick<KvWatchEntry, 'operation' | 'value'>): void {
    if (this.stopped || !this.stages.includes(stage)) return;
    const before = this.known.get(stage);
    if (before && before.revision >= revision) return;
    clearTimeout(before?.timer);
    const known: Known = { revision, pause: pauseOf(entry), told: before?.told };
    this.known.set(stage, known);
    this.tell(stage, known);
  }

  /** Tells listeners what is in force now, and waits for the deadline of a pause that has one. */
  private tell(stage: StageName, known: Known): void {
    if (this.stopped) return;
    const now = this.current(stage);
    const { told } = known;
    if (JSON.stringify(now) !== JSON.stringify(told)) {
      known.told = now;
      if (now) this.logger.info(`stage ${stage} ${describePause(now)}; taking none of its orders`, { stage });
      else
        this.logger.info(`stage ${stage} resumed${told && !known.pause ? '' : ': its pause ended by itself'}`, {
          stage,
          ...(told ? { pausedBy: told.by } : {}),
        });
      this.onChange(stage, now);
    }
    if (now?.until === undefined) return;
    const left = Date.parse(now.until) - Date.now();
    known.timer = setTimeout(() => this.tell(stage, known), Math.min(Math.max(left, 0) + 1, LONGEST_TIMER_MS));
    known.timer.unref();
  }
}
