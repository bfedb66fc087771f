import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One folder per test run in which every started server leaves a pid file while it runs. */
export default function globalSetup(): void {
  const registry = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-test-pids-'));
  process.env.ORDERFLOW_TEST_PID_REGISTRY = registry;
}
