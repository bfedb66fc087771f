/**
 * How a bench's entry point ends: its servers, bridges and their folders stopped whatever
 * happened, the exit code it set (0 by default, 1 when it failed), and on SIGINT or SIGTERM
 * (Ctrl-C, a CI timeout) no server left behind, which SIGKILL on exit (killChildrenOnExit) does
 * not reach when a signal ends the process.
 */
import { stopPipelines } from '../harness/pipeline';
import { stopAllServers } from '../harness/servers';

/** Stops what the bench started (its own servers, bridges and their folders), then exits with `code`. */
async function stopEverything(code: number): Promise<never> {
  await stopPipelines().catch(() => undefined);
  await stopAllServers().catch(() => undefined);
  process.exit(code);
}

export function runBench(name: string, main: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`${name}: ${signal}, stopping its servers\n`);
      void stopEverything(130);
    });
  }
  main().then(
    // The Temporal runtime's threads keep a process alive; the bench is done.
    () => stopEverything(typeof process.exitCode === 'number' ? process.exitCode : 0),
    async (err: unknown) => {
      process.stderr.write(`${name} failed: ${err instanceof Error ? err.stack : String(err)}\n`);
      await stopEverything(1);
    },
  );
}
