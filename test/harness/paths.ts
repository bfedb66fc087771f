/** Paths of built artefacts, right whether this runs from test/ (jest) or dist/test/ (bench). */
import fs from 'node:fs';
import path from 'node:path';

function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

export const ROOT = projectRoot();
export const CLI = path.join(ROOT, 'dist/cli/main.js');
export const WORKFLOW_BUNDLE = path.join(ROOT, 'dist/workflow-bundle.js');
export const FAULTY_WORKER = path.join(ROOT, 'dist/test/fixtures/faulty-worker.js');
