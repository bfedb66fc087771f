/**
 * dashboard - the state each recent order shows: the subject its latest message reached, or
 * dead-lettered when that message has a dead letter (found under its consumer and stream sequence).
 */
import type { RecentOrder } from '../../operate/monitor/aggregator';
import { orderViews } from '../../operate/dashboard/order-states';

const seen = (orderId: string, lastSubject: string, lastSeq: number): RecentOrder => ({
  orderId,
  lastSubject,
  lastSeq,
  firstSeen: '2026-12-01T00:00:00.000Z',
  lastSeen: '2026-12-01T00:00:01.000Z',
});

describe('dashboard - recent orders and their states', () => {
  it('dashboard - a dead-lettered order shows as dead-lettered with its kind; the others as their last subject', () => {
    const letters: Record<string, { id: number; kind: string }> = {
      'orderflow.dlq.NEW.3': { id: 1, kind: 'poison' },
      'orderflow.dlq.DISPATCH.9': { id: 2, kind: 'failed' },
    };
    const asked: string[] = [];
    const views = orderViews(
      [
        seen('bad-1', 'ORDERS.received', 3),
        seen('ok-1', 'ORDERS.received', 4),
        seen('late-1', 'ORDERS.processed', 9),
        seen('done-1', 'ORDERS.completed', 12),
      ],
      (subject) => {
        asked.push(subject);
        return letters[subject];
      },
    );
    expect(views.map((v) => [v.orderId, v.state, v.deadLetter])).toEqual([
      ['bad-1', 'dead-lettered', { id: 1, kind: 'poison' }],
      ['ok-1', 'received', undefined],
      ['late-1', 'dead-lettered', { id: 2, kind: 'failed' }],
      ['done-1', 'completed', undefined],
    ]);
    // ORDERS.completed is no stage's input: nothing there is ever dead-lettered, so it is not asked.
    expect(asked).toEqual(['orderflow.dlq.NEW.3', 'orderflow.dlq.NEW.4', 'orderflow.dlq.DISPATCH.9']);
  });
});
