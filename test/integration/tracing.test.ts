/**
 * Issue #12, one trace per order: the publisher's traceparent (or, without one, a trace the bridge
 * starts) runs through the bridge, both stage workflows, every function and the publish of each
 * stage's output, so that the whole order is one tree of spans. Real servers, an in-process worker
 * and bridge that export to an InMemorySpanExporter given to them (startTracing's exporter).
 */
import { randomBytes } from 'node:crypto';

import { headers as natsHeaders } from '@nats-io/nats-core';
import { ROOT_CONTEXT, TraceFlags, context, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';

import { workerOptions } from '../../shared/config/run-options';
import { Bridge } from '../../bridge/bridge';
import { silentLogger } from '../../shared/log';
import { connectNats } from '../../shared/nats/connect';
import type { Tracing } from '../../shared/observability/tracing';
import { startTracing } from '../../shared/observability/tracing';
import { publishOrders } from '../../operate/publish/publish';
import type { Order } from '../../shared/orders/schema';
import { connectTemporal } from '../../shared/temporal/connect';
import { createOrderflowWorker, installRuntimeWithoutSignalHandlers } from '../../worker/worker';
import { expectCompletedOnce } from '../harness/expect-pipeline';
import type { Pipeline } from '../harness/pipeline';
import { closeAfterFile, orders, startPipeline, testBridgeOptions, waitFor } from '../harness/pipeline';
import { WORKFLOW_BUNDLE } from '../harness/paths';

/** The spans one order's trace must hold, whoever started it (RunActivity: the worker's, per function). */
const EXPECTED = [
  'Bridge:process',
  'Bridge:dispatch',
  'StartWorkflow:processOrder',
  'StartWorkflow:dispatchOrder',
  'RunWorkflow:processOrder',
  'RunWorkflow:dispatchOrder',
  'RunActivity:reserveStock',
  'RunActivity:chargePayment',
  'RunActivity:assignCourier',
  'RunActivity:ship',
  'RunActivity:orderflow.publishStageOutput',
];

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

describe('tracing - one trace per order, publish to the last function', () => {
  let p: Pipeline;
  let tracing: Tracing;
  const exporter = new InMemorySpanExporter();

  beforeAll(async () => {
    p = await startPipeline();
    tracing = startTracing({ component: 'test', exporter });
    closeAfterFile(() => tracing.shutdown());
    installRuntimeWithoutSignalHandlers();
    const workerNc = await connectNats({ servers: [p.nats.url] }, { reconnectForever: true });
    const worker = await createOrderflowWorker({
      nc: workerNc,
      temporal: p.temporalSettings,
      options: workerOptions({ shutdownGraceMs: '5000' }, {}),
      workflowBundlePath: WORKFLOW_BUNDLE,
      tracing,
    });
    const running = worker.run();
    closeAfterFile(async () => {
      worker.shutdown();
      await running;
      await workerNc.close();
    });
    const nc = await connectNats({ servers: [p.nats.url] }, { reconnectForever: true });
    // The bridge's client carries its span into each workflow start, as `orderflow bridge` does when tracing.
    const client = await connectTemporal(p.temporalSettings, { clientInterceptors: tracing.clientInterceptors });
    const probeClient = await connectTemporal(p.temporalSettings, { retries: false });
    const bridge = new Bridge({ nc, client, probeClient, logger: silentLogger }, testBridgeOptions());
    await bridge.start();
    closeAfterFile(async () => {
      await bridge.close();
      await nc.close();
      await client.connection.close();
      await probeClient.connection.close();
    });
  }, 120_000);

  async function publishWith(order: Order, traceparent?: string): Promise<void> {
    const h = natsHeaders();
    if (traceparent) h.set('traceparent', traceparent);
    await p.js.publish('ORDERS.received', JSON.stringify(order), { msgID: order.orderId, headers: h });
  }

  const spansOf = (traceId: string): ReadableSpan[] =>
    exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);

  /** The trace the bridge's process-stage span of `orderId` belongs to, once it has ended. */
  function traceOfOrder(orderId: string): string | undefined {
    const span = exporter
      .getFinishedSpans()
      .find((s) => s.name === 'Bridge:process' && s.attributes['orderflow.order_id'] === orderId);
    return span?.spanContext().traceId;
  }

  /** Waits until the trace holds every expected span (workflow spans leave the sandbox after the run's task). */
  async function completeTrace(traceId: string, also: readonly string[] = []): Promise<ReadableSpan[]> {
    const missing = (): string[] => {
      const names = new Set(spansOf(traceId).map((s) => s.name));
      return [...EXPECTED, ...also].filter((name) => !names.has(name));
    };
    await waitFor(`every span of trace ${traceId}`, () => Promise.resolve(missing().length === 0), 30_000).catch(() => {
      throw new Error(`trace ${traceId} lacks ${missing().join(', ')}`);
    });
    return spansOf(traceId);
  }

  /**
   * One tree: a single root (`rootName`, whose parent is `rootParent`: the publisher's span, or none),
   * every other span's parent in the trace, the dispatch stage under the process stage, and each
   * stage's functions and publish under that stage's workflow.
   */
  function expectOneTree(
    spans: readonly ReadableSpan[],
    orderId: string,
    rootParent: string | undefined,
    rootName = 'Bridge:process',
  ): void {
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const roots = spans.filter((s) => !s.parentSpanId || !byId.has(s.parentSpanId));
    expect(roots.map((s) => [s.name, s.parentSpanId])).toEqual([[rootName, rootParent]]);
    const ancestors = (span: ReadableSpan): string[] => {
      const names: string[] = [];
      for (let s = span.parentSpanId ? byId.get(span.parentSpanId) : undefined; s;) {
        names.push(s.name);
        s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
      }
      return names;
    };
    const one = (name: string): ReadableSpan => {
      const found = spans.filter((s) => s.name === name);
      expect([name, found.length]).toEqual([name, 1]);
      return found[0]!;
    };
    const process = one('Bridge:process');
    expect(process.attributes).toMatchObject({ 'orderflow.order_id': orderId, 'orderflow.outcome': 'completed' });
    expect(one('Bridge:dispatch').attributes).toMatchObject({ 'orderflow.order_id': orderId });
    expect(ancestors(one('Bridge:dispatch'))).toContain('RunWorkflow:processOrder');
    expect(ancestors(one('RunWorkflow:processOrder'))).toContain('Bridge:process');
    expect(ancestors(one('RunWorkflow:dispatchOrder'))).toContain('Bridge:dispatch');
    for (const fn of ['reserveStock', 'chargePayment'])
      expect(ancestors(one(`RunActivity:${fn}`))).toContain('RunWorkflow:processOrder');
    for (const fn of ['assignCourier', 'ship'])
      expect(ancestors(one(`RunActivity:${fn}`))).toContain('RunWorkflow:dispatchOrder');
    const publishes = spans.filter((s) => s.name === 'RunActivity:orderflow.publishStageOutput').map(ancestors);
    expect(publishes.map((a) => a.find((n) => n.startsWith('RunWorkflow:'))).sort()).toEqual([
      'RunWorkflow:dispatchOrder',
      'RunWorkflow:processOrder',
    ]);
  }

  test("orders published with a traceparent are each one trace with the publisher's trace ID", async () => {
    const list = orders(3, 'traced-');
    const publisher = list.map((order) => ({ order, traceId: hex(16), spanId: hex(8) }));
    for (const { order, traceId, spanId } of publisher) await publishWith(order, `00-${traceId}-${spanId}-01`);
    await expectCompletedOnce(
      p,
      list.map((o) => o.orderId),
      'traced-',
    );
    for (const { order, traceId, spanId } of publisher) {
      const spans = await completeTrace(traceId);
      expectOneTree(spans, order.orderId, spanId);
    }
  }, 120_000);

  test('orders published without a traceparent are each one new trace spanning both stages', async () => {
    const list = orders(3, 'untraced-');
    for (const order of list) await publishWith(order);
    await expectCompletedOnce(
      p,
      list.map((o) => o.orderId),
      'untraced-',
    );
    const traces = list.map((order) => traceOfOrder(order.orderId));
    expect(traces.every((t) => t !== undefined)).toBe(true);
    expect(new Set(traces).size).toBe(list.length);
    for (const [i, order] of list.entries()) {
      const spans = await completeTrace(traces[i]!);
      expectOneTree(spans, order.orderId, undefined);
    }
  }, 120_000);

  test("orders published by orderflow's publish start with its Publish span, under the caller's trace", async () => {
    const list = orders(3, 'published-');
    const callers = list.map((order) => ({ order, traceId: hex(16), spanId: hex(8) }));
    for (const { order, traceId, spanId } of callers) {
      // The caller's own span (a service publishing orders), as orderflow sees it: the active context.
      const parent = trace.setSpanContext(ROOT_CONTEXT, {
        traceId,
        spanId,
        traceFlags: TraceFlags.SAMPLED,
        isRemote: true,
      });
      await context.with(parent, () => publishOrders(p.js, [order]));
    }
    await expectCompletedOnce(
      p,
      list.map((o) => o.orderId),
      'published-',
    );
    for (const { order, traceId, spanId } of callers) {
      const spans = await completeTrace(traceId, ['Publish:ORDERS.received']);
      expectOneTree(spans, order.orderId, spanId, 'Publish:ORDERS.received');
      const publish = spans.find((s) => s.name === 'Publish:ORDERS.received');
      expect(publish?.attributes['orderflow.order_id']).toBe(order.orderId);
    }
  }, 120_000);
});
