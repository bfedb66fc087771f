/**
 * Loads a functions module written in TypeScript (.ts, .mts, .cts) with tsx, compiled in memory
 * by esbuild with inline source maps, so stack traces name the user's .ts lines. tsx is imported
 * only here, and only when a module is TypeScript: a JavaScript module costs nothing.
 *
 * tsx's two documented APIs, each scoped to its own namespace (nothing else in the process is
 * compiled by it): `tsImport` for an ES module, `require` for CommonJS. Node 20's module hooks
 * would hand a CommonJS file imported through `tsImport` to Node as a `data:` URL, whose stack
 * frames are that URL rather than the file and line; `require` keeps both.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const TYPESCRIPT_EXTENSIONS = ['.ts', '.mts', '.cts'];

export function isTypeScript(file: string): boolean {
  return TYPESCRIPT_EXTENSIONS.includes(path.extname(file));
}

/**
 * What Node would make of the file were it JavaScript: .mts (and .mjs) is an ES module, .cts (and
 * .cjs) CommonJS, and .ts (and .js) whatever the nearest package.json's `type` says (CommonJS
 * without one).
 */
export function flavourOf(file: string): 'module' | 'commonjs' {
  const ext = path.extname(file);
  if (ext === '.mts' || ext === '.mjs') return 'module';
  if (ext === '.cts' || ext === '.cjs') return 'commonjs';
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) return typeIn(manifest);
    if (path.dirname(dir) === dir) return 'commonjs';
  }
}

/** A package.json's `type`; one that does not parse is left for Node to report when it loads the file. */
function typeIn(manifest: string): 'module' | 'commonjs' {
  try {
    const { type } = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { type?: unknown };
    return type === 'module' ? 'module' : 'commonjs';
  } catch {
    return 'commonjs';
  }
}

/**
 * Readies tsx for `file` (an absolute path) and returns what loads it: the module's namespace as
 * `import()` gives it (a CommonJS module's exports are its `default`). The loader's errors are
 * the user's (syntax, a throw at load); a failure to ready tsx is not, so it is thrown here.
 */
export async function typeScriptImporter(file: string): Promise<() => Promise<unknown>> {
  const parentURL = pathToFileURL(__filename).href;
  if (flavourOf(file) === 'module') {
    const { tsImport } = await import('tsx/esm/api');
    return () => tsImport(pathToFileURL(file).href, { parentURL }) as Promise<unknown>;
  }
  const { require: tsxRequire } = await import('tsx/cjs/api');
  return () => Promise.resolve().then(() => ({ default: tsxRequire(file, __filename) as unknown }));
}
