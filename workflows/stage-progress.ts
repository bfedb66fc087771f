/** A stage run's status as its `status` query answers it, moved on as the run goes. Workflow code. */
import type { StageName } from './names';
import type { Published, StageInput, StagePlan, StageStatus, StepResult } from './types';

/** The run's status as the `status` query answers it, moved on as the run goes. */
export class StageProgress {
  private current: StageStatus;

  constructor(stageName: StageName, input: StageInput) {
    this.current = {
      stage: stageName,
      orderId: input.order.orderId,
      state: 'planning',
      completedSteps: [],
      attempts: {},
      source: input.source,
    };
  }

  get status(): StageStatus {
    return this.current;
  }

  planned(plan: StagePlan): void {
    this.current = { ...this.current, state: 'running', plan };
  }

  /** `name` completed in the stage's local run: nothing is left to run of it. */
  doneLocally(name: string, done: StepResult): void {
    this.current = {
      ...this.current,
      completedSteps: [...this.current.completedSteps, name],
      attempts: { ...this.current.attempts, [name]: done.attempt },
    };
  }

  started(name: string): void {
    this.current = { ...this.current, currentStep: name };
  }

  /** `name`'s first try, in the local run, failed: it goes on with its first retry. */
  triedLocally(name: string): void {
    this.current = { ...this.current, attempts: { ...this.current.attempts, [name]: 1 } };
  }

  waiting(waiting: string | undefined): void {
    this.current = { ...this.current, waiting };
  }

  completed(name: string, result: StepResult): void {
    this.current = {
      ...this.current,
      currentStep: undefined,
      completedSteps: [...this.current.completedSteps, name],
      attempts: { ...this.current.attempts, [name]: result.attempt },
    };
  }

  publishing(): void {
    this.current = { ...this.current, state: 'publishing' };
  }

  published(published: Published): void {
    this.current = { ...this.current, state: 'completed', published };
  }
}
