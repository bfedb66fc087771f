/**
 * What `orderflow dev` prints once everything runs: where the servers are, what was provisioned,
 * and the command to publish orders from another terminal, spelled the way it works where dev
 * was run from (this repository's npm script, or the installed package's binary, and the data
 * folder through which that command finds dev's servers).
 */
import path from 'node:path';

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

/**
 * How a command in another terminal finds dev's servers: run from the same folder, through its
 * `.data`; with any other data folder, through ORDERFLOW_DATA_DIR naming it.
 */
function findingDev(dataDir: string, cwd: string): { readonly how: string; readonly prefix: string } {
  if (path.resolve(cwd, '.data') === path.resolve(dataDir)) {
    return { how: "from this folder (other commands find dev's servers in ./.data)", prefix: '' };
  }
  const quoted = /^[\w@%+=:,./-]+$/.test(dataDir) ? dataDir : `'${dataDir.replace(/'/g, `'\\''`)}'`;
  return {
    how: "from any folder (other commands find dev's servers in the folder ORDERFLOW_DATA_DIR names)",
    prefix: `ORDERFLOW_DATA_DIR=${quoted} `,
  };
}

/** The summary, ending with a blank line; `cwd` is where dev runs. */
export function devSummary(stack: DevStack, invocation: Invocation, cwd: string): string {
  const natsUrl = stack.nats.servers.join(',');
  const lines = [
    '',
    'orderflow is running:',
    `  NATS        ${natsUrl}${stack.natsStarted ? '  (started here)' : '  (from settings)'}`,
    `  Temporal    ${stack.temporal.address}  namespace ${stack.temporal.namespace}${stack.temporalStarted ? '  (started here)' : '  (from settings)'}`,
  ];
  if (stack.temporal.uiUrl) lines.push(`  Temporal UI ${stack.temporal.uiUrl}`);
  lines.push(`  Dashboard   ${stack.dashboard.url}`);
  if (stack.metrics) {
    const taken = stack.metrics.taken === undefined ? '' : `  (${stack.metrics.taken} was taken)`;
    lines.push(`  Metrics     ${stack.metrics.url}/metrics, /healthz, /readyz${taken}`);
  }
  for (const o of stack.provision.objects) lines.push(`  ${o.kind.padEnd(11)} ${o.name.padEnd(9)} ${objectState(o)}`);
  if (stack.demo.length) {
    lines.push(`  demo orders ${stack.demo.map((d) => d.orderId).join(', ')} published; watch them in the Temporal UI`);
  }
  if (stack.logs.nats || stack.logs.temporal)
    lines.push(`  logs        ${[stack.logs.nats, stack.logs.temporal].filter(Boolean).join(', ')}`);
  const finding = findingDev(stack.dataDir, cwd);
  lines.push(
    '',
    `In another terminal, ${finding.how}:`,
    `  ${finding.prefix}${orderflowCommand(invocation)} publish --count 5`,
    '',
    'Press Ctrl-C to stop.',
    '',
  );
  return lines.join('\n');
}
