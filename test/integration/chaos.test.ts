/**
 * The small chaos run of `npm test`: 200 orders over a minute of faults (bridges, workers,
 * nats-server and Temporal killed and paused, links cut), then the checker's verdict from the
 * servers' state. The seed is fixed so a failure reproduces (`npm run chaos -- --seed <it>`);
 * CHAOS_SEED picks another. The report and process logs are kept only when the run fails.
 */
import fs from 'node:fs';

import { runChaos } from '../chaos/chaos';
import { TARGETS } from '../chaos/cluster';
import { planOrders } from '../chaos/plan';
import { seededRandom } from '../chaos/random';
import { planFaults } from '../chaos/schedule';

// Seed 66 strikes every target within the minute: nats-server paused and killed, Temporal killed,
// both links cut, a bridge and a worker killed, others paused.
const SEED = Number(process.env.CHAOS_SEED ?? 66);

describe('chaos', () => {
  test('chaos - the same seed gives the same orders and the same nemesis schedule', () => {
    const plan = (seed: number) => {
      const random = seededRandom(seed);
      return {
        orders: planOrders(random.fork('orders'), 300, 60_000, 'x-'),
        faults: planFaults(random.fork('nemesis'), 60_000, TARGETS),
      };
    };
    expect(plan(SEED)).toEqual(plan(SEED));
    expect(plan(SEED + 1).faults).not.toEqual(plan(SEED).faults);
  });

  test('chaos - under faults nothing is lost, duplicated, unexpected, misfiled, pending or stalled', async () => {
    const report = await runChaos({
      seed: SEED,
      orders: 200,
      durationMs: 60_000,
      natsServer: 'pinned',
      settleTimeoutMs: 90_000,
      stallMs: 20_000,
    });
    const problems = [
      ...report.verdicts.filter((v) => v.verdict !== 'ok' && v.verdict !== 'dead-lettered'),
      ...report.unexpected,
      ...report.settle.stalls,
    ];
    // On failure the report stays, with every order's history, the nemesis log and the process logs.
    expect({ problems, report: report.out }).toEqual({ problems: [], report: report.out });
    expect(report.passed).toBe(true);
    // The run was a real one: every kind of order was published and every kind of fault struck.
    expect(new Set(report.cases.map((c) => c.kind)).size).toBe(8);
    const struck = new Set(
      report.nemesis.filter((e) => ['kill', 'pause', 'cut'].includes(e.action)).map((e) => e.action),
    );
    expect([...struck].sort()).toEqual(['cut', 'kill', 'pause']);
    expect(report.totals.ok + report.totals.deadLettered).toBe(200);
    fs.rmSync(report.out, { force: true });
    fs.rmSync(report.logDir, { recursive: true, force: true });
  }, 300_000);
});
