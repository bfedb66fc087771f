/**
 * Flat memory: an `orderflow bridge` process (default options: both stages, 32 in flight each)
 * started on a stream with a backlog waiting, its RSS sampled every 200 ms while it works for a
 * fixed time. What it holds should be bounded by its in-flight limit, not by the backlog. Each
 * backlog on fresh servers, with an in-process worker so that the bridge really works.
 */
import fs from 'node:fs';

import { STAGES, STREAM } from '../../workflows/names';
import { demoOrders } from '../../shared/orders/demo';
import type { Pipeline } from '../harness/pipeline';
import { killProcess, spawnBridgeProcess, startPipeline } from '../harness/pipeline';
import { stopAllServers } from '../harness/servers';
import { PRODUCTION_BRIDGE_ENV } from './end-to-end';
import { pool } from './stats';
import { PIPELINES, startBenchWorker } from './workers';

const SAMPLE_MS = 200;
/** Publishes in flight while the backlog is written. */
const PUBLISH_WINDOW = 1024;

export interface BacklogRss {
  readonly backlog: number;
  /** Highest RSS sampled, in MB. */
  readonly peakMb: number;
  /** When it was sampled, in seconds after the bridge process was spawned: a start transient or a climb. */
  readonly peakAtS: number;
  /** RSS when the bridge said it consumes (before its first order), in MB. */
  readonly consumingMb: number;
  /** RSS at the end of the sampling, in MB. */
  readonly lastMb: number;
  /** Orders the bridge acked on the NEW stage while sampled. */
  readonly acked: number;
  readonly publishPerS: number;
}

function rssKb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** The backlog, published fast: a window of async publishes (the bodies built ahead). */
async function publishBacklog(p: Pipeline, count: number): Promise<number> {
  const bodies = demoOrders(count, { prefix: `m${count}-`, seed: 9 }).map((o) => JSON.stringify(o));
  const started = performance.now();
  await pool(bodies, PUBLISH_WINDOW, async (body) => void (await p.js.publish(STAGES.process.inputSubject, body)));
  return count / ((performance.now() - started) / 1000);
}

async function ackFloor(p: Pipeline): Promise<number> {
  return (await p.jsm.consumers.info(STREAM, STAGES.process.consumer)).ack_floor.stream_seq;
}

export async function rssUnderBacklog(backlog: number, drainSeconds: number): Promise<BacklogRss> {
  const p = await startPipeline();
  try {
    const worker = await startBenchWorker(p, PIPELINES.regular);
    try {
      const publishPerS = await publishBacklog(p, backlog);
      const floorBefore = await ackFloor(p);
      const child = spawnBridgeProcess(p, PRODUCTION_BRIDGE_ENV);
      const spawnedAt = performance.now();
      let consumingKb = 0;
      const onOutput = (chunk: Buffer): void => {
        if (consumingKb === 0 && chunk.toString().includes('bridge consuming')) consumingKb = rssKb(child.pid!);
      };
      child.stdout?.on('data', onOutput);
      child.stderr?.on('data', onOutput);
      let peakKb = 0;
      let peakAt = 0;
      let lastKb = 0;
      const until = performance.now() + drainSeconds * 1000;
      try {
        while (performance.now() < until) {
          if (child.exitCode !== null) throw new Error(`the bridge process exited (${child.exitCode})`);
          lastKb = rssKb(child.pid!);
          if (lastKb > peakKb) {
            peakKb = lastKb;
            peakAt = performance.now() - spawnedAt;
          }
          await new Promise((r) => setTimeout(r, SAMPLE_MS));
        }
      } finally {
        await killProcess(child, 'SIGKILL');
      }
      const acked = (await ackFloor(p)) - floorBefore;
      if (acked <= 0)
        throw new Error(`the bridge acked nothing under a backlog of ${backlog}: its RSS would mean nothing`);
      return {
        backlog,
        peakMb: peakKb / 1024,
        peakAtS: peakAt / 1000,
        consumingMb: consumingKb / 1024,
        lastMb: lastKb / 1024,
        acked,
        publishPerS,
      };
    } finally {
      await worker.stop();
    }
  } finally {
    await p.stop();
    await stopAllServers();
  }
}
