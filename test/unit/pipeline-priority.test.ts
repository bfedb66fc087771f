/**
 * definePipeline's priority and fairness: checked when the module loads (one line each), and
 * read per order by the bridge, where a function that throws or gives what Temporal cannot take
 * puts the order in the default lane and warns once per stage, never losing the order.
 */
import { PipelineDefinitionError, defineFunction, definePipeline } from '../../activities/define';
import type { Order } from '../../activities/types';
import { OrderLanes } from '../../bridge/consumer/order-lanes';
import { intakeLine, stageIntakeFor } from '../../bridge/consumer/fair-intake';
import { createLogger } from '../../shared/log';

const fn = defineFunction({ name: 'charge', run: () => 1 });
const base = { process: [fn], dispatch: [] };

function order(customerId: string, metadata: Record<string, string> = {}): Order {
  return {
    orderId: `o-${customerId}`,
    customerId,
    items: [{ sku: 's', quantity: 1, unitPrice: 1 }],
    currency: 'EUR',
    metadata,
  };
}

function recordingLogger(): { lines: Array<Record<string, unknown>>; logger: ReturnType<typeof createLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    format: 'json',
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { lines, logger };
}

describe('pipeline priority and fairness - definition', () => {
  it('pipeline - keeps priority and fairness, the weight 1 unless given; neither present when not given', () => {
    const priority = (o: Order) => (o.metadata?.shipping === 'express' ? 1 : 3);
    const key = (o: Order) => o.customerId;
    const p = definePipeline({ ...base, priority, fairness: { key } });
    expect(p.priority).toBe(priority);
    expect(p.fairness).toEqual({ key, weight: 1 });
    expect(definePipeline({ ...base, fairness: { key, weight: 2.5 } }).fairness?.weight).toBe(2.5);
    const plain = definePipeline(base);
    expect('priority' in plain || 'fairness' in plain).toBe(false);
  });

  it.each<[Record<string, unknown>, RegExp]>([
    [{ priority: 1 }, /^pipeline priority: is not a function; give priority: \(order\) => /],
    [
      { fairness: (o: Order) => o.customerId },
      /^pipeline fairness: a function is not an object; give fairness: \{ key: /,
    ],
    [{ fairness: {} }, /^pipeline fairness: has no key; give fairness: \{ key: \(order\) => order.customerId \}$/],
    [{ fairness: { key: 'customerId' } }, /^pipeline fairness.key: is not a function; give key: \(order\) => /],
    [
      { fairness: { key: () => 'a', wieght: 2 } },
      /^pipeline fairness: unknown option wieght \(did you mean weight\?\); the options are key, weight$/,
    ],
    [
      { fairness: { key: () => 'a', weight: 0 } },
      /^pipeline fairness.weight: 0 is not a weight; give a number from 0.001 to 1000, or \(order\) => number$/,
    ],
    [{ fairness: { key: () => 'a', weight: '2' } }, /^pipeline fairness.weight: "2" is not a weight; /],
    [{ fairness: { key: () => 'a', weight: 5000 } }, /^pipeline fairness.weight: 5000 is not a weight; /],
    [{ priorty: () => 1 }, /^pipeline: unknown option priorty \(did you mean priority\?\); /],
  ])('pipeline - refuses %j in one line', (extra, message) => {
    const define = () => definePipeline({ ...base, ...extra } as never);
    expect(define).toThrow(PipelineDefinitionError);
    expect(define).toThrow(message);
  });
});

describe('pipeline priority and fairness - lanes per order', () => {
  it('lanes - reads priority, key and weight from the order, and starts runs with only what the pipeline sets', () => {
    const p = definePipeline({
      ...base,
      priority: (o) => (o.metadata?.shipping === 'express' ? 1 : 4),
      fairness: { key: (o) => o.customerId, weight: (o) => (o.customerId === 'big' ? 3 : 1) },
    });
    const lanes = new OrderLanes(p, createLogger({ write: () => undefined }));
    const lane = lanes.laneOf(order('big', { shipping: 'express' }));
    expect(lane).toEqual({ priority: 1, fairnessKey: 'big', fairnessWeight: 3 });
    expect(lanes.startPriority(lane)).toEqual({ priorityKey: 1, fairnessKey: 'big', fairnessWeight: 3 });
    const onlyPriority = new OrderLanes(
      definePipeline({ ...base, priority: () => 2 }),
      createLogger({ write: () => undefined }),
    );
    expect(onlyPriority.startPriority(onlyPriority.laneOf(order('a')))).toEqual({ priorityKey: 2 });
  });

  it('lanes - a function that throws or gives what Temporal cannot take: the default lane, warned once per stage and part', () => {
    const { lines, logger } = recordingLogger();
    const p = definePipeline({
      ...base,
      priority: (o) => (o.customerId === 'x' ? 7 : Number.NaN),
      fairness: {
        key: (o) => (o.customerId === 'x' ? 'k'.repeat(65) : (undefined as unknown as string)),
        weight: () => {
          throw new Error('no weight today');
        },
      },
    });
    const lanes = new OrderLanes(p, logger);
    for (const id of ['x', 'y', 'x'])
      expect(lanes.laneOf(order(id))).toEqual({ priority: 3, fairnessKey: '', fairnessWeight: 1 });
    expect(lines.map((l) => l.msg)).toEqual([
      'pipeline priority gave 7, not a whole number from 1 to 5: the order runs with 3 (said once per stage)',
      'pipeline fairness key gave a string of 65 bytes, not a string of at most 64 bytes: the order runs with "" (said once per stage)',
      'pipeline fairness weight threw: no weight today: the order runs with 1 (said once per stage)',
    ]);
    expect(lines.every((l) => l.level === 'warn' && l.orderId === 'o-x')).toBe(true);
    // The default key is Temporal's own: a run in it is started without one.
    expect(lanes.startPriority(lanes.laneOf(order('y')))).toEqual({ priorityKey: 3 });
  });

  it('lanes - a weight outside Temporal’s range is clamped as the server would; a multi-byte key is measured in bytes', () => {
    const p = definePipeline({
      ...base,
      fairness: { key: (o) => o.customerId, weight: (o) => (o.customerId === 'a' ? 1e6 : 1e-9) },
    });
    const lanes = new OrderLanes(p, createLogger({ write: () => undefined }));
    expect(lanes.laneOf(order('a')).fairnessWeight).toBe(1000);
    expect(lanes.laneOf(order('b')).fairnessWeight).toBe(0.001);
    const wide = new OrderLanes(
      definePipeline({ ...base, fairness: { key: () => 'é'.repeat(33) } }),
      createLogger({ write: () => undefined }),
    );
    expect(wide.laneOf(order('a')).fairnessKey).toBe('');
  });

  it('lanes - the bridge says what it applies, and adds nothing to a stage whose pipeline sets neither', () => {
    const log = createLogger({ write: () => undefined });
    expect(stageIntakeFor(undefined, log)).toBeUndefined();
    expect(stageIntakeFor(definePipeline(base), log)).toBeUndefined();
    expect(stageIntakeFor(definePipeline({ ...base, priority: () => 1 }), log)).toBeDefined();
    expect(intakeLine(undefined)).toMatch(/none \(no pipeline module given: start the bridge with --functions\)/);
    expect(intakeLine(definePipeline(base))).toMatch(/none \(the pipeline sets neither\)/);
    expect(intakeLine(definePipeline({ ...base, priority: () => 1, fairness: { key: () => 'a' } }))).toMatch(
      /^priority and fairness: priority and fairness \(weight 1\) on each run start and in the intake/,
    );
  });
});
