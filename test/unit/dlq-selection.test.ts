/** dlq - which dead letters `list` and `purge` take: IDs and ranges, kind, stage, all of them given. */
import { describeSelection, idRange, isNarrowed, selects } from '../../operate/dlq/selection';

const letter = (id: number, kind: string, consumer: string) => ({ id, kind, consumer });

describe('dlq - selection', () => {
  it('dlq - an id or a range; anything else is refused with what to give', () => {
    expect(idRange('12')).toEqual({ from: 12, to: 12 });
    expect(idRange('12-40')).toEqual({ from: 12, to: 40 });
    expect(() => idRange('40-12')).toThrow('the range 40-12 ends before it starts; give it low-high (12-40)');
    expect(() => idRange('1-2-3')).toThrow('"1-2-3" is not a dead letter id or range');
    expect(() => idRange('x')).toThrow('"x" is not a whole number');
    expect(() => idRange('0')).toThrow('"0" is not a whole number');
  });

  it('dlq - every condition given must hold; none given selects every dead letter', () => {
    const letters = [letter(1, 'poison', 'NEW'), letter(5, 'failed', 'NEW'), letter(9, 'failed', 'DISPATCH')];
    const ids = (selection: Parameters<typeof selects>[0]) =>
      letters.filter((l) => selects(selection, l)).map((l) => l.id);
    expect(ids({})).toEqual([1, 5, 9]);
    expect(isNarrowed({ ids: [] })).toBe(false);
    expect(ids({ kind: 'failed' })).toEqual([5, 9]);
    expect(ids({ kind: 'failed', stage: 'process' })).toEqual([5]);
    expect(ids({ ids: [idRange('1-5')], stage: 'process' })).toEqual([1, 5]);
    expect(ids({ ids: [idRange('1'), idRange('8-20')] })).toEqual([1, 9]);
    expect(describeSelection({ kind: 'failed', stage: 'dispatch', ids: [idRange('1'), idRange('8-20')] })).toBe(
      'of kind failed, of stage dispatch (DISPATCH), with id 1, 8-20',
    );
  });
});
