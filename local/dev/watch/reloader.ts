/**
 * `orderflow dev --watch`: reloads dev's workers in place when the functions module or a file of
 * the user's it imports is saved. Each save (debounced: debounce.ts) loads a fresh copy of the
 * module (watched-module.ts); what follows is decided in decision.ts. A module that loads as a new
 * build becomes a new generation (worker-generation.ts) that dev's workers hand the next tasks to
 * (worker-hosts.ts says why the workers themselves stay); the functions the old generation runs
 * finish as they would have, and its copy of the module is let go once none runs. Runs keep the
 * plan they started with: a function that running plans still call stays hosted (decision.ts says
 * why). A module that does not load leaves the generation serving as it is, and is said once.
 */
import type { Client } from '@temporalio/client';

import type { Pipeline } from '../../../activities/define';
import { isUserError, messageOf } from '../../../shared/errors';
import type { Logger } from '../../../shared/log';
import type { GenerationDeps, WorkerGeneration } from '../worker-generation';
import { buildGeneration } from '../worker-generation';
import type { WorkerHosts } from '../worker-hosts';
import type { LoadDecision, LoadOutcome, ReloadPlan } from './decision';
import { decideLoad, keptLine, planReload, toCheck } from './decision';
import { QuietRunner } from './debounce';
import { stillPlanned } from './running-plans';
import type { FreshLoad, WatchedModule } from './watched-module';

export interface ReloaderDeps extends GenerationDeps {
  readonly logger: Logger;
  /** Asks Temporal which functions running runs still call. */
  readonly client: Client;
  /** --build-id: when given, every generation reports it. */
  readonly givenBuild?: string;
  /** Quiet after the last change before the module is loaded again, in ms. Default: 200. */
  readonly quietMs?: number;
}

/** The generation serving, the load it runs, and the functions it keeps from earlier builds. */
interface Serving {
  readonly generation: WorkerGeneration;
  readonly load: FreshLoad;
  readonly kept: readonly string[];
}

type Hosted = Pipeline['functions'][number];

const names = (fns: readonly Hosted[]): string[] => fns.map((fn) => fn.name);

export class WorkerReloader {
  private serving: Serving;
  private shownFailure: string | undefined;
  private readonly runner: QuietRunner;

  constructor(
    private readonly deps: ReloaderDeps,
    private readonly hosts: WorkerHosts,
    private readonly module: WatchedModule,
    first: { readonly generation: WorkerGeneration; readonly load: FreshLoad },
  ) {
    this.serving = { ...first, kept: [] };
    this.runner = new QuietRunner(() => this.reload(), deps.quietMs ?? 200);
  }

  /** Starts acting on changes. */
  start(): void {
    this.module.onChange(() => this.runner.poke());
    this.deps.logger.info('watching the functions module and its files for changes', {
      files: this.module.files.length,
      build: this.serving.generation.build,
    });
  }

  /**
   * Stops watching and lets a reload under way finish; the copy of the module serving is let go
   * once its functions are done (the workers' stop ends them). Never rejects.
   */
  async close(): Promise<void> {
    this.module.close();
    await this.runner.close();
    this.retire(this.serving);
  }

  private async reload(): Promise<void> {
    try {
      const { outcome, load } = await this.loadOnce();
      await this.act(
        decideLoad({ serving: this.serving.load.derived, shownFailure: this.shownFailure }, outcome),
        load,
      );
    } catch (err) {
      // Not the module's fault (Temporal went away while asking, say): the serving workers go on.
      this.deps.logger.error('reload failed; the workers serving go on', { error: messageOf(err) });
    }
  }

  private async loadOnce(): Promise<{ outcome: LoadOutcome; load?: FreshLoad }> {
    try {
      const load = await this.module.load();
      return { outcome: { type: 'loaded', build: load.derived }, load };
    } catch (err) {
      // A user's error is its one line; anything else keeps its stack, which is then no user's.
      const message = isUserError(err) || !(err instanceof Error) ? messageOf(err) : (err.stack ?? err.message);
      return { outcome: { type: 'failed', message } };
    }
  }

  private async act(decision: LoadDecision, load: FreshLoad | undefined): Promise<void> {
    const { logger } = this.deps;
    const build = this.serving.generation.build;
    switch (decision.type) {
      case 'report':
        this.shownFailure = decision.message;
        logger.error(`${decision.message} (the workers serving go on with build ${build})`);
        return;
      case 'keep':
        logger.debug('the functions module still fails as shown; the workers serving go on', { build });
        return;
      case 'unchanged':
        await load?.copy.release();
        if (decision.recovered)
          logger.info('the functions module loads again, as the workers serving run it', { build });
        else logger.debug('saved with no change to what the workers serving run', { build });
        this.shownFailure = undefined;
        return;
      case 'reload':
        this.shownFailure = undefined;
        if (load) await this.swap(load);
        return;
    }
  }

  /** Hands the next tasks to the new generation; one that cannot be served leaves the old one serving. */
  private async swap(load: FreshLoad): Promise<void> {
    const previous = this.serving;
    const plan = await this.planFor(previous, load.pipeline);
    const keptFns = plan.keep.flatMap((name) =>
      previous.generation.pipeline.functions.filter((fn) => fn.name === name),
    );
    const build = this.deps.givenBuild ?? load.derived;
    let generation: WorkerGeneration;
    try {
      generation = await buildGeneration(this.deps, withRetired(load.pipeline, keptFns), build);
      await this.hosts.serve(generation);
    } catch (err) {
      await load.copy.release();
      throw err;
    }
    this.serving = { generation, load, kept: plan.keep };
    this.retire(previous);
    this.deps.logger.info(`worker reloaded: ${previous.generation.build} -> ${build}`, {
      from: previous.generation.build,
      to: build,
      added: plan.added,
      removed: plan.removed,
      ...(plan.keep.length ? { keptForRunningRuns: plan.keep } : {}),
    });
  }

  /** What changes, asking Temporal about the functions that go; each kept for running runs gets its line. */
  private async planFor(previous: Serving, next: Pipeline): Promise<ReloadPlan> {
    const hosting = { functions: names(previous.load.pipeline.functions), kept: previous.kept };
    const nextNames = names(next.functions);
    const asked = toCheck(hosting, nextNames);
    const planned = await stillPlanned(this.deps.client, this.deps.options.taskQueue, asked);
    const plan = planReload(hosting, nextNames, planned);
    for (const notice of plan.notices) this.deps.logger.warn(keptLine(notice));
    return plan;
  }

  /** Lets go of a generation's copy of the module once none of its functions runs. */
  private retire({ generation, load }: Serving): void {
    void generation
      .idle()
      .then(() => load.copy.release())
      .catch((err: unknown) =>
        this.deps.logger.warn('could not let go of an old copy of the module', { error: messageOf(err) }),
      );
  }
}

/** The pipeline with `kept` hosted as retired: planned by no new run, there for the runs that call them. */
function withRetired(pipeline: Pipeline, kept: readonly Hosted[]): Pipeline {
  if (kept.length === 0) return pipeline;
  return { ...pipeline, retired: [...pipeline.retired, ...kept], functions: [...pipeline.functions, ...kept] };
}
