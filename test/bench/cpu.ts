/**
 * CPU time per order, by process: the Temporal server, the NATS server, the workers, the bench's
 * own process (clients and an in-process bridge, its threads included) and a bridge process. On a
 * 2-core machine the ceiling is CPU, so where each mode spends it says what limits it.
 */
import fs from 'node:fs';

import type { Pipeline } from '../harness/pipeline';
import { workerPids } from './workers';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const TICKS_PER_S = 100;

/** CPU milliseconds a process has spent so far; 0 once it is gone. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

export interface CpuMs {
  readonly temporal: number;
  readonly nats: number;
  /** The worker processes running while measured. */
  readonly workers: number;
  readonly bench: number;
  /** A bridge of its own process (end to end); 0 when the bridge runs in the bench's. */
  readonly bridge: number;
}

interface Reading {
  readonly temporal: number;
  readonly nats: number;
  readonly bench: number;
  /** Each running worker's CPU so far, by pid. */
  readonly workers: ReadonlyMap<number, number>;
}

function readNow(p: Pipeline): Reading {
  const own = process.cpuUsage();
  return {
    temporal: processCpuMs(p.temporal.process?.pid),
    nats: processCpuMs(p.nats.process?.pid),
    bench: (own.user + own.system) / 1000,
    workers: new Map([...workerPids].map((pid) => [pid, processCpuMs(pid)])),
  };
}

/** CPU of the workers that ran from the first reading to the second. */
function workersBetween(before: Reading, after: Reading): number {
  let ms = 0;
  for (const [pid, then] of before.workers) {
    const now = after.workers.get(pid);
    if (now !== undefined && now >= then) ms += now - then;
  }
  return ms;
}

/** Starts measuring; `end()` gives the CPU milliseconds each process spent since. */
export function cpuMeter(p: Pipeline): { end(): CpuMs } {
  const before = readNow(p);
  return {
    end() {
      const after = readNow(p);
      return {
        temporal: after.temporal - before.temporal,
        nats: after.nats - before.nats,
        workers: workersBetween(before, after),
        bench: after.bench - before.bench,
        bridge: 0,
      };
    },
  };
}

export const NO_CPU: CpuMs = { temporal: 0, nats: 0, workers: 0, bench: 0, bridge: 0 };

export function addCpu(a: CpuMs, b: CpuMs): CpuMs {
  return {
    temporal: a.temporal + b.temporal,
    nats: a.nats + b.nats,
    workers: a.workers + b.workers,
    bench: a.bench + b.bench,
    bridge: a.bridge + b.bridge,
  };
}

/** Milliseconds per order, rounded to a tenth. */
export function cpuPerOrder(cpu: CpuMs, orders: number): CpuMs {
  const per = (ms: number): number => Math.round((ms / orders) * 10) / 10;
  return {
    temporal: per(cpu.temporal),
    nats: per(cpu.nats),
    workers: per(cpu.workers),
    bench: per(cpu.bench),
    bridge: per(cpu.bridge),
  };
}
