/**
 * What `orderflow dev` prints once everything runs: where the servers are, what was provisioned,
 * and the command to publish orders from another terminal, spelled the way it works where dev
 * was run from (this repository's npm script, or the installed package's binary).
 */
import type { DevStack } from './dev';

/** The parts of the environment that tell how dev was started (npm sets them for its scripts). */
export interface Invocation {
  /** The package whose npm script runs dev, when one does. */
  readonly npm_package_name?: string;
  /** The npm script that runs dev (`start`, `orderflow`, ...), when one does. */
  readonly npm_lifecycle_event?: string;
}

/**
 * How to run another orderflow command from where dev runs: `npm run orderflow --` in this
 * repository (its `npm start` and `npm run orderflow` scripts), `npx orderflow` in a project
 * that installed orderflow, where no `orderflow` script exists.
 */
export function orderflowCommand(invocation: Invocation): string {
  const inThisRepository = invocation.npm_package_name === 'orderflow' && Boolean(invocation.npm_lifecycle_event);
  return inThisRepository ? 'npm run orderflow --' : 'npx orderflow';
}

function objectState(o: DevStack['provision']['objects'][number]): string {
  if (o.action === 'create') return 'created';
  if (o.action === 'none') return 'ready';
  return `differs: ${o.drift.map((d) => d.field).join(', ')}`;
}

/** The summary, ending with a blank line. */
export function devSummary(stack: DevStack, invocation: Invocation): string {
  const natsUrl = stack.nats.servers.join(',');
  const lines = [
    '',
    'orderflow is running:',
    `  NATS        ${natsUrl}${stack.natsStarted ? '  (started here)' : '  (from settings)'}`,
    `  Temporal    ${stack.temporal.address}  namespace ${stack.temporal.namespace}${stack.temporalStarted ? '  (started here)' : '  (from settings)'}`,
  ];
  if (stack.temporal.uiUrl) lines.push(`  Temporal UI ${stack.temporal.uiUrl}`);
  lines.push(`  Dashboard   ${stack.dashboard.url}`);
  for (const o of stack.provision.objects) lines.push(`  ${o.kind.padEnd(11)} ${o.name.padEnd(9)} ${objectState(o)}`);
  if (stack.demo.length) {
    lines.push(`  demo orders ${stack.demo.map((d) => d.orderId).join(', ')} published; watch them in the Temporal UI`);
  }
  if (stack.logs.nats || stack.logs.temporal)
    lines.push(`  logs        ${[stack.logs.nats, stack.logs.temporal].filter(Boolean).join(', ')}`);
  lines.push(
    '',
    'In another terminal:',
    `  NATS_URL=${natsUrl} TEMPORAL_ADDRESS=${stack.temporal.address} ${orderflowCommand(invocation)} publish --count 5`,
    '',
    'Press Ctrl-C to stop.',
    '',
  );
  return lines.join('\n');
}
