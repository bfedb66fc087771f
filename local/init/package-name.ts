/**
 * The npm package name `orderflow init` writes: one given with `--name` is checked, a folder's name
 * is made into one. npm refuses to install a project whose name breaks its rules, so a bad name
 * must be caught here rather than by the user's first `npm install`.
 */
import { builtinModules } from 'node:module';

/** npm's limit on a package name's length. */
const MAX_LENGTH = 214;

/** What a project is called when its folder's name leaves nothing usable. */
const FALLBACK_NAME = 'orderflow-functions';

/**
 * An unscoped name: lowercase letters, digits, '-', '.' and '_', not starting with '.' or '_'. (npm
 * still installs old packages with ~'!()* in their names, but refuses them in new ones.)
 */
const UNSCOPED = /^[a-z0-9-][a-z0-9._-]*$/;
/** A scoped name: `@scope/name`, each part unscoped-valid. */
const SCOPED = /^@([a-z0-9-][a-z0-9._-]*)\/([a-z0-9-][a-z0-9._-]*)$/;

/**
 * Why `name` cannot name the project, or undefined when it can. Besides npm's own rules, it may not
 * be `orderflow`: npm refuses to install a package into a project of the same name.
 */
export function packageNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name.length > MAX_LENGTH) return `is longer than ${MAX_LENGTH} characters`;
  if (!UNSCOPED.test(name) && !SCOPED.test(name)) {
    return 'is not a valid npm package name (lowercase letters, digits, - . _, optionally @scope/)';
  }
  if (name === 'orderflow') return 'is the name of the package the project depends on';
  if (builtinModules.includes(name)) return `is the name of Node's own module ${name}`;
  return undefined;
}

/** A valid package name made from a folder's name: `My Shop!` becomes `my-shop`. */
export function packageNameFromFolder(folder: string): string {
  const name = folder
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // accents dropped: 'Café' → 'cafe'
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, MAX_LENGTH)
    .replace(/[._-]+$/, '');
  if (!name) return FALLBACK_NAME;
  // A folder called `orderflow` or `http` is a fine folder; its package needs another name.
  return packageNameProblem(name) ? `${name}-functions` : name;
}
