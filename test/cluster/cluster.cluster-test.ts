/**
 * The cluster scenario of issue #12: a 3-node NATS cluster (R3 stream, dead letters and buckets),
 * a Temporal cluster, two bridges given all three NATS URLs and three workers (two on the
 * pipeline's queue, one on `payments`). Thousands of orders are published over a fault window in
 * which the ORDERS stream leader, a bridge, a worker and Temporal's process are SIGKILLed and
 * brought back; then the chaos checker judges every order from the servers' state alone. The
 * figures (rates, takeover and recovery times, runtime) are printed and kept as JSON in the log
 * folder; the folder is removed when the run passes. Sizes: CLUSTER_* (config.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { reportedVersion } from '../../local/servers/binaries';
import { DLQ_STREAM, STREAM } from '../../workflows/names';
import { totalsOf } from '../chaos/chaos';
import type { EffectCounter } from '../chaos/effect-counter';
import { startEffectCounter } from '../chaos/effect-counter';
import { judge } from '../chaos/judge';
import type { PublishRecord } from '../chaos/publisher';
import { publishPlan } from '../chaos/publisher';
import { settle } from '../chaos/settle';
import { toolPath } from '../harness/tools';
import { clusterRunConfig } from './config';
import type { Deployment } from './deployment';
import { provisionCluster, startDeployment } from './deployment';
import type { FaultRecord } from './fault-script';
import { runFaultScript } from './fault-script';
import { clusterFigures, renderFigures } from './figures';
import type { NatsCluster } from './nats-cluster';
import { startNatsCluster } from './nats-cluster';
import { CompletionSampler, redeliveries } from './progress';
import { steadyPlan } from './steady-plan';
import type { TemporalCluster } from './temporal-cluster';
import { startTemporalCluster } from './temporal-cluster';

const config = clusterRunConfig();
const say = (line: string): void => void process.stdout.write(`cluster: ${line}\n`);

describe('cluster - 3 NATS nodes, a Temporal cluster, 2 bridges and 3 workers under faults', () => {
  const began = Date.now();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orderflow-cluster-run-'));
  const logDir = path.join(dataDir, 'logs');
  let nats: NatsCluster | undefined;
  let temporal: TemporalCluster | undefined;
  let counter: EffectCounter | undefined;
  let deployment: Deployment | undefined;
  let passed = false;

  afterAll(async () => {
    await deployment?.stop();
    await counter?.close();
    await nats?.stop();
    await temporal?.stop();
    if (passed) fs.rmSync(dataDir, { recursive: true, force: true });
    else say(`logs and report kept in ${logDir}`);
  }, 120_000);

  it('cluster - the stream leader, a bridge, a worker and Temporal SIGKILLed mid-run: every order completed once', async () => {
    fs.mkdirSync(logDir, { recursive: true });
    const events: string[] = [];
    const report = (target: string, event: string, detail: string): void => {
      events.push(`${target} ${event} ${detail}`);
      say(`${target}: ${event} ${detail}`);
    };
    nats = await startNatsCluster({ dataDir: path.join(dataDir, 'nats') });
    temporal = await startTemporalCluster({ dataDir: path.join(dataDir, 'temporal'), log: say });
    say(`NATS ${nats.urls}, Temporal ${temporal.address}; provisioning with --replicas 3`);
    await provisionCluster(nats, temporal);
    counter = await startEffectCounter();
    deployment = await startDeployment({ nats, temporal, logDir, counterUrl: counter.url, report });
    const { clients } = deployment;
    for (const stream of [STREAM, DLQ_STREAM])
      expect([stream, (await clients.jsm.streams.info(stream)).config.num_replicas]).toEqual([stream, 3]);
    const temporalVersion = (await clients.client.workflowService.getSystemInfo({})).serverVersion;
    const setup =
      `${config.orders} orders over ${config.windowMs / 1000} s; nats-server ${reportedVersion(toolPath('nats-server'))} ` +
      `x3 (R3), Temporal ${temporalVersion}; 2 bridges, 3 workers (2 + 1 on payments); ` +
      `${os.cpus().length} CPUs, load average ${os.loadavg()[0]!.toFixed(1)} at the start`;
    const setupMs = Date.now() - began;

    const plan = steadyPlan(config.orders, config.windowMs, `cl-${began.toString(36)}-`);
    const startedAt = Date.now();
    const sampler = new CompletionSampler(clients.jsm, startedAt);
    const sampling = new AbortController();
    const sampled = sampler.run(sampling.signal);
    const stop = new AbortController();
    let records: PublishRecord[] = [];
    let faults: FaultRecord[] = [];
    say(`publishing ${config.orders} orders over ${config.windowMs / 1000} s with four faults`);
    try {
      // Either failing ends the other, rather than leaving it to publish or strike on its own.
      [records, faults] = await Promise.all([
        publishPlan(clients.js, plan.publications, startedAt, stop.signal),
        runFaultScript(deployment, nats, temporal, {
          windowMs: config.windowMs,
          downMs: config.downMs,
          startedAt,
          signal: stop.signal,
          say,
        }),
      ]).catch((err: unknown) => {
        stop.abort();
        throw err;
      });
      const windowMs = Date.now() - startedAt;
      await deployment.ensureUp();
      say('faults over, everything up; settling');
      const settled = await settle(clients, { timeoutMs: config.settleTimeoutMs, stallMs: config.stallMs }, startedAt);
      const settleMs = Date.now() - startedAt - windowMs;
      stop.abort();
      for (const f of faults) {
        const drained = await f.drained;
        if (drained !== undefined) f.figures.inFlightDrainedMs = drained;
      }
      sampling.abort();
      await sampled;
      const checkedAt = Date.now();
      const history = { cases: plan.cases, publications: plan.publications, records };
      const result = await judge(clients, history, counter.applied);
      const redelivered = await redeliveries(clients.jsm);
      const totals = totalsOf(result, settled.stalls.length);
      const times = {
        setupMs,
        windowMs,
        settleMs,
        checkMs: Date.now() - checkedAt,
        totalMs: Date.now() - began,
        loadAverage: Number(os.loadavg()[0]!.toFixed(1)),
      };
      const figures = clusterFigures({
        setup,
        totals,
        publications: plan.publications,
        records,
        sampler,
        faults,
        redeliveries: redelivered,
        times,
      });
      fs.writeFileSync(
        path.join(logDir, 'cluster-report.json'),
        `${JSON.stringify({ figures, verdicts: result.cases.filter((c) => c.verdict !== 'ok'), events, settled }, null, 1)}\n`,
      );
      say(`figures\n${renderFigures(figures)}`);

      const problems = [...result.cases.filter((c) => c.verdict !== 'ok'), ...result.unexpected, ...settled.stalls];
      expect(problems).toEqual([]);
      expect(totals).toEqual({
        orders: config.orders,
        ok: config.orders,
        lost: 0,
        duplicated: 0,
        unexpected: 0,
        deadLettered: 0,
        misfiled: 0,
        pending: 0,
        stalls: 0,
      });
      // Every fault struck, and the stream really changed leader.
      expect(faults.map((f) => f.fault)).toEqual([
        'SIGKILL stream leader',
        'SIGKILL bridge',
        'SIGKILL worker',
        'SIGKILL and restart',
      ]);
      expect(faults[0]!.figures.newLeaderMs).toBeDefined();
      expect(records.every((r) => r.seq !== undefined)).toBe(true);
      passed = true;
    } finally {
      stop.abort();
      sampling.abort();
      await sampled;
    }
  }, 3_600_000);
});
