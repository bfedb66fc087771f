/**
 * A fresh copy of a functions module's graph at each load, for `orderflow dev --watch`. Node keeps
 * an ES module for good once imported, and a CommonJS one until it leaves require.cache, so a
 * second import would hand back the first copy and its old code. Each copy here gets a tsx
 * namespace of its own (tsx's register API), in which the module and every file it imports load
 * again, JavaScript as well as TypeScript, as Node would take the file (typescript-module.ts). It
 * says which files of the user's each copy read, for the watcher.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type { ModuleImporter } from './functions-module';
import { isUsers } from './load-failure';
import { flavourOf } from './typescript-module';

/** One copy: what loads it (for loadPipeline), and what lets go of it. */
export interface ModuleCopy {
  readonly importer: ModuleImporter;
  /** Lets go of tsx's hooks for the copy and its cache entries; once none of its code runs. Idempotent. */
  release(): Promise<void>;
}

/** Told each file of the user's (not node_modules, not orderflow's) a copy read, absolute. */
export type FileListener = (file: string) => void;

/** require.cache keys of CommonJS copies: `<file>?namespace=<id>`. */
const copiedKeys = new Set<string>();

export function freshCopy(onFile: FileListener): ModuleCopy {
  let release: () => Promise<void> = () => Promise.resolve();
  return {
    importer: async (file) => {
      const copy = flavourOf(file) === 'module' ? await esmCopy(file, onFile) : await commonJsCopy(file, onFile);
      release = copy.release;
      return copy.load;
    },
    release: () => release(),
  };
}

interface Loader {
  readonly load: () => Promise<unknown>;
  readonly release: () => Promise<void>;
}

async function esmCopy(file: string, onFile: FileListener): Promise<Loader> {
  const { register } = await import('tsx/esm/api');
  // tsx reports each file as it loads it, by URL (a node: builtin is no file).
  const api = register({
    namespace: randomUUID(),
    onImport: (url) => {
      if (url.startsWith('file:')) report(fileURLToPath(url), onFile);
    },
  });
  let released: Promise<void> | undefined;
  return {
    load: () => api.import(pathToFileURL(file).href, pathToFileURL(__filename).href) as Promise<unknown>,
    release: () => (released ??= api.unregister()),
  };
}

async function commonJsCopy(file: string, onFile: FileListener): Promise<Loader> {
  const { register } = await import('tsx/cjs/api');
  const api = register({ namespace: randomUUID() });
  const keys: string[] = [];
  const load = (): unknown => {
    // Node remembers where a relative require led by the requiring file's folder, whatever its
    // namespace: while an earlier copy's entries are in require.cache it would hand them back, old
    // helpers and all. Without them Node resolves again, into this copy's namespace.
    for (const key of copiedKeys) delete require.cache[key];
    copiedKeys.clear();
    const before = new Set(Object.keys(require.cache));
    try {
      return { default: api.require(file, __filename) as unknown };
    } finally {
      for (const key of Object.keys(require.cache).filter((k) => !before.has(k))) {
        keys.push(key);
        copiedKeys.add(key);
        report(key.replace(/\?namespace=.*$/, ''), onFile);
      }
    }
  };
  return {
    load: () => Promise.resolve().then(load),
    release: () => {
      api.unregister();
      for (const key of keys.splice(0)) {
        delete require.cache[key];
        copiedKeys.delete(key);
      }
      return Promise.resolve();
    },
  };
}

function report(file: string, onFile: FileListener): void {
  if (isUsers(file)) onFile(file);
}
