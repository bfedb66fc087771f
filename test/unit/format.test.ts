import { formatConfigValue, formatNanos, table } from '../../operate/format';

const SECOND = 1e9;

describe('format - formatNanos', () => {
  it.each([
    [365 * 86_400 * SECOND, '1y'],
    [2 * 86_400 * SECOND, '2d'],
    [3 * 3_600 * SECOND, '3h'],
    [10 * 60 * SECOND, '10m'],
    [90 * 60 * SECOND, '90m'],
    [30 * SECOND, '30s'],
    [250e6, '250ms'],
    [0, '0s'],
    [500, '500ns'],
  ])('format - formatNanos(%d) is %j (largest unit that divides exactly)', (ns, expected) => {
    expect(formatNanos(ns)).toBe(expected);
  });

  // Whole milliseconds are shown exactly, so 1.5 s reads 1500ms, as the doc comment says.
  it('format - formatNanos shows 1.5 seconds as 1500ms', () => {
    expect(formatNanos(1_500_000_000)).toBe('1500ms');
  });

  it('format - formatNanos shows a duration that no unit divides with two decimals of the largest unit', () => {
    expect(formatNanos(1_500_000_001)).toBe('1.50s');
    expect(formatNanos(90 * SECOND + 1)).toBe('1.50m');
    expect(formatNanos(1_234_567)).toBe('1.23ms');
  });
});

describe('format - formatConfigValue', () => {
  it.each(['max_age', 'duplicate_window', 'ack_wait', 'idle_heartbeat', 'inactive_threshold'])(
    'format - formatConfigValue shows %s as a duration',
    (field) => {
      expect(formatConfigValue(field, 30 * SECOND)).toBe('30s');
    },
  );

  it('format - formatConfigValue shows a zero duration as 0s', () => {
    expect(formatConfigValue('max_age', 0)).toBe('0s');
  });

  it('format - formatConfigValue leaves numbers of other fields as they are', () => {
    expect(formatConfigValue('max_ack_pending', 1000)).toBe('1000');
    expect(formatConfigValue('max_msgs', -1)).toBe('-1');
  });

  it.each([undefined, null, ''])('format - formatConfigValue shows %j as (unset)', (value) => {
    expect(formatConfigValue('filter_subject', value)).toBe('(unset)');
  });

  it('format - formatConfigValue shows strings bare and other values as JSON', () => {
    expect(formatConfigValue('storage', 'file')).toBe('file');
    expect(formatConfigValue('subjects', ['ORDERS.*', 'x'])).toBe('["ORDERS.*","x"]');
    expect(formatConfigValue('deny_delete', false)).toBe('false');
    expect(formatConfigValue('ack_wait', '30s')).toBe('30s');
  });
});

describe('format - table', () => {
  it('format - table left-aligns columns and does not pad the last one', () => {
    expect(
      table([
        ['field', 'value'],
        ['ack_wait', '30s'],
        ['x', 'longer value'],
      ]),
    ).toBe('field     value\nack_wait  30s\nx         longer value');
  });
});
