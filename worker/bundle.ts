/**
 * Pre-builds the workflow bundle so workers start without bundling (run by scripts/ensure.js
 * after compiling). Rebuilt only when a workflow source is newer than the bundle.
 */
import fs from 'node:fs';
import path from 'node:path';

import { bundleWorkflowCode } from '@temporalio/worker';

import { WORKFLOW_INTERCEPTORS_PATH } from './tracing';
import { PREBUILT_BUNDLE, WORKFLOWS_PATH } from './worker';

/** The newest compiled workflow source under `dir`, its subfolders (workflows/names) included. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(file));
    else if (entry.name.endsWith('.js')) newest = Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

async function buildBundle(): Promise<boolean> {
  const dir = path.dirname(WORKFLOWS_PATH);
  if (fs.existsSync(PREBUILT_BUNDLE) && fs.statSync(PREBUILT_BUNDLE).mtimeMs >= newestSource(dir)) return false;
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    // Pass-through for runs started without a trace context (workflows/tracing-interceptors.ts).
    workflowInterceptorModules: [WORKFLOW_INTERCEPTORS_PATH],
    logger: { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} },
  });
  fs.writeFileSync(`${PREBUILT_BUNDLE}.tmp`, code);
  fs.renameSync(`${PREBUILT_BUNDLE}.tmp`, PREBUILT_BUNDLE);
  return true;
}

if (require.main === module) {
  buildBundle().then(
    (built) => built && process.stderr.write('orderflow: workflow bundle built\n'),
    (err: unknown) => {
      process.stderr.write(
        `orderflow: bundling the workflows failed: ${err instanceof Error ? err.stack : String(err)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
