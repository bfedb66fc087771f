/**
 * `orderflow publish`: orders from a file, standard input, flags or `--count` demo orders, all
 * validated before any is published, each deduplicated by its order ID (operate/publish/).
 */
import fs from 'node:fs';

import { jetstream } from '@nats-io/jetstream';
import type { Command } from 'commander';

import { InvalidInputError, UsageError } from '../../shared/errors';
import { tracingFromEnv } from '../../shared/observability/trace-context';
import { demoOrders } from '../../shared/orders/demo';
import { parseItemFlag, parseMetadataFlags, parseOrderText, validateCandidates } from '../../operate/publish/input';
import type { PublishResult } from '../../operate/publish/publish';
import { publishOrders } from '../../operate/publish/publish';
import type { Order } from '../../shared/orders/schema';
import type { OptionsFor } from '../../shared/config/option-table';
import { serversFrom } from '../options';
import { optionsFrom, tableCommand } from '../table-flags';

type PublishOptions = OptionsFor<'publish'>;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The one order --order-id and its flags describe, validated. */
function orderFromFlags(flags: PublishOptions): Order[] {
  const metadata = flags.metadata?.length ? { metadata: parseMetadataFlags(flags.metadata) } : {};
  return validateCandidates([
    {
      label: 'flags',
      value: {
        orderId: flags.orderId,
        customerId: flags.customer,
        currency: flags.currency,
        items: (flags.item ?? []).map(parseItemFlag),
        ...metadata,
        // No createdAt of the clock's: the same flags again must be the same order (a repeat, not a conflict).
      },
    },
  ]);
}

async function ordersFrom(file: string | undefined, flags: PublishOptions): Promise<Order[]> {
  const sources = [file !== undefined, flags.count !== undefined, flags.orderId !== undefined].filter(Boolean).length;
  if (sources > 1)
    throw new UsageError('give orders one way: a file (or - for stdin), --count, or --order-id with --item');
  // They describe the --order-id order: anywhere else they would be dropped without a word.
  const orphans = (['customer', 'item', 'metadata'] as const).filter((k) => flags[k] !== undefined);
  if (flags.orderId === undefined && orphans.length) {
    const [verb, pronoun] = orphans.length > 1 ? ['are', 'them'] : ['is', 'it'];
    throw new UsageError(
      `${orphans.map((k) => `--${k}`).join(', ')} ${verb} for the --order-id order: give --order-id, or leave ${pronoun} out`,
    );
  }
  if (flags.count !== undefined) return demoOrders(flags.count);
  if (flags.orderId !== undefined) return orderFromFlags(flags);
  if (file === undefined || file === '-') {
    if (file === undefined && process.stdin.isTTY) {
      throw new UsageError('no orders given: name a JSON file, pipe JSON lines to stdin, or use --count N');
    }
    return validateCandidates(parseOrderText(await readStdin(), 'stdin'));
  }
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return validateCandidates(parseOrderText(text, file));
}

function resultLine(r: PublishResult): string {
  if (r.conflict) {
    return `order ${r.orderId}: CONFLICT, ORDERS seq ${r.seq} already holds a different order with this ID; not stored`;
  }
  if (r.duplicate) return `order ${r.orderId}: duplicate, already stored as ORDERS seq ${r.seq}; dropped`;
  return `order ${r.orderId}: published as ORDERS seq ${r.seq}`;
}

/** Publishes the orders, one line (or JSON object) each; exit 1 when one conflicts with an order already stored. */
async function publish(file: string | undefined, flags: PublishOptions, command: Command): Promise<void> {
  const servers = serversFrom(command, 'nats');
  const orders = await ordersFrom(file, flags);
  const nc = await servers.connectNats({ name: 'orderflow publish' });
  // Each order's trace starts with its publish, when the OpenTelemetry environment asks for traces.
  const tracing = await tracingFromEnv('publish', process.env);
  try {
    let duplicates = 0;
    let conflicts = 0;
    await publishOrders(jetstream(nc), orders, {
      onResult: (r) => {
        if (r.conflict) conflicts += 1;
        else if (r.duplicate) duplicates += 1;
        process.stdout.write(flags.json ? `${JSON.stringify(r)}\n` : `${resultLine(r)}\n`);
      },
    });
    const notes = [
      ...(duplicates ? [`${duplicates} duplicate(s) dropped`] : []),
      ...(conflicts ? [`${conflicts} conflict(s) not stored`] : []),
    ];
    process.stderr.write(
      `published ${orders.length - duplicates - conflicts} order(s) to ORDERS.received${notes.map((n) => `, ${n}`).join('')}\n`,
    );
    if (conflicts) process.exitCode = 1;
  } finally {
    await nc.close();
    await tracing?.shutdown();
  }
}

export function registerPublish(program: Command): void {
  tableCommand(program, 'publish [file]', 'publish')
    .description(
      'validate orders and publish them to ORDERS.received (Nats-Msg-Id = order ID: an identical repeat is dropped, ' +
        'a different order under an ID already stored is reported as a conflict)',
    )
    .addHelpText(
      'after',
      '\nInput: a JSON file holding one order or an array of orders, JSON lines (file or stdin: -), --count, or flags.' +
        '\nEvery order is validated before any is published; one invalid order publishes nothing (exit 2).' +
        "\nA conflict (exit 1): within the stream's duplicate window, ORDERS already holds a different order under" +
        '\nthe same ID; this version is not stored, and the other orders of the batch are still published.',
    )
    .action((file: string | undefined, flags: Record<string, unknown>, command: Command) =>
      publish(file, optionsFrom('publish', flags), command),
    );
}
