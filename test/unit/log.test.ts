/** Structured logs: one JSON line per event, the bound fields of a logger and its children on each. */
import { createLogger } from '../../shared/log';

describe('log - structured lines', () => {
  it('log - a child carries its parent fields and its own on every line, levels below the threshold are dropped', () => {
    const lines: string[] = [];
    const root = createLogger({ format: 'json', level: 'info', write: (l) => lines.push(l) }, { stage: 'process' });
    const order = root.child({ orderId: 'o-1' }).child({ streamSeq: 7 });
    order.debug('not written');
    order.info('taken', { deliveryCount: 1 });
    order.error('failed', { error: new Error('boom') });
    root.warn('root only');
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
    expect(records.map((r) => [r.level, r.msg])).toEqual([
      ['info', 'taken'],
      ['error', 'failed'],
      ['warn', 'root only'],
    ]);
    expect(records[0]).toMatchObject({ stage: 'process', orderId: 'o-1', streamSeq: 7, deliveryCount: 1 });
    expect(records[1]!.error).toEqual({ name: 'Error', message: 'boom' });
    expect(records[2]).not.toHaveProperty('orderId');
  });

  it('log - pretty lines on a terminal name the fields as key=value', () => {
    const lines: string[] = [];
    createLogger({ format: 'pretty', write: (l) => lines.push(l) })
      .child({ orderId: 'o-2' })
      .info('acked');
    expect(lines[0]).toContain('acked');
    expect(lines[0]).toContain('orderId=o-2');
  });
});
