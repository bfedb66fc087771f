/**
 * status - whether a consumer acked a message, from its ack floor, the last delivered message and
 * num_ack_pending (JetStream never says which ones are pending), the consumer's messages above the
 * floor and, where those do not settle it, the messages the bridge still holds.
 */
import { ackedFrom } from '../../operate/status/ack-state';

// NEW's messages above its floor (10) up to the last delivered (16): 11, 13, 14 and 16 (12 and 15
// are on other subjects).
const above = { seqs: [11, 13, 14, 16], complete: true };

describe('status - ack state of a message above the ack floor', () => {
  it('status - at or below the floor: acked; above the last delivered: not acked; nothing pending: acked', () => {
    const facts = { floor: 10, delivered: 16, pending: 2 };
    expect(ackedFrom(10, facts)).toBe(true);
    expect(ackedFrom(3, facts)).toBe(true);
    expect(ackedFrom(17, facts)).toBe(false);
    expect(ackedFrom(13, { ...facts, pending: 0 })).toBe(true);
    expect(ackedFrom(13, facts)).toBeUndefined(); // above the floor, nothing read: not told
  });

  it('status - one message pending: it is the first above the floor, every later one was acked', () => {
    // The bug: an acked message behind a held one was "not acked" because it is above the floor.
    const facts = { floor: 10, delivered: 16, pending: 1, above: { seqs: [11, 13, 14, 16], complete: false } };
    expect(ackedFrom(11, facts)).toBe(false);
    expect(ackedFrom(13, facts)).toBe(true);
    expect(ackedFrom(16, facts)).toBe(true);
  });

  it('status - as many pending as messages above the floor: none of them is acked', () => {
    const facts = { floor: 10, delivered: 16, pending: 4, above };
    expect([11, 13, 14, 16].map((seq) => ackedFrom(seq, facts))).toEqual([false, false, false, false]);
    expect(ackedFrom(14, { ...facts, above: { ...above, complete: false } })).toBeUndefined();
  });

  it('status - several pending: the held messages settle it when they are as many as JetStream counts', () => {
    const facts = { floor: 10, delivered: 16, pending: 2, above };
    expect(ackedFrom(11, facts)).toBe(false); // the first one holds the floor, whatever else is known
    expect(ackedFrom(14, facts)).toBeUndefined();
    const held = { ...facts, held: new Set([11, 14]) };
    expect([13, 14, 16].map((seq) => ackedFrom(seq, held))).toEqual([true, false, true]);
    // Fewer held than pending: one completed run's ack is outstanding, and which one is not known.
    const fewer = { ...facts, pending: 3, held: new Set([14]) };
    expect([13, 14, 16].map((seq) => ackedFrom(seq, fewer))).toEqual([undefined, false, undefined]);
  });

  it('status - a message not among the consumer messages read above the floor is not told', () => {
    expect(ackedFrom(12, { floor: 10, delivered: 16, pending: 2, above })).toBeUndefined();
  });
});
