/**
 * A replicated stream's state as its cluster reports it (stream info `cluster`): who leads it
 * (a server_name) and whether every replica is caught up. The cluster test kills the leader and
 * waits here for the stream to be whole again.
 */
import type { JetStreamManager, StreamInfo } from '@nats-io/jetstream';

export interface StreamPlacement {
  /** server_name of the leader; undefined while none is elected. */
  readonly leader?: string;
  /** Replicas configured (the leader included). */
  readonly replicas: number;
  /** The followers, each with whether it is current (caught up) and online. */
  readonly followers: ReadonlyArray<{ readonly name: string; readonly current: boolean; readonly offline: boolean }>;
}

export function placementOf(info: StreamInfo): StreamPlacement {
  return {
    ...(info.cluster?.leader ? { leader: info.cluster.leader } : {}),
    replicas: info.config.num_replicas,
    followers: (info.cluster?.replicas ?? []).map((r) => ({ name: r.name, current: r.current, offline: r.offline })),
  };
}

/** Whether the stream has a leader and every configured replica is online and current. */
export function isWhole(p: StreamPlacement): boolean {
  return (
    p.leader !== undefined && p.followers.length === p.replicas - 1 && p.followers.every((f) => f.current && !f.offline)
  );
}

/** The stream's current placement, or undefined while no server answers for it (an election). */
export async function streamPlacement(jsm: JetStreamManager, stream: string): Promise<StreamPlacement | undefined> {
  try {
    return placementOf(await jsm.streams.info(stream));
  } catch {
    return undefined;
  }
}

/** server_name of the stream's leader, or undefined while none answers. */
export async function streamLeader(jsm: JetStreamManager, stream: string): Promise<string | undefined> {
  return (await streamPlacement(jsm, stream))?.leader;
}

export interface WaitOptions {
  /** Longest wait, in ms. Default: 60000. */
  readonly timeoutMs?: number;
  /** Look this often, in ms. Default: 250. */
  readonly pollMs?: number;
  /** Ends the wait early (it then rejects). */
  readonly signal?: AbortSignal;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `accept` holds for the stream's placement; resolves with it and the time waited.
 * Rejects at the timeout or abort, naming the last placement seen.
 */
export async function waitForPlacement(
  jsm: JetStreamManager,
  stream: string,
  what: string,
  accept: (p: StreamPlacement) => boolean,
  options: WaitOptions = {},
): Promise<{ placement: StreamPlacement; waitedMs: number }> {
  const began = Date.now();
  const timeoutMs = options.timeoutMs ?? 60_000;
  let last: StreamPlacement | undefined;
  while (Date.now() - began < timeoutMs && !options.signal?.aborted) {
    last = (await streamPlacement(jsm, stream)) ?? last;
    const seen = last;
    if (seen && accept(seen)) return { placement: seen, waitedMs: Date.now() - began };
    await sleep(options.pollMs ?? 250);
  }
  throw new Error(`stream ${stream}: no ${what} after ${Date.now() - began} ms (last seen ${JSON.stringify(last)})`);
}

/** Waits until the stream has a leader other than `previous` (a failover after killing it). */
export function waitForNewLeader(
  jsm: JetStreamManager,
  stream: string,
  previous: string,
  options: WaitOptions = {},
): Promise<{ placement: StreamPlacement; waitedMs: number }> {
  return waitForPlacement(
    jsm,
    stream,
    `leader other than ${previous}`,
    (p) => p.leader !== undefined && p.leader !== previous,
    options,
  );
}

/** Waits until the stream has a leader and all its replicas are current again (after a restart). */
export function waitForWholeStream(
  jsm: JetStreamManager,
  stream: string,
  options: WaitOptions = {},
): Promise<{ placement: StreamPlacement; waitedMs: number }> {
  return waitForPlacement(jsm, stream, 'leader with every replica current', isWhole, options);
}
