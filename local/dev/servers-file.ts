/**
 * Where a running `orderflow dev` is: the file it writes in its data folder once everything runs
 * (`dev-servers.json`: its NATS, its Temporal and the ORDERS stream it provisioned), removed when
 * it stops, so that other commands run in the same folder use its servers, as the `nats` CLI's
 * contexts let every command find a server. A dev that was killed leaves the file behind: the
 * file counts only while the process holding the folder's lock (run-lock.ts) is the one that
 * wrote it and is alive.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { JetStreamManager } from '@nats-io/jetstream';
import { z } from 'zod';

import { isJsApiError } from '../../activities/nats/api-codes';
import { messageOf } from '../../shared/errors';
import { STREAM } from '../../workflows/names';
import { liveLockHolder } from './run-lock';

export const DEV_SERVERS_FILE = 'dev-servers.json';

const serversFile = z.object({
  /** The dev process. */
  pid: z.number().int().positive(),
  nats: z.object({ servers: z.array(z.string()).min(1), started: z.boolean() }),
  temporal: z.object({
    address: z.string(),
    namespace: z.string(),
    uiUrl: z.string().optional(),
    started: z.boolean(),
  }),
  /** The ORDERS stream dev provisioned, told apart from any other by its creation time. */
  stream: z.object({ name: z.string(), created: z.string() }),
  dashboard: z.string().optional(),
  metrics: z.string().optional(),
});

/** What a running dev wrote about its servers. */
export type DevServers = z.infer<typeof serversFile>;

/** The dev found in a data folder, or why none was. */
export type DevLookup =
  { readonly running: true; readonly servers: DevServers } | { readonly running: false; readonly why: string };

/**
 * Writes `servers` into `dataDir` for other commands to find; returns the function that removes
 * the file (only while it is still this process's).
 */
function writeDevServers(dataDir: string, servers: DevServers): () => void {
  const file = path.join(dataDir, DEV_SERVERS_FILE);
  // Written whole, then renamed: a command reading it never sees half a file.
  const partial = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(partial, `${JSON.stringify(servers, null, 2)}\n`);
  fs.renameSync(partial, file);
  return () => {
    if (readServersFile(file)?.pid === servers.pid) fs.rmSync(file, { force: true });
  };
}

/** What dev knows of itself once everything runs (DevStack's fields). */
export interface RunningStack {
  readonly dataDir: string;
  readonly nats: { readonly servers: readonly string[] };
  readonly natsStarted: boolean;
  readonly temporal: { readonly address: string; readonly namespace: string; readonly uiUrl?: string };
  readonly temporalStarted: boolean;
  readonly dashboard: { readonly url: string };
  readonly metrics?: { readonly url: string };
}

/**
 * Records where this dev's servers are, in its data folder; `streamCreatedAt`: the creation time of
 * the ORDERS stream it provisioned. Returns the function that removes the record.
 */
export function recordDevServers(stack: RunningStack, streamCreatedAt: string | undefined): () => void {
  return writeDevServers(stack.dataDir, {
    pid: process.pid,
    nats: { servers: [...stack.nats.servers], started: stack.natsStarted },
    temporal: { ...stack.temporal, started: stack.temporalStarted },
    // Provisioning made or kept the stream: it has a creation time. `unknown` matches no stream.
    stream: { name: STREAM, created: streamCreatedAt ?? 'unknown' },
    dashboard: stack.dashboard.url,
    ...(stack.metrics ? { metrics: stack.metrics.url } : {}),
  });
}

/** The file's record, or undefined when there is none or it is not one (`invalid` says why). */
function readServersFile(file: string, invalid?: (why: string) => void): DevServers | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = serversFile.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    invalid?.(parsed.error.issues[0]?.message ?? 'not a record of servers');
  } catch (err) {
    invalid?.(messageOf(err));
  }
  return undefined;
}

/**
 * The orderflow dev running on `dataDir` (`shown` is how messages name the folder), read from the
 * file it wrote and checked against the folder's lock: a file left by a dev that was killed, or
 * one that is being replaced by a dev still starting, is not a running dev.
 */
export function findRunningDev(dataDir: string, shown: string): DevLookup {
  const holder = liveLockHolder(dataDir);
  let problem: string | undefined;
  const servers = readServersFile(path.join(dataDir, DEV_SERVERS_FILE), (why) => (problem = why));
  if (servers && holder === servers.pid) return { running: true, servers };
  if (holder !== undefined) return { running: false, why: `the orderflow dev of ${shown} (pid ${holder}) is starting` };
  if (problem !== undefined) {
    return { running: false, why: `${path.join(shown, DEV_SERVERS_FILE)} is not valid (${problem})` };
  }
  if (servers) return { running: false, why: `the orderflow dev of ${shown} (pid ${servers.pid}) is not running` };
  return { running: false, why: `no orderflow dev runs in ${shown}` };
}

/** When the ORDERS stream was created, as its info says; undefined when there is no such stream. */
export async function streamCreated(jsm: JetStreamManager): Promise<string | undefined> {
  try {
    return (await jsm.streams.info(STREAM)).created;
  } catch (err) {
    if (isJsApiError(err, 'streamNotFound')) return undefined;
    throw err;
  }
}

/**
 * Why the ORDERS stream `jsm` reaches is not the one the dev of `shown` provisioned, naming both;
 * undefined when it is that one.
 */
export async function streamMismatch(
  jsm: JetStreamManager,
  at: string,
  dev: DevServers,
  shown: string,
): Promise<string | undefined> {
  const created = await streamCreated(jsm);
  if (created === dev.stream.created) return undefined;
  const devs = `orderflow dev (${shown}) provisioned one there, created ${dev.stream.created}`;
  if (created === undefined) return `${at} has no ${STREAM} stream, though ${devs}`;
  return (
    `the ${STREAM} stream at ${at} (created ${created}) is not the one orderflow dev (${shown}) ` +
    `provisioned (created ${dev.stream.created}): another server may hold dev's port, or the stream was made again`
  );
}
