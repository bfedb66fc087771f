/**
 * What `orderflow dev` has started, as named steps that stop it in reverse order. A step that
 * fails (a server already gone, a connection that cannot drain) is logged and the next one still
 * runs: a stop that gives up half-way would leave servers running, and a failed step is no bug of
 * the caller's to report.
 */
import { messageOf } from '../../shared/errors';
import type { Logger } from '../../shared/log';

export class StopSteps {
  private readonly steps: Array<{ readonly what: string; readonly run: () => Promise<void> }> = [];
  private stopping: Promise<void> | undefined;

  constructor(private readonly logger: Logger) {}

  /** Adds a step, run before every step added earlier. `what` names it in the log. */
  add(what: string, run: () => Promise<void> | void): void {
    this.steps.push({ what, run: async () => run() });
  }

  /** Runs every step, the last added first; never rejects. Idempotent: later calls wait for the first. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const step of this.steps.splice(0).reverse()) {
        try {
          await step.run();
        } catch (err) {
          this.logger.warn('could not stop cleanly; going on with the rest', {
            step: step.what,
            error: messageOf(err),
          });
        }
      }
    })();
    return this.stopping;
  }
}
