/**
 * `orderflow provision`: the ORDERS topology on NATS, and orderflow's search attributes on the
 * Temporal namespace when Temporal is configured (a denial there is a warning line, not a failure).
 */
import type { Command } from 'commander';

import { jetStreamManagerFor } from '../../shared/nats/connect';
import type { ObjectOutcome, ProvisionReport } from '../../shared/topology/provision';
import { provisionTopology } from '../../shared/topology/provision';
import { ensureSupportObjects } from '../../shared/topology/support';
import { connectTemporal } from '../../shared/temporal/connect';
import type { RegistrationOutcome } from '../../shared/temporal/search-attribute-registry';
import { registerSearchAttributes } from '../../shared/temporal/search-attribute-registry';
import { CHOSEN } from '../../shared/config/topology';
import { featuresOf } from '../../shared/nats/server-features';
import { refuseWithoutPriorityGroups } from '../../shared/standby/standby-checks';
import type { OptionsFor } from '../../shared/config/option-table';
import type { SupportReport } from '../../shared/topology/support';
import { ConfigError, messageOf } from '../../shared/errors';
import { formatConfigValue, table } from '../../operate/format';
import type { AllServers, NatsServers } from '../options';
import { globalGiven, serversFrom, usesDevNats } from '../options';
import { optionsFrom, tableCommand } from '../table-flags';

type ProvisionOptions = OptionsFor<'provision'>;

type SearchAttributesOutcome = RegistrationOutcome | { readonly state: 'skipped'; readonly reason: string };

/**
 * Whether to register the search attributes: when asked (`--search-attributes`), or when Temporal
 * is configured at all (flag, TEMPORAL_ADDRESS, a profile or config file), or when it provisions
 * the NATS of an orderflow dev running in the data folder (then on that dev's Temporal). A
 * NATS-only provision does not wait on a Temporal that is not there.
 */
function wantsSearchAttributes(flags: ProvisionOptions, command: Command, env = process.env): boolean {
  if (flags.searchAttributes !== undefined) return flags.searchAttributes;
  return (
    globalGiven(command, 'temporalAddress', env) ||
    Boolean(env.TEMPORAL_PROFILE || env.TEMPORAL_CONFIG_FILE) ||
    usesDevNats(command, env)
  );
}

async function provisionSearchAttributes(
  servers: NatsServers | AllServers,
  dryRun: boolean,
): Promise<SearchAttributesOutcome> {
  if (!('temporal' in servers)) {
    return { state: 'skipped', reason: 'no Temporal configured (set TEMPORAL_ADDRESS or pass --search-attributes)' };
  }
  const client = await connectTemporal(servers.temporal).catch((err: unknown) => messageOf(err));
  if (typeof client === 'string') return { state: 'not-registered', reason: client };
  try {
    return await registerSearchAttributes(client, dryRun);
  } finally {
    await client.connection.close();
  }
}

/** One line, as the support objects' lines: registered, skipped, or a warning with the reason. */
export function searchAttributesLine(outcome: SearchAttributesOutcome, dryRun: boolean): string {
  const label = 'temporal  search attributes';
  switch (outcome.state) {
    case 'registered':
      return outcome.added.length
        ? `${label} ${dryRun ? 'would be registered' : 'registered'} (${outcome.added.join(', ')})`
        : `${label} present`;
    case 'skipped':
      return `${label} skipped: ${outcome.reason}`;
    case 'not-registered':
      return `warning: search attributes not registered (${outcome.reason}); runs start without them and \`status --seq\` cannot search by message`;
  }
}

const verbs: Record<ObjectOutcome['action'], { done: string; dry: string }> = {
  none: { done: 'in sync', dry: 'in sync' },
  create: { done: 'created', dry: 'would be created' },
  update: { done: 'updated', dry: 'would be updated' },
  report: { done: 'differs (not changed)', dry: 'differs (would not be changed)' },
};

export function renderReport(report: ProvisionReport, dryRun: boolean): string {
  const lines = [`nats-server ${report.serverVersion}${dryRun ? ' (dry run: nothing changed)' : ''}`];
  const rows: string[][] = [];
  for (const o of report.objects) {
    rows.push([o.kind, o.name, dryRun ? verbs[o.action].dry : verbs[o.action].done]);
    for (const d of o.drift) {
      const fixed = !o.remaining.includes(d);
      rows.push([
        '',
        `  ${d.field}`,
        `${formatConfigValue(d.field, d.actual)} -> ${formatConfigValue(d.field, d.desired)}${fixed ? '' : d.immutable ? '  (cannot change in place)' : ''}`,
      ]);
    }
  }
  lines.push(table(rows));
  const immutable = report.objects.flatMap((o) => o.remaining.filter((d) => d.immutable).map((d) => ({ o, d })));
  for (const { o, d } of immutable) lines.push(`${o.kind} ${o.name}, ${d.field}: ${d.immutable}`);
  if (!report.changed && report.inSync)
    lines.push('Nothing to change: the ORDERS topology matches the desired configuration.');
  else if (
    report.objects.some((o) => o.action === 'report' || (o.remaining.length && !o.remaining.every((d) => d.immutable)))
  ) {
    lines.push('Run `orderflow provision --apply` to update the fields JetStream can change in place.');
  }
  return lines.join('\n');
}

/** The pin's TTL in ns when `--standby` is given; `--takeover-after` alone is a mistake. */
function standbyFrom(flags: ProvisionOptions): number | undefined {
  if (!flags.standbyTopology) {
    if (flags.takeoverAfter !== undefined) {
      throw new ConfigError('--takeover-after', 'is the takeover time of warm standby', 'give it with --standby');
    }
    return undefined;
  }
  return flags.takeoverAfter === undefined ? CHOSEN.standbyTakeoverNs : flags.takeoverAfter * 1e9;
}

/** One line per object orderflow keeps beside the topology. */
function supportLines(support: SupportReport, dryRun: boolean): string[] {
  const state = (s: 'created' | 'exists'): string =>
    s === 'exists' ? 'present' : dryRun ? 'would be created' : 'created';
  return [
    `stream    ORDERS_DLQ         ${state(support.deadLetters)} (dead letters)`,
    `kv        ORDERFLOW_EFFECTS  ${state(support.effects)} (side effects of the functions)`,
    `obj       ORDERFLOW_DLQ_PAYLOADS ${state(support.deadLetterPayloads)} (dead letters too large for one message)`,
    `kv        ORDERFLOW_PAUSES   ${state(support.pauses)} (operators' stage pauses)`,
  ];
}

/** Provisions the topology, the objects beside it and the search attributes; exit 0 when it matches. */
async function provision(flags: ProvisionOptions, command: Command): Promise<void> {
  const standbyTakeoverNs = standbyFrom(flags);
  const dryRun = flags.dryRun ?? false;
  const replicas = flags.replicas !== undefined ? { replicas: flags.replicas } : {};
  const servers = wantsSearchAttributes(flags, command)
    ? serversFrom(command, 'nats+temporal')
    : serversFrom(command, 'nats');
  const nc = await servers.connectNats({ name: 'orderflow provision' });
  try {
    if (standbyTakeoverNs !== undefined) refuseWithoutPriorityGroups(featuresOf(nc), '--standby');
    const jsm = await jetStreamManagerFor(nc);
    const report = await provisionTopology(jsm, nc.info?.version ?? 'unknown', {
      apply: flags.apply ?? false,
      dryRun,
      ...replicas,
      ...(flags.maxAckPending !== undefined ? { maxAckPending: flags.maxAckPending } : {}),
      ...(standbyTakeoverNs !== undefined ? { standbyTakeoverNs } : {}),
    });
    const support = await ensureSupportObjects(nc, jsm, { ...replicas, dryRun });
    const searchAttributes = await provisionSearchAttributes(servers, dryRun);
    const lines = [...supportLines(support, dryRun), searchAttributesLine(searchAttributes, dryRun)];
    process.stdout.write(
      flags.json
        ? `${JSON.stringify({ ...report, support, searchAttributes }, null, 2)}\n`
        : `${renderReport(report, dryRun)}\n${lines.join('\n')}\n`,
    );
    process.exitCode = report.inSync ? 0 : 1;
  } finally {
    await nc.close();
  }
}

export function registerProvision(program: Command): void {
  tableCommand(program, 'provision', 'provision')
    .description('create the ORDERS stream and its NEW, DISPATCH and MONITOR consumers as the seed configures them')
    .addHelpText(
      'after',
      '\nExit codes: 0 the topology matches (after any change), 1 drift remains, 2 bad flags or settings, 3 NATS unreachable.',
    )
    .action((flags: Record<string, unknown>, command: Command) => provision(optionsFrom('provision', flags), command));
}
