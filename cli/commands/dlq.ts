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
import { InvalidInputError, UsageError } from '../../shared/errors';
import { connectNats, jetStreamManagerFor } from '../../shared/nats/connect';
import { table } from '../../operate/format';
import { intFlag, natsFrom } from '../options';

function printable(record: DeadLetterRecord): Record<string, unknown> {
  const { payload, ...rest } = record;
  const text = new TextDecoder().decode(payload);
  return { ...rest, payload: text, payloadBytes: payload.length };
}

function ids(values: readonly string[]): number[] {
  return values.map((v) => intFlag('dead letter id', v, 1, Number.MAX_SAFE_INTEGER));
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
  const nc = await connectNats(natsFrom(command), { name: 'orderflow dlq' });
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

export function registerDlq(program: Command): void {
  const dlq = program.command('dlq').description('dead letters: messages the bridge terminated, kept in ORDERS_DLQ');

  dlq
    .command('list')
    .description('every dead letter: id, when, stage consumer, kind, order, deliveries, reason')
    .option('--json', 'one JSON object per dead letter')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const records = await withJetStream(command, ({ jsm }) => listDeadLetters(jsm));
      if (flags.json) {
        for (const r of records) process.stdout.write(`${JSON.stringify(printable(r))}\n`);
        return;
      }
      if (records.length === 0) {
        process.stdout.write('No dead letters.\n');
        return;
      }
      const rows = [['ID', 'TIME', 'CONSUMER', 'KIND', 'ORDER', 'SEQ', 'DELIVERIES', 'REASON']];
      for (const r of records) {
        rows.push([
          String(r.id),
          r.time,
          r.consumer,
          r.kind,
          r.orderId ?? '-',
          String(r.streamSeq),
          String(r.deliveries),
          r.reason.slice(0, 80),
        ]);
      }
      process.stdout.write(`${table(rows)}\n`);
    });

  dlq
    .command('show <id>')
    .description('one dead letter in full: headers, reason and the original payload')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const [seq] = ids([id]);
      const record = await withJetStream(command, ({ jsm }) => getDeadLetter(jsm, seq!));
      process.stdout.write(`${JSON.stringify(printable(record), null, 2)}\n`);
    });

  dlq
    .command('redrive [ids...]')
    .description('put dead letters back into their stage as new attempts, then remove them from ORDERS_DLQ')
    .option('--all', 'every dead letter')
    .option('--payload <file>', 'a corrected payload for the one dead letter named (validated first)')
    .action(async (given: string[], flags: { all?: boolean; payload?: string }, command: Command) => {
      if (!flags.all && given.length === 0)
        throw new UsageError('name the dead letters to redrive (see `orderflow dlq list`), or pass --all');
      if (flags.all && given.length) throw new UsageError('give ids or --all, not both');
      if (flags.payload && given.length !== 1)
        throw new UsageError('--payload corrects one dead letter: name exactly one id');
      await withJetStream(command, async ({ js, jsm }) => {
        const records = flags.all
          ? await listDeadLetters(jsm)
          : await Promise.all(ids(given).map((seq) => getDeadLetter(jsm, seq)));
        const payload = flags.payload ? correctedPayload(flags.payload, records[0]!.subject) : undefined;
        for (const record of records) {
          const ack = await redriveDeadLetter(js, jsm, record, payload);
          process.stdout.write(
            `dead letter ${record.id} (${record.orderId ?? 'no order id'}) back on ${record.subject} as ORDERS seq ${ack.seq}\n`,
          );
        }
        if (records.length === 0) process.stdout.write('No dead letters.\n');
      });
    });

  dlq
    .command('purge')
    .description('remove every dead letter (with the stored bytes of large ones), after confirmation')
    .option('--yes', 'confirm without asking (required when stdin is not a terminal)')
    .action(async (flags: { yes?: boolean }, command: Command) => {
      await withJetStream(command, async ({ jsm }) => {
        const count = (await countDeadLetters(jsm)).total;
        if (count === 0) {
          process.stdout.write('No dead letters.\n');
          return;
        }
        if (!flags.yes) {
          if (!process.stdin.isTTY)
            throw new UsageError(`purge removes ${count} dead letter(s) for good: pass --yes to confirm`);
          const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
          const answer = await rl.question(`Remove ${count} dead letter(s) for good? Type "purge" to confirm: `);
          rl.close();
          if (answer.trim() !== 'purge') {
            process.stdout.write('Nothing removed.\n');
            return;
          }
        }
        process.stdout.write(`Removed ${await purgeDeadLetters(jsm)} dead letter(s).\n`);
      });
    });
}
