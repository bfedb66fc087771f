/**
 * orderflow as a user gets it: `npm pack` of this checkout (already compiled by the pretest step,
 * so the pack's own compile is skipped), installed into a new folder outside the repository.
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
 * npm cache when it can. Returns npm's output for a failure message.
 */
export async function npmInstall(dir: string, packages: readonly string[] = []): Promise<string> {
  const { stdout, stderr } = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...packages],
    { cwd: dir, maxBuffer: 64 * 1024 * 1024 },
  );
  return `${stdout}${stderr}`;
}

/** A new project folder with a package.json and orderflow installed from a fresh pack. */
export async function projectWithOrderflow(prefix: string): Promise<{ dir: string; tarball: string }> {
  const dir = newProjectDir(prefix);
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: prefix, version: '1.0.0', private: true }, null, 2)}\n`,
  );
  const tarball = await packOrderflow(path.join(dir, '.pack'));
  await npmInstall(dir, [tarball]);
  return { dir, tarball };
}

export function removeProject(dir: string | undefined): void {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
