/**
 * One round of the bench on fresh servers (new data folders, so no round inherits a larger
 * database): raw JetStream, the bridge against Temporal-direct with its latency at half load, then
 * the pipeline end to end with regular activities against local functions.
 */
import { registerSearchAttributes } from '../../shared/temporal/search-attribute-registry';
import { startPipeline } from '../harness/pipeline';
import { stopAllServers } from '../harness/servers';
import type { BenchConfig } from './config';
import type { BridgeVsDirect } from './bridge-vs-direct';
import { bridgeVsDirect } from './bridge-vs-direct';
import type { LocalVsRegular } from './local-vs-regular';
import { localVsRegular } from './local-vs-regular';
import { rawJetStream } from './raw-jetstream';
import { PIPELINES, startBenchWorker } from './workers';

export interface RoundResult extends BridgeVsDirect {
  readonly rawPerS: number;
  readonly endToEnd: LocalVsRegular;
  readonly seconds: number;
}

export async function runRound(config: BenchConfig): Promise<RoundResult> {
  const started = performance.now();
  const p = await startPipeline();
  try {
    // As `orderflow provision` does: the bridge then gives its runs the attributes, and direct does too.
    const registered = await registerSearchAttributes(p.client);
    if (registered.state !== 'registered') throw new Error(`search attributes: ${registered.reason}`);
    const worker = await startBenchWorker(p, PIPELINES.regular);
    try {
      const rawPerS = await rawJetStream(p, config.rawMessages);
      const compared = await bridgeVsDirect(p, config);
      const endToEnd = await localVsRegular(p, config);
      return { ...compared, rawPerS, endToEnd, seconds: (performance.now() - started) / 1000 };
    } finally {
      await worker.stop();
    }
  } finally {
    await p.stop();
    await stopAllServers();
  }
}
