/** `orderflow replay`: a range of the ORDERS history again, as JSON lines or re-published elsewhere. */
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { headers as natsHeaders } from '@nats-io/nats-core';
import type { Command } from 'commander';

import { jetStreamManagerFor } from '../../shared/nats/connect';
import type { ReplayedMessage, ReplayProgress } from '../../operate/replay/replay';
import { replay } from '../../operate/replay/replay';
import type { ReplayRequest } from '../../operate/replay/range';
import { replayRequest } from '../../operate/replay/range';
import { serversFrom } from '../options';
import { tableCommand } from '../table-flags';

/** Re-publishes each message to `to`, with the sequence it was replayed from. */
function republisher(nc: NatsConnection, to: string): (m: ReplayedMessage) => void {
  return (m) => {
    const h = natsHeaders();
    for (const [k, v] of Object.entries(m.headers)) h.set(k, v);
    h.set('Orderflow-Replayed-From', `ORDERS:${m.seq}`);
    nc.publish(to, m.data, { headers: h });
  };
}

/** Prints each message as one JSON line, its data as JSON when it is. */
function printMessage(m: ReplayedMessage): void {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder().decode(m.data));
  } catch {
    data = new TextDecoder().decode(m.data);
  }
  process.stdout.write(
    `${JSON.stringify({ seq: m.seq, subject: m.subject, time: m.time, headers: m.headers, data })}\n`,
  );
}

/** A progress line redrawn on a terminal: read, rate, left and the time left. */
function progressLine(): (progress: ReplayProgress) => void {
  const started = Date.now();
  return ({ done, pending }) => {
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    process.stderr.write(
      `\r${done} read, ${rate.toFixed(0)}/s, ${pending} left, eta ${(pending / Math.max(rate, 1)).toFixed(0)} s   `,
    );
  };
}

/** Replays the range; exit 1 when it held no message. */
async function replayRange({ options, to }: ReplayRequest, command: Command): Promise<void> {
  const nc = await serversFrom(command, 'nats').connectNats({ name: 'orderflow replay' });
  try {
    const tty = process.stderr.isTTY;
    const emit = to ? republisher(nc, to) : printMessage;
    const result = await replay(
      jetstream(nc),
      await jetStreamManagerFor(nc),
      options,
      emit,
      tty ? progressLine() : undefined,
    );
    if (to) await nc.flush();
    if (tty) process.stderr.write('\n');
    if (result.emitted === 0) {
      process.stderr.write(`orderflow: no messages in that range (${result.scanned} read, none matched)\n`);
      process.exitCode = 1;
      return;
    }
    process.stderr.write(`replayed ${result.emitted} message(s)${to ? ` to ${to}` : ''}, ${result.scanned} read\n`);
  } finally {
    await nc.close();
  }
}

export function registerReplay(program: Command): void {
  tableCommand(program, 'replay', 'replay')
    .description('read the ORDERS history again: JSON lines on stdout, or re-published to another subject')
    .action((flags: Record<string, unknown>, command: Command) =>
      replayRange(replayRequest(flags, process.env), command),
    );
}
