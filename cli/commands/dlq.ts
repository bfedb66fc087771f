/**
 * `orderflow dlq`: list, show, count, redrive and purge the dead letters the bridge recorded in
 * ORDERS_DLQ (operate/dlq/); a purge asks on a terminal unless --yes.
 */
import fs from 'node:fs';
import readline from 'node:readline/promises';

import { jetstream } from '@nats-io/jetstream';
import type { Command } from 'commander';

import type { DeadLetterRecord } from '../../operate/dlq/dead-letter-store';
import {
  countDeadLetters,
  getDeadLetter,
  listDeadLetters,
  purgeDeadLetters,
  redriveDeadLetter,
} from '../../operate/dlq/dead-letter-store';
import { checkCorrectedPayload } from '../../operate/dlq/redrive';
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

function registerList(dlq: Command): void {
  tableCommand(dlq, 'list', 'dlq list')
    .description('every dead letter: id, when, stage consumer, kind, order, deliveries, reason')
    .action(async (flags: Flags, command: Command) => {
      const { json } = optionsFrom('dlq list', flags);
      const records = await withJetStream(command, ({ jsm }) => listDeadLetters(jsm));
      process.stdout.write(listLines(records, json));
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

/** Whether the user confirms removing `count` dead letters: --yes, or "purge" typed on a terminal. */
async function purgeConfirmed(count: number, yes: boolean | undefined): Promise<boolean> {
  if (yes) return true;
  if (!process.stdin.isTTY)
    throw new UsageError(`purge removes ${count} dead letter(s) for good: pass --yes to confirm`);
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`Remove ${count} dead letter(s) for good? Type "purge" to confirm: `);
  rl.close();
  return answer.trim() === 'purge';
}

function registerPurge(dlq: Command): void {
  tableCommand(dlq, 'purge', 'dlq purge')
    .description('remove every dead letter (with the stored bytes of large ones), after confirmation')
    .action(async (flags: Flags, command: Command) => {
      const { yes } = optionsFrom('dlq purge', flags);
      await withJetStream(command, async ({ jsm }) => {
        const count = (await countDeadLetters(jsm)).total;
        if (count === 0) process.stdout.write('No dead letters.\n');
        else if (!(await purgeConfirmed(count, yes))) process.stdout.write('Nothing removed.\n');
        else process.stdout.write(`Removed ${await purgeDeadLetters(jsm)} dead letter(s).\n`);
      });
    });
}

export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description('dead letters: messages the bridge terminated, kept in ORDERS_DLQ');
  registerList(dlq);
  registerShow(dlq);
  registerRedrive(dlq);
  registerPurge(dlq);
}
