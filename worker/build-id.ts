/**
 * The build a worker reports with every plan and function result (`status` shows it): given with
 * `--build-id`, or derived from the functions module's package (`name@version`) and a digest of
 * the pipeline's definition (its plans and the source of its functions), so that two deployments
 * of different code never report the same build.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type { Pipeline } from '../activities/define';
import { plannedFunction } from '../activities/plan';

interface PackageIdentity {
  readonly name: string;
  readonly version: string;
}

/** The nearest package.json with a name, from `dir` up. */
function packageOf(dir: string): PackageIdentity | undefined {
  for (let current = dir; ; current = path.dirname(current)) {
    const file = path.join(current, 'package.json');
    if (fs.existsSync(file)) {
      try {
        const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<PackageIdentity>;
        if (pkg.name) return { name: pkg.name, version: pkg.version ?? '0.0.0' };
      } catch {
        // not readable JSON: keep looking further up
      }
    }
    if (path.dirname(current) === current) return undefined;
  }
}

/**
 * 8 hex digits over what the pipeline does: each function's plan and its code, and a digest of
 * the files it was loaded from when there is one (a function's own text does not show the helpers
 * it calls).
 */
function pipelineDigest(pipeline: Pipeline, sourcesDigest: string | undefined): string {
  const hash = createHash('sha256');
  if (sourcesDigest !== undefined) hash.update(sourcesDigest);
  for (const fn of pipeline.functions) hash.update(JSON.stringify(plannedFunction(fn, ''))).update(fn.run.toString());
  for (const [stage, fns] of Object.entries(pipeline.stages))
    hash.update(`${stage}:${fns.map((f) => f.name).join(',')}`);
  return hash.digest('hex').slice(0, 8);
}

/**
 * The build `given`, else derived. `sourcesDigest` stands for the content of the user's files the
 * module was loaded from (`orderflow dev --watch` gives it, so that an edit of a helper is a new
 * build). Default: none.
 */
export function buildIdFor(
  pipeline: Pipeline,
  modulePath: string | undefined,
  given?: string,
  sourcesDigest?: string,
): string {
  if (given) return given;
  const pkg = packageOf(modulePath ? path.dirname(modulePath) : __dirname);
  return `${pkg ? `${pkg.name}@${pkg.version}` : 'functions'}+${pipelineDigest(pipeline, sourcesDigest)}`;
}
