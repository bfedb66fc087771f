import fs from 'node:fs';

/** Kills whatever server a test left running (a failed test, a crashed worker), then tidies up. */
export default function globalTeardown(): void {
  const registry = process.env.ORDERFLOW_TEST_PID_REGISTRY;
  if (!registry || !fs.existsSync(registry)) return;
  for (const entry of fs.readdirSync(registry)) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  fs.rmSync(registry, { recursive: true, force: true });
}
