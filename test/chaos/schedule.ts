/**
 * The nemesis schedule, decided from the seed alone: which process or link is killed, paused or
 * cut, when, and for how long. At most two faults at once and one per target, each over before
 * the fault period ends, with time after each for the target to come back.
 */
import type { Random } from './random';

export type FaultKind = 'kill' | 'pause' | 'cut';

export interface TargetSpec {
  readonly name: string;
  readonly kinds: readonly FaultKind[];
  /** How often it is picked relative to the others. */
  readonly weight: number;
  /** Time it takes to come back after a kill, in ms (kept free of other faults on it). */
  readonly restartMs: number;
}

export interface PlannedFault {
  /** From the start of the fault period, in ms. */
  readonly atMs: number;
  readonly target: string;
  readonly kind: FaultKind;
  readonly durationMs: number;
}

const DURATIONS: Record<FaultKind, readonly [number, number]> = {
  kill: [300, 4000],
  pause: [1000, 8000],
  cut: [1000, 10_000],
};

const MAX_CONCURRENT = 2;

function pickTarget(random: Random, targets: readonly TargetSpec[]): TargetSpec {
  const total = targets.reduce((sum, t) => sum + t.weight, 0);
  let roll = random.next() * total;
  for (const target of targets) if ((roll -= target.weight) < 0) return target;
  return targets[targets.length - 1]!;
}

export function planFaults(random: Random, periodMs: number, targets: readonly TargetSpec[]): PlannedFault[] {
  const faults: PlannedFault[] = [];
  const busyUntil = new Map<string, number>();
  const recoveries: number[] = [];
  // The first seconds are quiet: every process is up and orders are flowing before the first fault.
  let t = 3000;
  for (;;) {
    t += random.int(1000, 5000);
    if (t >= periodMs - 1000) break;
    const target = pickTarget(random, targets);
    const kind = random.pick(target.kinds);
    const [min, max] = DURATIONS[kind];
    const durationMs = random.int(min, max);
    const recoveredAt = t + durationMs + (kind === 'kill' ? target.restartMs : 500);
    const concurrent = recoveries.filter((end) => end > t).length;
    const free = (busyUntil.get(target.name) ?? 0) <= t && concurrent < MAX_CONCURRENT;
    if (!free || t + durationMs > periodMs - 1000) continue;
    faults.push({ atMs: t, target: target.name, kind, durationMs });
    busyUntil.set(target.name, recoveredAt);
    recoveries.push(recoveredAt);
  }
  return faults;
}
