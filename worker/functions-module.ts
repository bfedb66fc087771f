/**
 * Loads a user's pipeline module (`--functions`, ORDERFLOW_FUNCTIONS): a `.js`, `.mjs` or `.cjs`
 * file, or a `.ts`, `.mts` or `.cts` one (typescript-module.ts), whose default export is
 * `definePipeline(...)`. Without one, the built-in demo pipeline. Every way this can go wrong is
 * one FunctionsModuleError naming the file, the line where the user's code failed, and what to do.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import demo from '../activities/demo';
import type { Pipeline } from '../activities/define';
import { PipelineDefinitionError, isPipeline } from '../activities/define';
import { UserError } from '../shared/errors';
import { loadFailureOf } from './load-failure';
import { isTypeScript, typeScriptImporter } from './typescript-module';

/** Thrown when the functions module cannot be used: missing, failing to load, or no pipeline. */
export class FunctionsModuleError extends UserError {
  override readonly name = 'FunctionsModuleError';
  readonly exitCode = 2;
}

export interface LoadedPipeline {
  readonly pipeline: Pipeline;
  /** Absolute path of the module; undefined for the built-in demo. */
  readonly modulePath?: string;
}

const EXTENSIONS = ['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts'];

/**
 * Readies the loading of `file` (an absolute path) and returns what loads it: the module's
 * namespace as `import()` gives it. Throws only when the loader itself cannot be readied.
 */
export type ModuleImporter = (file: string) => Promise<() => Promise<unknown>>;

/** Node's own import for JavaScript, tsx for TypeScript: each module loaded once per process. */
async function importOnce(file: string): Promise<() => Promise<unknown>> {
  if (isTypeScript(file)) return typeScriptImporter(file);
  // A real dynamic import (kept by TypeScript's node16 output): ES modules and CommonJS alike.
  return () => import(pathToFileURL(file).href);
}

/**
 * The pipeline of `modulePath` (relative to `cwd`), or the demo when undefined. `importer` loads
 * the file (default: once per process; `orderflow dev --watch` loads a fresh copy each time).
 */
export async function loadPipeline(
  modulePath: string | undefined,
  cwd = process.cwd(),
  importer: ModuleImporter = importOnce,
): Promise<LoadedPipeline> {
  if (modulePath === undefined) return { pipeline: demo };
  const file = path.resolve(cwd, modulePath);
  const where = `functions module ${modulePath}`;
  if (!EXTENSIONS.includes(path.extname(file))) {
    throw new FunctionsModuleError(
      `${where}: not a JavaScript or TypeScript file; name a ${EXTENSIONS.join(', ')} file`,
    );
  }
  if (!fs.existsSync(file)) throw new FunctionsModuleError(`${where}: no such file (${file}); check the path`);
  const load = await importer(file);
  let loaded: unknown;
  try {
    loaded = await load();
  } catch (err) {
    throw failedToLoad(where, err, cwd);
  }
  const exported = (loaded as { default?: unknown }).default;
  // CommonJS built from ES syntax (TypeScript, Babel) puts the default export one level down.
  const pipeline = isPipeline(exported) ? exported : (exported as { default?: unknown } | undefined)?.default;
  if (!isPipeline(pipeline)) {
    throw new FunctionsModuleError(
      `${where}: exports no pipeline; make its default export definePipeline({ process: [...], dispatch: [...] })`,
    );
  }
  return { pipeline, modulePath: file };
}

/** The one line for a module that threw or did not compile, with where in the user's code. */
function failedToLoad(where: string, err: unknown, cwd: string): FunctionsModuleError {
  const failure = loadFailureOf(err, cwd);
  const at = failure.location ? ` at ${failure.location}` : '';
  const advice = failure.compile
    ? 'fix the code there'
    : err instanceof PipelineDefinitionError
      ? 'fix the definition'
      : 'fix the error it throws when loaded';
  return new FunctionsModuleError(`${where}: failed to load${at}: ${failure.message}; ${advice}`, { cause: err });
}
