/**
 * `npm run chaos -- --seed N --orders N --duration S --nats-server pinned|legacy|<path> --out FILE
 * --settle-timeout S --stall-after S`: a chaos run against real servers and processes (see
 * chaos.ts; defaults: a random seed, 2000 orders, 120 s of faults, the pinned nats-server, 600 s
 * of settling at most, a stall after 30 s without progress). Prints the seed first, the
 * report's path and a one-line summary last; exits 0 only when nothing was lost, duplicated,
 * unexpected, misfiled or left pending, and nothing stalled.
 */
import { parseArgs } from 'node:util';

import { killChildrenOnExit } from '../../local/servers/process';
import type { ChaosOptions } from './chaos';
import { runChaos } from './chaos';

function wholeNumber(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min) throw new RangeError(`--${flag} must be a whole number of at least ${min}`);
  return n;
}

function options(argv: readonly string[]): ChaosOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      seed: { type: 'string' },
      orders: { type: 'string' },
      duration: { type: 'string' },
      'nats-server': { type: 'string' },
      out: { type: 'string' },
      'settle-timeout': { type: 'string' },
      'stall-after': { type: 'string' },
    },
    strict: true,
  });
  return {
    seed: wholeNumber('seed', values.seed, Math.floor(Math.random() * 2 ** 31), 0),
    orders: wholeNumber('orders', values.orders, 2000, 1),
    durationMs: wholeNumber('duration', values.duration, 120, 10) * 1000,
    natsServer: values['nats-server'] ?? 'pinned',
    ...(values.out ? { out: values.out } : {}),
    settleTimeoutMs: wholeNumber('settle-timeout', values['settle-timeout'], 600, 10) * 1000,
    stallMs: wholeNumber('stall-after', values['stall-after'], 30, 5) * 1000,
    progress: (line) => process.stderr.write(`chaos: ${line}\n`),
  };
}

async function main(): Promise<number> {
  killChildrenOnExit();
  // An interrupt still ends every process and server this run started (through the exit handler).
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const chosen = options(process.argv.slice(2));
  process.stderr.write(`chaos: seed ${chosen.seed} (rerun with --seed ${chosen.seed})\n`);
  const report = await runChaos(chosen);
  for (const c of report.verdicts.filter((v) => v.verdict !== 'ok' && v.verdict !== 'dead-lettered').slice(0, 20))
    process.stderr.write(`chaos: ${c.verdict} ${c.id} (${c.kind}): ${c.findings.join('; ')}\n`);
  for (const u of report.unexpected.slice(0, 20)) process.stderr.write(`chaos: unexpected ${u.what}: ${u.detail}\n`);
  process.stdout.write(`report: ${report.out}\n${report.summary}\n`);
  return report.passed ? 0 : 1;
}

main().then(
  // The Temporal client's threads could keep the process alive; the run is over.
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
