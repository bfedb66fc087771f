import { CURRENCY_MINOR_UNITS, minorUnits } from '../../workflows/currencies';

describe('currencies - ISO 4217 table', () => {
  // Currencies in use (ANG and XCG both, for the 2025 changeover) plus the funds CLF, UYI and UYW.
  it('currencies - holds 160 distinct three-letter upper-case codes', () => {
    const codes = [...CURRENCY_MINOR_UNITS.keys()];
    expect(new Set(codes).size).toBe(codes.length);
    expect(codes).toHaveLength(160);
    for (const code of codes) expect(code).toMatch(/^[A-Z]{3}$/);
  });

  it('currencies - minor units are 0, 2, 3 or 4, and 2 unless listed otherwise', () => {
    const byUnits = new Map<number, string[]>();
    for (const [code, units] of CURRENCY_MINOR_UNITS) byUnits.set(units, [...(byUnits.get(units) ?? []), code]);
    expect([...byUnits.keys()].sort()).toEqual([0, 2, 3, 4]);
    expect(byUnits.get(0)?.sort()).toEqual(
      'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' '),
    );
    expect(byUnits.get(3)?.sort()).toEqual('BHD IQD JOD KWD LYD OMR TND'.split(' '));
    expect(byUnits.get(4)?.sort()).toEqual(['CLF', 'UYW']);
  });

  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['COP', 2],
    ['IDR', 2],
    ['HUF', 2],
    ['JPY', 0],
    ['KWD', 3],
    ['IQD', 3],
    ['CLF', 4],
    ['XCG', 2],
    ['ANG', 2],
    ['ZWG', 2],
  ])('currencies - minorUnits(%j) is %d', (code, units) => {
    expect(minorUnits(code)).toBe(units);
  });

  it.each(['usd', 'XYZ', '', 'HRK', 'ZWL', 'XAU', 'constructor', '__proto__'])(
    'currencies - minorUnits(%j) is undefined',
    (code) => {
      expect(minorUnits(code)).toBeUndefined();
    },
  );
});
