import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import type { Command } from 'commander';

import { ConfigError, UsageError } from '../../shared/errors';
import { connectNats, jetStreamManagerFor } from '../../shared/nats/connect';
import type { ReplayOptions } from '../../operate/replay/replay';
import { replay } from '../../operate/replay/replay';
import { parsePointInTime } from '../../operate/replay/range';
import { intFlag, natsFrom } from '../options';

interface ReplayFlags {
  since?: string;
  fromSeq?: string;
  until?: string;
  untilSeq?: string;
  subject?: string;
  order?: string;
  pace?: string;
  to?: string;
}

function replayOptions(flags: ReplayFlags): ReplayOptions {
  if (flags.since && flags.fromSeq) throw new UsageError('give --since or --from-seq, not both');
  const pace = flags.pace ?? 'instant';
  if (pace !== 'instant' && pace !== 'original')
    throw new ConfigError('--pace', `"${pace}" is not a pace`, 'use instant or original');
  if (flags.subject && !/^ORDERS\.[^.*>\s]+$/.test(flags.subject)) {
    throw new ConfigError(
      '--subject',
      `"${flags.subject}" is not a subject of the ORDERS stream`,
      'use ORDERS.received, ORDERS.processed or ORDERS.completed',
    );
  }
  const options: ReplayOptions = {
    ...(flags.fromSeq ? { fromSeq: intFlag('--from-seq', flags.fromSeq, 1, Number.MAX_SAFE_INTEGER) } : {}),
    ...(flags.since ? { since: parsePointInTime('--since', flags.since) } : {}),
    ...(flags.untilSeq ? { untilSeq: intFlag('--until-seq', flags.untilSeq, 1, Number.MAX_SAFE_INTEGER) } : {}),
    ...(flags.until ? { until: parsePointInTime('--until', flags.until) } : {}),
    ...(flags.subject ? { subject: flags.subject } : {}),
    ...(flags.order ? { orderId: flags.order } : {}),
    pace,
  };
  if (options.fromSeq && options.untilSeq && options.untilSeq < options.fromSeq) {
    throw new ConfigError(
      '--until-seq',
      `${options.untilSeq} comes before --from-seq ${options.fromSeq}`,
      'give a range that moves forward',
    );
  }
  if (options.since && options.until && options.until < options.since) {
    throw new ConfigError(
      '--until',
      `${options.until.toISOString()} comes before --since ${options.since.toISOString()}`,
      'give a range that moves forward',
    );
  }
  return options;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('read the ORDERS history again: JSON lines on stdout, or re-published to another subject')
    .option(
      '--since <duration|time>',
      'start this long ago (10m, 2h, 1d) or at this ISO 8601 time (default: the beginning)',
    )
    .option('--from-seq <n>', 'start at this stream sequence')
    .option('--until <duration|time>', 'stop after this point in time (default: the end, as of the start)')
    .option('--until-seq <n>', 'stop after this stream sequence')
    .option('--subject <subject>', 'only this subject, e.g. ORDERS.received')
    .option('--order <id>', "only this order's messages")
    .option('--pace <pace>', 'instant, or original: the recorded gaps between messages (default: instant)')
    .option('--to <subject>', 're-publish each message there instead of printing it (not an ORDERS.* subject)')
    .action(async (flags: ReplayFlags, command: Command) => {
      const options = replayOptions(flags);
      if (flags.to && (/^ORDERS\./.test(flags.to) || /[*>\s]/.test(flags.to))) {
        throw new ConfigError(
          '--to',
          `"${flags.to}" would feed the ORDERS stream again or is not a plain subject`,
          'use a subject outside ORDERS.*, e.g. monitor.ORDERS.replay',
        );
      }
      const nc = await connectNats(natsFrom(command), { name: 'orderflow replay' });
      try {
        const js = jetstream(nc);
        const jsm = await jetStreamManagerFor(nc);
        const tty = process.stderr.isTTY;
        const started = Date.now();
        const result = await replay(
          js,
          jsm,
          options,
          (m) => {
            if (flags.to) {
              const h = natsHeaders();
              for (const [k, v] of Object.entries(m.headers)) h.set(k, v);
              h.set('Orderflow-Replayed-From', `ORDERS:${m.seq}`);
              nc.publish(flags.to, m.data, { headers: h });
              return;
            }
            let data: unknown;
            try {
              data = JSON.parse(new TextDecoder().decode(m.data));
            } catch {
              data = new TextDecoder().decode(m.data);
            }
            process.stdout.write(
              `${JSON.stringify({ seq: m.seq, subject: m.subject, time: m.time, headers: m.headers, data })}\n`,
            );
          },
          tty
            ? ({ done, pending }) => {
                const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
                process.stderr.write(
                  `\r${done} read, ${rate.toFixed(0)}/s, ${pending} left, eta ${(pending / Math.max(rate, 1)).toFixed(0)} s   `,
                );
              }
            : undefined,
        );
        if (flags.to) await nc.flush();
        if (tty) process.stderr.write('\n');
        if (result.emitted === 0) {
          process.stderr.write(`orderflow: no messages in that range (${result.scanned} read, none matched)\n`);
          process.exitCode = 1;
          return;
        }
        process.stderr.write(
          `replayed ${result.emitted} message(s)${flags.to ? ` to ${flags.to}` : ''}, ${result.scanned} read\n`,
        );
      } finally {
        await nc.close();
      }
    });
}
