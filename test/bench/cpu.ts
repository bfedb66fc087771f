/**
 * CPU time per order, by process: the Temporal server, the NATS server, the bench's own process
 * (workers, clients and an in-process bridge, its threads included) and a bridge process. On a 2-core machine the ceiling is
 * CPU, so where each mode spends it says what limits it.
 */
import fs from 'node:fs';

import type { Pipeline } from '../harness/pipeline';

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
  readonly bench: number;
  /** A bridge of its own process (end to end); 0 when the bridge runs in the bench's. */
  readonly bridge: number;
}

function cpuNow(p: Pipeline): CpuMs {
  const own = process.cpuUsage();
  return {
    temporal: processCpuMs(p.temporal.process?.pid),
    nats: processCpuMs(p.nats.process?.pid),
    bench: (own.user + own.system) / 1000,
    bridge: 0,
  };
}

/** Starts measuring; `end()` gives the CPU milliseconds each process spent since. */
export function cpuMeter(p: Pipeline): { end(): CpuMs } {
  const before = cpuNow(p);
  return {
    end() {
      const after = cpuNow(p);
      return {
        temporal: after.temporal - before.temporal,
        nats: after.nats - before.nats,
        bench: after.bench - before.bench,
        bridge: 0,
      };
    },
  };
}

export const NO_CPU: CpuMs = { temporal: 0, nats: 0, bench: 0, bridge: 0 };

export function addCpu(a: CpuMs, b: CpuMs): CpuMs {
  return {
    temporal: a.temporal + b.temporal,
    nats: a.nats + b.nats,
    bench: a.bench + b.bench,
    bridge: a.bridge + b.bridge,
  };
}

/** Milliseconds per order, rounded to a tenth. */
export function cpuPerOrder(cpu: CpuMs, orders: number): CpuMs {
  const per = (ms: number): number => Math.round((ms / orders) * 10) / 10;
  return { temporal: per(cpu.temporal), nats: per(cpu.nats), bench: per(cpu.bench), bridge: per(cpu.bridge) };
}
