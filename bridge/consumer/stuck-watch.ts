/**
 * One loop per stage that looks at the runs the bridge holds, to park a run whose workflow task
 * keeps failing (a bug, a non-determinism after a code change) as `stuck`. The runs are looked at
 * in turn, the one checked longest ago first, each at most every `checkEveryMs` and all together
 * at most `perSecond` times a second: a few runs are each checked on time, thousands share the
 * rate (5,000 held at 20 a second: each about every four minutes). A run held costs an entry here,
 * not a loop, a timer or a promise chain of its own. A look that finds a run closed reports it
 * (run-completions.ts), so a run the sweep missed is still found.
 */
import type { Client } from '@temporalio/client';

import type { Logger } from '../../shared/log';
import { sleep } from '../../shared/waits';
import type { Outcome } from '../decision/decision';
import type { IntakeGate } from '../gates/intake-gate';
import type { RunCompletions } from './run-completions';
import type { Call } from './stage-run';

export interface StuckPolicy {
  /** How often a run that has not finished is checked for a failing workflow task, in ms. */
  readonly checkEveryMs: number;
  /** A run whose workflow task keeps failing this long is parked as a dead letter of kind `stuck`, in ms. */
  readonly afterMs: number;
}

export interface StuckWatchContext {
  readonly client: Client;
  /** The stage's intake gate: closed while the system (not the order) is at fault; a run is not stuck then. */
  readonly gate: IntakeGate;
  readonly stuck: StuckPolicy;
  readonly completions: RunCompletions;
  /** Called when a run's workflow task is seen failing (true) and when that ends (false). */
  readonly onStuckChange?: (stuck: boolean) => void;
}

/** One run watched: what its checks need and what they found. */
interface Watched {
  readonly workflowId: string;
  readonly runId: string;
  /** The message's way to Temporal (ended with the message). */
  readonly call: Call;
  readonly log: Logger;
  lastCheck: number;
  failingSince: number | undefined;
  readonly park: (outcome: Outcome) => void;
}

/** The stage's rate of looks at its runs, per second. */
const LOOKS_PER_S = 20;

async function lookAt(
  w: Watched,
  client: Client,
): Promise<{ readonly status: string; readonly workflowTaskAttempt: number } | undefined> {
  try {
    // Only what the check needs is kept: the whole description is kilobytes per run.
    const run = await w.call(() => client.workflow.getHandle(w.workflowId, w.runId).describe());
    return { status: run.status.name, workflowTaskAttempt: run.raw.pendingWorkflowTask?.attempt ?? 0 };
  } catch {
    return undefined;
  }
}

export class StuckWatch {
  /** The runs watched, by run ID, in the order of their last check (oldest first). */
  private readonly runs = new Map<string, Watched>();
  private looping = false;
  /** Aborted by close(): the loop ends at once. */
  private readonly closing = new AbortController();

  constructor(private readonly ctx: StuckWatchContext) {}

  /** How many runs are watched now. */
  get watched(): number {
    return this.runs.size;
  }

  /**
   * Watches run `runId` until `done` aborts: resolves with a `stuck` outcome once its workflow task
   * has kept failing for the policy's bound while the system is healthy; never resolves otherwise.
   */
  watch(workflowId: string, runId: string, call: Call, log: Logger, done: AbortSignal): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      if (done.aborted) return;
      const w: Watched = {
        workflowId,
        runId,
        call,
        log,
        lastCheck: Date.now(),
        failingSince: undefined,
        park: resolve,
      };
      this.runs.set(runId, w);
      done.addEventListener('abort', () => this.unwatch(w), { once: true });
      // A run comes due after those watched already: a loop sleeping for one of them is in time.
      if (!this.looping) void this.loop();
    });
  }

  /** Stops the loop (the runs' own promises stay pending: their messages are settled otherwise). Idempotent. */
  close(): void {
    this.closing.abort();
    this.runs.clear();
  }

  private unwatch(w: Watched): void {
    if (this.runs.get(w.runId) !== w) return;
    this.runs.delete(w.runId);
    // Parked, completed or interrupted: either way this run no longer counts as stuck here.
    if (w.failingSince !== undefined) this.ctx.onStuckChange?.(false);
  }

  private async loop(): Promise<void> {
    this.looping = true;
    const closing = this.closing.signal;
    try {
      while (this.runs.size > 0 && !closing.aborted) {
        const next = this.runs.values().next().value!;
        const dueIn = next.lastCheck + this.ctx.stuck.checkEveryMs - Date.now();
        if (dueIn > 0) {
          await sleep(dueIn, closing);
          continue;
        }
        // To the end of the line: the next look is at the run checked longest ago.
        this.runs.delete(next.runId);
        next.lastCheck = Date.now();
        this.runs.set(next.runId, next);
        await Promise.all([this.check(next), sleep(1000 / LOOKS_PER_S, closing)]);
      }
    } finally {
      this.looping = false;
    }
  }

  private async check(w: Watched): Promise<void> {
    const run = await lookAt(w, this.ctx.client);
    if (this.runs.get(w.runId) !== w) return;
    // A closed run the sweep has not reported (visibility behind): its result is read now.
    if (run && run.status !== 'RUNNING') this.ctx.completions.markClosed(w.runId, run.status === 'COMPLETED');
    const attempt = run?.workflowTaskAttempt ?? 0;
    if (attempt >= 2 && !this.ctx.gate.faulted) {
      if (w.failingSince === undefined) {
        w.failingSince = Date.now();
        this.ctx.onStuckChange?.(true);
        w.log.warn('workflow task keeps failing; the run cannot progress', { runId: w.runId, attempt });
      }
      const failingMs = Date.now() - w.failingSince;
      if (failingMs >= this.ctx.stuck.afterMs) {
        this.unwatch(w);
        w.park({
          type: 'parked',
          kind: 'stuck',
          workflowId: w.workflowId,
          reason: `run ${w.runId}: its workflow task failed ${attempt - 1} times over ${Math.round(failingMs / 1000)} s (a bug or a non-determinism in the workflow code); fix the workers, then redrive`,
        });
      }
    } else if (w.failingSince !== undefined && attempt < 2) {
      w.failingSince = undefined;
      this.ctx.onStuckChange?.(false);
    }
  }
}
