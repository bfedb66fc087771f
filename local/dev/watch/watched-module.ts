/**
 * The --functions module as `orderflow dev --watch` loads it: a fresh copy of its module graph at
 * each load (worker/fresh-module.ts), every file of the user's that a load read watched from then
 * on (source-watch.ts), and a build derived over those files' content as well as the pipeline, so
 * that an edit of a helper the functions call is a new build too.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { Pipeline } from '../../../activities/define';
import { messageOf } from '../../../shared/errors';
import type { Logger } from '../../../shared/log';
import { buildIdFor } from '../../../worker/build-id';
import type { ModuleCopy } from '../../../worker/fresh-module';
import { freshCopy } from '../../../worker/fresh-module';
import { loadPipeline } from '../../../worker/functions-module';
import { SourceWatch } from './source-watch';

/** One load of the module. */
export interface FreshLoad {
  readonly pipeline: Pipeline;
  /** The build derived from the pipeline and its files, --build-id or not: what tells two loads apart. */
  readonly derived: string;
  /** Let go of once no generation runs its code. */
  readonly copy: ModuleCopy;
}

export class WatchedModule {
  private readonly watch: SourceWatch;
  private listener: (() => void) | undefined;
  private missed = false;

  /** `modulePath`: as the user gave it, relative to the working directory. */
  constructor(
    private readonly modulePath: string,
    logger: Logger,
  ) {
    this.watch = new SourceWatch(
      () => this.changed(),
      (folder, err) =>
        logger.warn('cannot watch a folder: saving its files will not reload', { folder, error: messageOf(err) }),
    );
  }

  /** Loads a fresh copy. Rejects as loadPipeline does (a FunctionsModuleError), the copy let go. */
  async load(): Promise<FreshLoad> {
    // Watched before it loads: a module that does not compile may never be reported as read. One
    // that is not there is loadPipeline's to report.
    const file = path.resolve(this.modulePath);
    if (fs.existsSync(file)) this.watch.add(file);
    const before = this.watch.snapshot();
    const copy = freshCopy((file) => this.watch.add(file));
    try {
      const { pipeline, modulePath } = await loadPipeline(this.modulePath, undefined, copy.importer);
      return { pipeline, derived: buildIdFor(pipeline, modulePath, undefined, this.watch.digest(before)), copy };
    } catch (err) {
      await copy.release();
      throw err;
    }
  }

  /** The files watched, absolute. */
  get files(): readonly string[] {
    return this.watch.watched;
  }

  /** Calls `listener` at each change from now on, and at once for a change it missed. */
  onChange(listener: () => void): void {
    this.listener = listener;
    if (this.missed) this.changed();
  }

  close(): void {
    this.watch.close();
  }

  private changed(): void {
    this.missed = this.listener === undefined;
    this.listener?.();
  }
}
