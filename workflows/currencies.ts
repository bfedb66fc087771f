/**
 * The currencies an order may use: ISO 4217 alphabetic codes in current use, with their minor
 * units (how many decimal places an amount may have).
 *
 * Source: ISO 4217 "List One" (current currency and funds code list, published by SIX Group as the
 * ISO 4217 maintenance agency), as of 2025: XCG replaced ANG in 2025 (both are listed here for the
 * changeover) and ZWG replaced ZWL in 2024. Fund codes CLF, UYI and UYW are included; precious
 * metals, testing codes and units of account (XAU, XTS, XDR, ...) are not, as orders are not priced
 * in them. Update this table when ISO amends the list.
 *
 * Static on purpose: Intl.supportedValuesOf('currency') and Intl.NumberFormat depend on the ICU and
 * CLDR data a given Node build ships, so validity would change with the runtime, and CLDR's
 * display digits are not ISO's minor units (CLDR shows COP, IDR and IQD with no decimals, ISO
 * gives them 2, 2 and 3).
 */

/** Currencies whose minor unit is not 2. */
const NON_DEFAULT_MINOR_UNITS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

const ACTIVE_CODES = `
  AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD
  CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP
  GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD
  KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK
  NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD
  SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VED VES VND VUV
  WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
`
  .trim()
  .split(/\s+/);

/** ISO 4217 code -> minor units, for every code an order may use. */
export const CURRENCY_MINOR_UNITS: ReadonlyMap<string, number> = new Map(
  ACTIVE_CODES.map((code) => [code, NON_DEFAULT_MINOR_UNITS[code] ?? 2]),
);

/** The minor units of an ISO 4217 code orderflow accepts; undefined for any other string. */
export function minorUnits(code: string): number | undefined {
  return CURRENCY_MINOR_UNITS.get(code);
}
