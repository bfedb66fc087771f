/**
 * A JavaScript user's misspelled or unsupported option, from the command line: the worker and
 * plan refuse the module when it loads, one line naming the option and the module's line, exit 2, before any server is
 * contacted (NATS_URL and TEMPORAL_ADDRESS point at closed ports). Without the check, the option
 * was dropped and the function ran with the default the user believed they had changed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ROOT } from '../harness/paths';
import { expectNoStackTrace, runCli } from '../harness/cli';

const API = JSON.stringify(path.join(ROOT, 'dist/activities/index.js'));
const NO_SERVERS = { NATS_URL: 'nats://127.0.0.1:1', TEMPORAL_ADDRESS: '127.0.0.1:1' };

describe('define options - an option orderflow does not know stops the module at load', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-define-options-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it.each([
    [
      'retries for retry (ES module)',
      'retries.mjs',
      `import { defineFunction, definePipeline } from ${API};\n` +
        `const charge = defineFunction({ name: 'charge', retries: 3, run: async () => 1 });\n` +
        'export default definePipeline({ process: [charge], dispatch: [] });\n',
      'function "charge": unknown option retries (did you mean retry?); the options are name, needs, run, timeout, heartbeatTimeout, retry, taskQueue, recordResult, local, rateLimit, concurrency; fix the definition',
      // Where the module called defineFunction or definePipeline: the line the user must fix.
      '2:16',
    ],
    [
      'throttle, which orderflow has not (CommonJS)',
      'rate.cjs',
      `const { defineFunction, definePipeline } = require(${API});\n` +
        `const charge = defineFunction({ name: 'charge', throttle: 10, run: async () => 1 });\n` +
        'module.exports = definePipeline({ process: [charge], dispatch: [] });\n',
      'function "charge": unknown option throttle; the options are name, needs, run, timeout, heartbeatTimeout, retry, taskQueue, recordResult, local, rateLimit, concurrency; fix the definition',
      // Where the module called defineFunction or definePipeline: the line the user must fix.
      '2:16',
    ],
    [
      "a retry policy's misspelled key",
      'retry-key.mjs',
      `import { defineFunction, definePipeline } from ${API};\n` +
        `const charge = defineFunction({ name: 'charge', retry: { maxAttempts: 3 }, run: async () => 1 });\n` +
        'export default definePipeline({ process: [charge], dispatch: [] });\n',
      'function "charge" retry: unknown option maxAttempts (did you mean maximumAttempts?); the options are maximumAttempts, initialInterval, backoffCoefficient, maximumInterval, nonRetryableErrorTypes; fix the definition',
      // Where the module called defineFunction or definePipeline: the line the user must fix.
      '2:16',
    ],
    [
      "the pipeline's concurrency",
      'pipeline.mjs',
      `import { defineFunction, definePipeline } from ${API};\n` +
        `const charge = defineFunction({ name: 'charge', run: async () => 1 });\n` +
        'export default definePipeline({ process: [charge], dispatch: [], concurrency: 4 });\n',
      'pipeline: unknown option concurrency; the options are process, dispatch, retired, publishLocally, priority, fairness; fix the definition',
      // Where the module called defineFunction or definePipeline: the line the user must fix.
      '3:16',
    ],
  ])('define options - %s: worker and plan print one line and exit 2', async (_what, name, text, line, where) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    for (const command of ['worker', 'plan']) {
      const result = await runCli([command, '--functions', file], { env: NO_SERVERS });
      expect([command, result.code]).toEqual([command, 2]);
      expect(result.stderr).toBe(`orderflow: functions module ${file}: failed to load at ${file}:${where}: ${line}\n`);
      expectNoStackTrace(result);
    }
  });
});
