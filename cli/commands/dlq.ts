/**
 * `orderflow dlq`: list, show, count, redrive and purge the dead letters the bridge recorded in
 * ORDERS_DLQ (operate/dlq/); list and purge take a selection (IDs or ranges, --kind, --stage,
 * operate/dlq/selection.ts); a purge asks on a terminal unless --yes.
 */
import fs from 'node:fs';
import readline from 'node:readline/promises';

import type { JetStreamManager } from '@nats-io/jetstream';
import { jetstream } from '@nats-io/jetstream';
import type { Command } from 'commander';

import type { DeadLetterRecord } from '../../operate/dlq/dead-letter-store';
import {
  countDeadLetters,
  getDeadLetter,
  listDeadLetters,
  purgeDeadLetters,
  redriveDeadLetter,
  removeDeadLetters,
} from '../../operate/dlq/dead-letter-store';
import { checkCorrectedPayload } from '../../operate/dlq/redrive';
import type { DeadLetterSelection } from '../../operate/dlq/selection';
import { describeSelection, idRange, isNarrowed, selects } from '../../operate/dlq/selection';
import { streamSequence } from '../../shared/config/option-kinds';
import { parseValue } from '../../shared/config/read-options';
import { InvalidInputError, UsageError } from '../../shared/errors';
import { jetStreamManagerFor } from '../../shared/nats/connect';
import { table } from '../../operate/format';
import { serversFrom } from '../options';
import { optionsFrom, tableCommand } from '../table-flags';

type Flags = Record<string, unknown>;

function printable(record: DeadLetterRecord): Record<string, unknown> {
  const { payload, ...rest } = record;
  const text = new TextDecoder().decode(payload);
  return { ...rest, payload: text, payloadBytes: payload.length };
}

/** Dead letter IDs, their sequences in ORDERS_DLQ, given as arguments. */
function ids(values: readonly string[]): number[] {
  return values.map((v) => parseValue(streamSequence(), 'dead letter id', v));
}

async function withJetStream<T>(
  command: Command,
  run: (c: Awaited<ReturnType<typeof open>>) => Promise<T>,
): Promise<T> {
  const c = await open(command);
  try {
    return await run(c);
  } finally {
    await c.nc.close();
  }
}

async function open(command: Command) {
  const nc = await serversFrom(command, 'nats').connectNats({ name: 'orderflow dlq' });
  return { nc, jsm: await jetStreamManagerFor(nc), js: jetstream(nc) };
}

/** A corrected payload must pass the stage's own validation before anything is published. */
function correctedPayload(file: string, subject: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new InvalidInputError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  checkCorrectedPayload(bytes, subject, file);
  return bytes;
}

function listLines(records: readonly DeadLetterRecord[], json: boolean | undefined): string {
  if (json) return records.map((r) => `${JSON.stringify(printable(r))}\n`).join('');
  if (records.length === 0) return 'No dead letters.\n';
  const rows = [['ID', 'TIME', 'CONSUMER', 'KIND', 'ORDER', 'SEQ', 'DELIVERIES', 'REASON']];
  for (const r of records) {
    const order = r.orderId ?? '-';
    rows.push([
      String(r.id),
      r.time,
      r.consumer,
      r.kind,
      order,
      String(r.streamSeq),
      String(r.deliveries),
      r.reason.slice(0, 80),
    ]);
  }
  return `${table(rows)}\n`;
}

/** The dead letters the arguments and --kind / --stage select. */
function selectionOf(
  given: readonly string[],
  options: { deadLetterKind?: string; deadLetterStage?: DeadLetterSelection['stage'] },
): DeadLetterSelection {
  const { deadLetterKind: kind, deadLetterStage: stage } = options;
  return { ids: given.map(idRange), ...(kind ? { kind } : {}), ...(stage ? { stage } : {}) };
}

function registerList(dlq: Command): void {
  tableCommand(dlq, 'list [ids...]', 'dlq list')
    .description('dead letters (all, or the IDs and ranges named): id, when, stage consumer, kind, order, reason')
    .action(async (given: string[], flags: Flags, command: Command) => {
      const options = optionsFrom('dlq list', flags);
      const selection = selectionOf(given, options);
      const records = await withJetStream(command, ({ jsm }) => listDeadLetters(jsm));
      process.stdout.write(
        listLines(
          records.filter((r) => selects(selection, r)),
          options.json,
        ),
      );
    });
}

function registerShow(dlq: Command): void {
  dlq
    .command('show <id>')
    .description('one dead letter in full: headers, reason and the original payload')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const [seq] = ids([id]);
      const record = await withJetStream(command, ({ jsm }) => getDeadLetter(jsm, seq!));
      process.stdout.write(`${JSON.stringify(printable(record), null, 2)}\n`);
    });
}

async function redrive(given: readonly string[], flags: Flags, command: Command): Promise<void> {
  const { all, payload: payloadFile } = optionsFrom('dlq redrive', flags);
  if (!all && given.length === 0)
    throw new UsageError('name the dead letters to redrive (see `orderflow dlq list`), or pass --all');
  if (all && given.length) throw new UsageError('give ids or --all, not both');
  if (payloadFile && given.length !== 1)
    throw new UsageError('--payload corrects one dead letter: name exactly one id');
  await withJetStream(command, async ({ js, jsm }) => {
    const records = all
      ? await listDeadLetters(jsm)
      : await Promise.all(ids(given).map((seq) => getDeadLetter(jsm, seq)));
    const payload = payloadFile ? correctedPayload(payloadFile, records[0]!.subject) : undefined;
    for (const record of records) {
      const ack = await redriveDeadLetter(js, jsm, record, payload);
      process.stdout.write(
        `dead letter ${record.id} (${record.orderId ?? 'no order id'}) back on ${record.subject} as ORDERS seq ${ack.seq}\n`,
      );
    }
    if (records.length === 0) process.stdout.write('No dead letters.\n');
  });
}

function registerRedrive(dlq: Command): void {
  tableCommand(dlq, 'redrive [ids...]', 'dlq redrive')
    .description('put dead letters back into their stage as new attempts, then remove them from ORDERS_DLQ')
    .action(redrive);
}

/**
 * Whether the user confirms removing `count` dead letters (`which`: the selection in words): --yes,
 * or "purge" typed on a terminal.
 */
async function purgeConfirmed(count: number, which: string, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  const what = `${count} dead letter(s)${which ? ` ${which}` : ''}`;
  if (!process.stdin.isTTY) throw new UsageError(`purge removes ${what} for good: pass --yes to confirm`);
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`Remove ${what} for good? Type "purge" to confirm: `);
  rl.close();
  return answer.trim() === 'purge';
}

/** Purges what `selection` names: every dead letter at once, or the ones selected, listed first. */
async function purge(jsm: JetStreamManager, selection: DeadLetterSelection, yes: boolean | undefined): Promise<void> {
  if (!isNarrowed(selection)) {
    const count = (await countDeadLetters(jsm)).total;
    if (count === 0) process.stdout.write('No dead letters.\n');
    else if (!(await purgeConfirmed(count, '', yes))) process.stdout.write('Nothing removed.\n');
    else process.stdout.write(`Removed ${await purgeDeadLetters(jsm)} dead letter(s).\n`);
    return;
  }
  const which = describeSelection(selection);
  const records = (await listDeadLetters(jsm)).filter((r) => selects(selection, r));
  if (records.length === 0) process.stdout.write(`No dead letters ${which}.\n`);
  else if (!(await purgeConfirmed(records.length, which, yes))) process.stdout.write('Nothing removed.\n');
  else process.stdout.write(`Removed ${await removeDeadLetters(jsm, records)} dead letter(s) ${which}.\n`);
}

function registerPurge(dlq: Command): void {
  tableCommand(dlq, 'purge [ids...]', 'dlq purge')
    .description(
      'remove dead letters (with the stored bytes of large ones), after confirmation: every one, or those selected',
    )
    .action(async (given: string[], flags: Flags, command: Command) => {
      const options = optionsFrom('dlq purge', flags);
      const selection = selectionOf(given, options);
      await withJetStream(command, ({ jsm }) => purge(jsm, selection, options.yes));
    });
}

export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description('dead letters: messages the bridge terminated, kept in ORDERS_DLQ');
  registerList(dlq);
  registerShow(dlq);
  registerRedrive(dlq);
  registerPurge(dlq);
}
