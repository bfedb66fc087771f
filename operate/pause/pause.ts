/**
 * An operator's pause of a stage, and its end: `orderflow pause` and `orderflow resume`, and the
 * dashboard's button. The pause is recorded in the ORDERFLOW_PAUSES bucket first (every bridge
 * watches it and stops pulling the stage, on any nats-server), then, where the server has consumer
 * pause (2.11+), the stage's consumer is paused at the server too, with the same deadline, so that
 * nothing is delivered to any client of it (a bridge of an older orderflow, the `nats` CLI).
 */
import type { JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';

import type { StageName } from '../../workflows/names';
import { STAGE_NAMES, STAGES, STREAM } from '../../workflows/names';
import { choice } from '../../shared/config/option-kinds';
import { parseValue } from '../../shared/config/read-options';
import { ConfigError, TopologyMissingError, UserError } from '../../shared/errors';
import { featuresOf } from '../../shared/nats/server-features';
import type { StagePause } from '../../shared/pause/stage-pause';
import {
  describePause,
  encodePause,
  inForce,
  openPauses,
  pauseOf,
  serverDeadline,
} from '../../shared/pause/stage-pause';
import { isJsApiError } from '../../activities/nats/api-codes';

/** Thrown when `orderflow resume` names a stage that is not paused (never, or its --until passed). */
export class NotPausedError extends UserError {
  override readonly name = 'NotPausedError';
  readonly exitCode = 1;
  constructor(
    readonly stage: StageName,
    readonly lapsed?: StagePause,
  ) {
    super(
      `stage ${stage} is not paused` +
        (lapsed ? ` (the pause by ${lapsed.by} ended by itself at ${lapsed.until})` : '; nothing to resume'),
    );
  }
}

export interface PauseRequest {
  readonly stage: StageName;
  readonly by: string;
  readonly reason: string;
  /** When it ends by itself; absent: at a resume. */
  readonly until?: Date;
  /** Now, in ms since the epoch (the command's start). */
  readonly now: number;
}

export interface PauseResult {
  readonly pause: StagePause;
  /** The pause this one replaced (pausing twice updates who, why and until when). */
  readonly replaced?: StagePause;
  /** Whether the consumer was paused (or resumed) at the server too: nats-server 2.11+. */
  readonly atServer: boolean;
}

async function pausesOf(nc: NatsConnection): Promise<KV> {
  const kv = await openPauses(nc);
  if (!kv) throw new TopologyMissingError('this NATS has no ORDERFLOW_PAUSES bucket; run `orderflow provision` first');
  return kv;
}

/** Runs a call on the stage's consumer at the server, one line when the consumer is missing. */
async function onConsumer<T>(stage: StageName, call: (consumer: string) => Promise<T>): Promise<T> {
  const { consumer } = STAGES[stage];
  try {
    return await call(consumer);
  } catch (err) {
    if (isJsApiError(err, 'streamNotFound') || (err instanceof Error && /consumer not found/i.test(err.message)))
      throw new TopologyMissingError(`${STREAM} has no consumer ${consumer}; run \`orderflow provision\` first`);
    throw err;
  }
}

/** Pauses `stage` for every bridge (or updates its pause); refuses a deadline that is not ahead. */
export async function pauseStage(
  nc: NatsConnection,
  jsm: JetStreamManager,
  request: PauseRequest,
): Promise<PauseResult> {
  const { stage, by, reason, until, now } = request;
  if (until && until.getTime() <= now)
    throw new ConfigError('--until', `${until.toISOString()} is not in the future`, 'give a later time or a duration');
  const kv = await pausesOf(nc);
  const previous = pauseOf(await kv.get(stage));
  const pause: StagePause = {
    stage,
    by,
    reason,
    since: new Date(now).toISOString(),
    ...(until ? { until: until.toISOString() } : {}),
  };
  // The record first: it is what every bridge honours, on any server.
  await kv.put(stage, encodePause(pause));
  const atServer = featuresOf(nc).consumerPause;
  if (atServer) {
    await onConsumer(stage, (consumer) => jsm.consumers.pause(STREAM, consumer, serverDeadline(pause)));
  }
  return { pause, ...(inForce(previous, now) ? { replaced: previous } : {}), atServer };
}

/** Resumes `stage`; NotPausedError when it is not paused. Returns the pause it ended. */
export async function resumeStage(
  nc: NatsConnection,
  jsm: JetStreamManager,
  stage: StageName,
  now: number,
): Promise<PauseResult> {
  const kv = await pausesOf(nc);
  const pause = pauseOf(await kv.get(stage));
  if (!inForce(pause, now)) throw new NotPausedError(stage, pause);
  await kv.delete(stage);
  const atServer = featuresOf(nc).consumerPause;
  // A bridge holding the consumer paused for a fault of its own (Temporal away) pauses it again.
  if (atServer) await onConsumer(stage, (consumer) => jsm.consumers.resume(STREAM, consumer));
  return { pause, atServer };
}

/** The pause in one line, for the commands' replies and logs. */
export function pauseLine(result: PauseResult): string {
  const { pause, replaced, atServer } = result;
  const where = atServer
    ? `its consumer ${STAGES[pause.stage].consumer} paused at the server too`
    : 'every bridge stops pulling it (this nats-server has no consumer pause)';
  return `stage ${pause.stage} ${replaced ? 'pause updated' : 'paused'}: ${describePause(pause)}; ${where}`;
}

/** The end of a pause in one line: `stage process resumed by bob (was paused by alice until resumed: deploy)`. */
export function resumeLine(stage: StageName, by: string, ended: StagePause): string {
  return `stage ${stage} resumed by ${by} (was ${describePause(ended)})`;
}

/** The stage an argument names; one line naming it and the stages there are when it is none. */
export function stageNamed(arg: string): StageName {
  return parseValue(choice(STAGE_NAMES, 'stage', `use ${STAGE_NAMES.join(' or ')}`), 'stage', arg);
}
