/**
 * orderflow as a user gets it: `npm pack` of this checkout (already compiled by the pretest step,
 * so the pack's own compile is skipped), installed into a new folder outside the repository; or,
 * where the install itself is not under test, a folder whose node_modules/orderflow links to it.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { ROOT } from './paths';

const run = promisify(execFile);

/** Packs the checkout into `dir`; returns the tarball's path. */
export async function packOrderflow(dir: string): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout) as Array<{ filename: string }>;
  if (!packed) throw new Error(`npm pack printed no package: ${stdout}`);
  return path.join(dir, packed.filename);
}

/** A new folder outside the repository (removed by the caller's cleanup, `removeProject`). */
export function newProjectDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
}

/**
 * Runs `npm install` in `dir` (which holds a package.json) with `packages` added, from the local
 * npm cache when it can. Returns npm's output, warnings included (an EBADENGINE is one).
 */
export async function npmInstall(dir: string, packages: readonly string[] = []): Promise<string> {
  const { stdout, stderr } = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=warn', ...packages],
    { cwd: dir, maxBuffer: 64 * 1024 * 1024 },
  );
  return `${stdout}${stderr}`;
}

/** A package.json's module type: `module` for ES modules, `commonjs` for none given. */
export type PackageType = 'module' | 'commonjs';

function writeManifest(dir: string, name: string, type: PackageType): void {
  const manifest = { name, version: '1.0.0', private: true, ...(type === 'module' ? { type } : {}) };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * A new project folder with a package.json and orderflow installed from a fresh pack; `install`
 * is what npm printed, warnings included.
 */
export async function projectWithOrderflow(
  prefix: string,
  type: PackageType = 'commonjs',
): Promise<{ dir: string; tarball: string; install: string }> {
  const dir = newProjectDir(prefix);
  writeManifest(dir, prefix, type);
  const tarball = await packOrderflow(path.join(dir, '.pack'));
  const install = await npmInstall(dir, [tarball]);
  return { dir, tarball, install };
}

/**
 * A new project folder whose `import 'orderflow'` is this checkout (node_modules/orderflow links
 * to it): a user's project in seconds, for tests of loading modules rather than of the install.
 */
export function projectLinkedToOrderflow(prefix: string, type: PackageType): string {
  const dir = newProjectDir(prefix);
  writeManifest(dir, prefix, type);
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(ROOT, path.join(dir, 'node_modules', 'orderflow'), 'dir');
  return dir;
}

export function removeProject(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
