/**
 * The dashboard's pause and resume of a stage: `POST /api/stages/<stage>/pause` with a JSON body
 * `{ reason?, until? }` (until: a duration from now, 30m, 2h, 1d, or an ISO 8601 time) and
 * `POST /api/stages/<stage>/resume`, both through operate/pause as `orderflow pause` and `resume`
 * do. Guarded as every action is (http.ts: the dashboard token where one is set). The pause is
 * recorded as by the token's name, or `dashboard` on a loopback bind without a token (no one is
 * named there). A refusal (unknown stage, bad or past until, a stage not paused) is a 4xx with a
 * one-line JSON error.
 */
import type http from 'node:http';

import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';

import type { StageName } from '../../workflows/names';
import { deadline, deadlineAt } from '../../shared/config/history-kinds';
import { parseValue } from '../../shared/config/read-options';
import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';
import { NotPausedError, pauseLine, pauseStage, resumeLine, resumeStage, stageNamed } from '../pause/pause';
import type { DashboardAccess } from './auth';
import { HttpError, guardAction, pathSegment, readJson, sendJson } from './http';

export interface StageActionDeps {
  readonly access: DashboardAccess;
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly logger: Logger;
  /** Polls the state again and sends it to every open page. */
  readonly settled: () => Promise<void>;
}

export interface StageActionPath {
  /** The stage as the path names it, still URL-encoded. */
  readonly stage: string;
  readonly verb: 'pause' | 'resume';
}

/** The stage and verb of `/api/stages/<stage>/(pause|resume)`; undefined for any other path. */
export function stageActionPath(path: string): StageActionPath | undefined {
  const match = /^\/api\/stages\/([^/]+)\/(pause|resume)$/.exec(path);
  return match ? { stage: match[1]!, verb: match[2] === 'pause' ? 'pause' : 'resume' } : undefined;
}

/** Who a pause from the dashboard is recorded as when no token names anyone. */
const NAMELESS = 'dashboard';
/** Longest reason taken, in characters (it becomes a metric label and a log field). */
const MAX_REASON = 500;

/** The body's text field `name`, trimmed; '' when absent; a 400 when it is not text. */
function textField(body: Record<string, unknown>, name: string): string {
  const value = body[name];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new HttpError(400, `${name} must be a string`);
  return value.trim();
}

/** The pause a body asks for, read at `now`: its reason and deadline. */
function pauseAsked(body: Record<string, unknown>, now: number): { reason: string; until?: Date } {
  const reason = textField(body, 'reason');
  if (reason.length > MAX_REASON) throw new HttpError(400, `reason: longer than ${MAX_REASON} characters`);
  const untilText = textField(body, 'until');
  if (!untilText) return { reason };
  return { reason, until: deadlineAt(parseValue(deadline(), 'until', untilText), now) };
}

async function pause(deps: StageActionDeps, stage: StageName, by: string, body: Record<string, unknown>) {
  const now = Date.now();
  const result = await pauseStage(deps.nc, deps.jsm, { stage, by, now, ...pauseAsked(body, now) });
  const { reason, until } = result.pause;
  return {
    answer: { ...result, message: pauseLine(result) },
    log: { reason, until, replaced: Boolean(result.replaced) },
  };
}

async function resume(deps: StageActionDeps, stage: StageName, by: string) {
  try {
    const result = await resumeStage(deps.nc, deps.jsm, stage, Date.now());
    return { answer: { ...result, message: resumeLine(stage, by, result.pause) }, log: { pausedBy: result.pause.by } };
  } catch (err) {
    // Not an input error: the stage's state is not the one a resume needs.
    if (err instanceof NotPausedError) throw new HttpError(409, err.message);
    throw err;
  }
}

/** Pauses or resumes the stage `stageArg` names, answering with the pause and the command's line. */
export async function stageAction(
  deps: StageActionDeps,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  { stage: stageArg, verb }: StageActionPath,
): Promise<void> {
  const base = { action: verb, stage: stageArg, remote: req.socket.remoteAddress };
  const who = guardAction(deps.access, deps.logger, req, base);
  const log = { ...base, who };
  try {
    const stage = stageNamed(pathSegment(stageArg, 'stage'));
    const by = deps.access.token ? who : NAMELESS;
    const body = await readJson(req);
    const done = verb === 'pause' ? await pause(deps, stage, by, body) : await resume(deps, stage, by);
    deps.logger.info('dashboard action', { ...log, by, ...done.log, atServer: done.answer.atServer });
    await deps.settled().catch(() => undefined);
    sendJson(res, 200, done.answer);
  } catch (err) {
    deps.logger.warn('dashboard action failed', { ...log, error: messageOf(err) });
    throw err;
  }
}
