/** How long-running commands (bridge, worker, dev) learn that they should stop. */

/**
 * Resolves with the first SIGTERM or SIGINT; a second one exits at once. Called first thing, so a
 * signal that comes while the process is still starting is not met by Node's default (dying on
 * the spot, with messages in hand) but ends the process as soon as it has started.
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const handler = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}
