import type { DecodeResult } from '../../shared/orders/schema';
import { decodeOrder, MAX_ORDER_BYTES, orderSchema, validateOrder } from '../../shared/orders/schema';

const ID_RULE = 'may contain only letters, digits and . _ : -';

function validOrder(): Record<string, unknown> {
  return {
    orderId: 'ord-2024.05:001_A',
    customerId: 'cust-42',
    items: [
      { sku: 'KB-101', quantity: 2, unitPrice: 49.9 },
      { sku: 'MS_7', quantity: 1, unitPrice: 0 },
    ],
    currency: 'USD',
  };
}

function withItem(item: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...validOrder(), items: [item], ...extra };
}

/** The issues of a rejected order; fails the test when the order was accepted or rejected for another reason. */
function issuesOf(result: DecodeResult): readonly string[] {
  if (result.ok) throw new Error(`expected a rejection, got the order ${JSON.stringify(result.order)}`);
  if (result.rejection.kind !== 'schema') throw new Error(`expected a schema rejection, got ${result.rejection.kind}`);
  return result.rejection.issues;
}

function issues(value: unknown): readonly string[] {
  return issuesOf(validateOrder(value));
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('order schema - valid orders', () => {
  it('order schema - accepts a minimal order and returns it unchanged', () => {
    const result = validateOrder(validOrder());
    expect(result).toEqual({ ok: true, order: validOrder() });
  });

  it('order schema - accepts an order with createdAt (UTC and offset) and string metadata', () => {
    for (const createdAt of ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.123+02:00']) {
      const order = { ...validOrder(), createdAt, metadata: { channel: 'web', campaign: 'spring' } };
      const result = validateOrder(order);
      expect(result).toEqual({ ok: true, order });
    }
  });

  it('order schema - orderSchema.parse accepts the same order validateOrder accepts', () => {
    expect(orderSchema.parse(validOrder())).toEqual(validOrder());
  });

  it('order schema - rejection detail joins the issues with "; "', () => {
    const result = validateOrder({ ...validOrder(), orderId: '', currency: 'usd' });
    expect(result).toEqual({
      ok: false,
      rejection: {
        kind: 'schema',
        detail:
          `orderId: must not be empty; orderId: ${ID_RULE}; ` +
          'currency: must be an ISO 4217 currency code in upper case, such as USD or EUR',
        issues: [
          'orderId: must not be empty',
          `orderId: ${ID_RULE}`,
          'currency: must be an ISO 4217 currency code in upper case, such as USD or EUR',
        ],
      },
    });
  });
});

describe('order schema - orderId', () => {
  it('order schema - rejects an empty orderId naming orderId and "must not be empty"', () => {
    expect(issues({ ...validOrder(), orderId: '' })).toEqual(['orderId: must not be empty', `orderId: ${ID_RULE}`]);
  });

  it('order schema - accepts a 128-character orderId and rejects 129 characters', () => {
    expect(validateOrder({ ...validOrder(), orderId: 'a'.repeat(128) }).ok).toBe(true);
    expect(issues({ ...validOrder(), orderId: 'a'.repeat(129) })).toEqual(['orderId: must be at most 128 characters']);
  });

  it.each(['ord 1', 'ord/1', 'ord#1', 'ordé'])(
    'order schema - rejects the orderId %j for its characters',
    (orderId) => {
      expect(issues({ ...validOrder(), orderId })).toEqual([`orderId: ${ID_RULE}`]);
    },
  );

  it('order schema - rejects a numeric orderId as not a string', () => {
    expect(issues({ ...validOrder(), orderId: 7 })).toEqual(['orderId: must be a string']);
  });

  it('order schema - rejects a missing orderId as "is required"', () => {
    const { orderId: _dropped, ...order } = validOrder();
    expect(issues(order)).toEqual(['orderId: is required']);
  });
});

describe('order schema - customerId', () => {
  it('order schema - rejects a missing customerId as "is required"', () => {
    const { customerId: _dropped, ...order } = validOrder();
    expect(issues(order)).toEqual(['customerId: is required']);
  });

  it.each([null, 42, ['cust-1']])('order schema - rejects the customerId %j as not a string', (customerId) => {
    expect(issues({ ...validOrder(), customerId })).toEqual(['customerId: must be a string']);
  });

  it('order schema - rejects an empty customerId', () => {
    expect(issues({ ...validOrder(), customerId: '' })).toEqual([
      'customerId: must not be empty',
      'customerId: must be printable ASCII without spaces',
    ]);
  });

  it('order schema - rejects a customerId with a space', () => {
    expect(issues({ ...validOrder(), customerId: 'jane doe' })).toEqual([
      'customerId: must be printable ASCII without spaces',
    ]);
  });
});

describe('order schema - items', () => {
  it('order schema - rejects missing items as "is required"', () => {
    const { items: _dropped, ...order } = validOrder();
    expect(issues(order)).toEqual(['items: is required']);
  });

  it.each([null, 'KB-101', { sku: 'KB-101' }])('order schema - rejects items %j as not an array', (items) => {
    expect(issues({ ...validOrder(), items })).toEqual(['items: must be an array']);
  });

  it('order schema - rejects an empty items array', () => {
    expect(issues({ ...validOrder(), items: [] })).toEqual(['items: must hold at least one item']);
  });

  it('order schema - accepts 100 items and rejects 101', () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `SKU-${i}`, quantity: 1, unitPrice: 1 }));
    expect(validateOrder({ ...validOrder(), items: lines(100) }).ok).toBe(true);
    expect(issues({ ...validOrder(), items: lines(101) })).toEqual(['items: must hold at most 100 items']);
  });

  it('order schema - rejects an item that is not an object naming items[1]', () => {
    expect(issues({ ...validOrder(), items: [{ sku: 'A', quantity: 1, unitPrice: 1 }, 'B'] })).toEqual([
      'items[1]: must be an object',
    ]);
  });

  it('order schema - rejects an unknown item field naming it', () => {
    expect(issues(withItem({ sku: 'A', quantity: 1, unitPrice: 1, color: 'red' }))).toEqual([
      'items[0]: unknown field(s) color',
    ]);
  });
});

describe('order schema - sku', () => {
  it('order schema - rejects an empty sku naming items[0].sku', () => {
    expect(issues(withItem({ sku: '', quantity: 1, unitPrice: 1 }))).toEqual([
      'items[0].sku: must not be empty',
      `items[0].sku: ${ID_RULE}`,
    ]);
  });

  it.each(['KB 101', 'KB/101'])('order schema - rejects the sku %j for its characters', (sku) => {
    expect(issues(withItem({ sku, quantity: 1, unitPrice: 1 }))).toEqual([`items[0].sku: ${ID_RULE}`]);
  });

  it('order schema - rejects a repeated sku naming the earlier line', () => {
    const items = [
      { sku: 'A', quantity: 1, unitPrice: 1 },
      { sku: 'B', quantity: 1, unitPrice: 1 },
      { sku: 'A', quantity: 3, unitPrice: 1 },
    ];
    expect(issues({ ...validOrder(), items })).toEqual(['items[2].sku: repeats items[0].sku; merge the lines']);
  });
});

describe('order schema - quantity', () => {
  it.each([
    [0, 'must be at least 1'],
    [-1, 'must be at least 1'],
    [1.5, 'must be a whole number'],
    [10_001, 'must be at most 10000'],
    ['2', 'must be a number'],
  ])('order schema - rejects a quantity of %j naming items[0].quantity', (quantity, rule) => {
    expect(issues(withItem({ sku: 'A', quantity, unitPrice: 1 }))).toEqual([`items[0].quantity: ${rule}`]);
  });

  it('order schema - accepts quantities 1 and 10000', () => {
    expect(validateOrder(withItem({ sku: 'A', quantity: 1, unitPrice: 1 })).ok).toBe(true);
    expect(validateOrder(withItem({ sku: 'A', quantity: 10_000, unitPrice: 1 })).ok).toBe(true);
  });

  it('order schema - rejects a missing quantity as "is required"', () => {
    expect(issues(withItem({ sku: 'A', unitPrice: 1 }))).toEqual(['items[0].quantity: is required']);
  });

  it('order schema - rejects a null quantity as not a number', () => {
    expect(issues(withItem({ sku: 'A', quantity: null, unitPrice: 1 }))).toEqual([
      'items[0].quantity: must be a number',
    ]);
  });
});

describe('order schema - unitPrice', () => {
  it('order schema - rejects a negative unitPrice', () => {
    expect(issues(withItem({ sku: 'A', quantity: 1, unitPrice: -0.01 }))).toEqual([
      'items[0].unitPrice: must not be negative',
    ]);
  });

  it('order schema - rejects a missing unitPrice and a missing sku as "is required"', () => {
    expect(issues(withItem({ sku: 'A', quantity: 1 }))).toEqual(['items[0].unitPrice: is required']);
    expect(issues(withItem({ quantity: 1, unitPrice: 1 }))).toEqual(['items[0].sku: is required']);
  });

  it('order schema - rejects a string unitPrice', () => {
    expect(issues(withItem({ sku: 'A', quantity: 1, unitPrice: '49.90' }))).toEqual([
      'items[0].unitPrice: must be a number',
    ]);
  });

  it('order schema - rejects a unitPrice above 1000000000', () => {
    expect(issues(withItem({ sku: 'A', quantity: 1, unitPrice: 1_000_000_001 }))).toEqual([
      'items[0].unitPrice: must be at most 1000000000',
    ]);
  });

  it('order schema - rejects 1.999 EUR for having more decimals than the currency', () => {
    expect(issues(withItem({ sku: 'A', quantity: 1, unitPrice: 1.999 }, { currency: 'EUR' }))).toEqual([
      'items[0].unitPrice: has more than 2 decimal place(s), the minor unit of EUR',
    ]);
  });

  it('order schema - accepts 1.99 EUR', () => {
    expect(validateOrder(withItem({ sku: 'A', quantity: 1, unitPrice: 1.99 }, { currency: 'EUR' })).ok).toBe(true);
  });

  it('order schema - rejects 1.5 JPY (no minor unit) and accepts 150 JPY', () => {
    expect(issues(withItem({ sku: 'A', quantity: 1, unitPrice: 1.5 }, { currency: 'JPY' }))).toEqual([
      'items[0].unitPrice: has more than 0 decimal place(s), the minor unit of JPY',
    ]);
    expect(validateOrder(withItem({ sku: 'A', quantity: 1, unitPrice: 150 }, { currency: 'JPY' })).ok).toBe(true);
  });

  it('order schema - accepts 1.999 KWD (three decimals) and rejects 1.9999 KWD', () => {
    expect(validateOrder(withItem({ sku: 'A', quantity: 1, unitPrice: 1.999 }, { currency: 'KWD' })).ok).toBe(true);
    expect(issues(withItem({ sku: 'A', quantity: 1, unitPrice: 1.9999 }, { currency: 'KWD' }))).toEqual([
      'items[0].unitPrice: has more than 3 decimal place(s), the minor unit of KWD',
    ]);
  });

  it.each([
    ['COP', 99.99],
    ['IDR', 15000.5],
    ['HUF', 12.5],
    ['PKR', 0.01],
    ['IQD', 1.5],
    ['IQD', 1.999],
    ['TND', 0.001],
    ['CLF', 1.2345],
    ['UYW', 0.0001],
  ])('order schema - accepts %s %d, within the ISO 4217 minor unit', (currency, unitPrice) => {
    expect(validateOrder(withItem({ sku: 'A', quantity: 1, unitPrice }, { currency })).ok).toBe(true);
  });

  it.each([
    ['COP', 99.999, 2],
    ['IDR', 0.001, 2],
    ['IQD', 1.9999, 3],
    ['CLP', 1.5, 0],
    ['UYI', 0.5, 0],
    ['XOF', 100.1, 0],
    ['CLF', 1.23456, 4],
  ])('order schema - rejects %s %d for having more than %d decimal place(s)', (currency, unitPrice, digits) => {
    expect(issues(withItem({ sku: 'A', quantity: 1, unitPrice }, { currency }))).toEqual([
      `items[0].unitPrice: has more than ${digits} decimal place(s), the minor unit of ${currency}`,
    ]);
  });

  it('order schema - counts decimals of a price written in exponent form (1e-7 USD)', () => {
    expect(issues(withItem({ sku: 'A', quantity: 1, unitPrice: 1e-7 }))).toEqual([
      'items[0].unitPrice: has more than 2 decimal place(s), the minor unit of USD',
    ]);
  });
});

describe('order schema - currency', () => {
  const currencyRule = 'currency: must be an ISO 4217 currency code in upper case, such as USD or EUR';

  it.each(['usd', 'XYZ', '', 'US', 'USDD', ' USD'])('order schema - rejects the currency %j', (currency) => {
    expect(issues({ ...validOrder(), currency })).toEqual([currencyRule]);
  });

  // Withdrawn codes (Croatian kuna, old Zimbabwe dollar and leone, convertible peso) and non-currency
  // X codes (gold, SDR, testing) are not order currencies, whatever the runtime's CLDR data knows.
  it.each(['HRK', 'ZWL', 'SLL', 'CUC', 'XAU', 'XDR', 'XTS', 'XXX'])(
    'order schema - rejects the withdrawn or non-currency code %s',
    (currency) => {
      expect(issues({ ...validOrder(), currency })).toEqual([currencyRule]);
    },
  );

  it.each(['XCG', 'ZWG', 'SLE', 'VES', 'MRU', 'STN'])(
    'order schema - accepts the recently introduced code %s',
    (currency) => {
      expect(validateOrder({ ...validOrder(), currency }).ok).toBe(true);
    },
  );

  it('order schema - rejects a missing currency as "is required"', () => {
    const { currency: _dropped, ...order } = validOrder();
    expect(issues(order)).toEqual(['currency: is required']);
  });

  it('order schema - rejects a numeric currency as not a string', () => {
    expect(issues({ ...validOrder(), currency: 978 })).toEqual(['currency: must be a string']);
  });

  it('order schema - does not consult Intl: validation works the same when Intl has no currency data', () => {
    const supported = jest.spyOn(Intl, 'supportedValuesOf').mockImplementation(() => {
      throw new Error('no ICU currency data');
    });
    const format = jest.spyOn(Intl, 'NumberFormat').mockImplementation(() => {
      throw new Error('no ICU currency data');
    });
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fresh = require('../../shared/orders/schema') as { validateOrder: typeof validateOrder };
        expect(fresh.validateOrder(withItem({ sku: 'A', quantity: 1, unitPrice: 1.999 }, { currency: 'KWD' })).ok).toBe(
          true,
        );
        expect(fresh.validateOrder({ ...validOrder(), currency: 'XYZ' }).ok).toBe(false);
      });
    } finally {
      supported.mockRestore();
      format.mockRestore();
    }
  });
});

describe('order schema - createdAt and metadata', () => {
  const dateRule = 'createdAt: must be an ISO 8601 date-time with a time zone';

  it.each(['yesterday', '2024-05-01', '2024-05-01T10:00:00', 1714557600000])(
    'order schema - rejects the createdAt %j',
    (createdAt) => {
      expect(issues({ ...validOrder(), createdAt })).toEqual([dateRule]);
    },
  );

  it('order schema - rejects a metadata value that is not a string naming metadata.<key>', () => {
    expect(issues({ ...validOrder(), metadata: { channel: 'web', priority: 1 } })).toEqual([
      'metadata.priority: must be a string',
    ]);
    expect(issues({ ...validOrder(), metadata: { flags: ['a'], gift: null } })).toEqual([
      'metadata.flags: must be a string',
      'metadata.gift: must be a string',
    ]);
  });

  it('order schema - accepts a 1024-character metadata value and rejects 1025 characters', () => {
    expect(validateOrder({ ...validOrder(), metadata: { note: 'x'.repeat(1024) } }).ok).toBe(true);
    expect(issues({ ...validOrder(), metadata: { note: 'x'.repeat(1025) } })).toEqual([
      'metadata.note: must be at most 1024 characters',
    ]);
  });

  it('order schema - accepts a 64-character metadata key and rejects 65 characters', () => {
    const key = 'k'.repeat(65);
    expect(validateOrder({ ...validOrder(), metadata: { ['k'.repeat(64)]: 'v' } }).ok).toBe(true);
    expect(issues({ ...validOrder(), metadata: { [key]: 'v' } })).toEqual([
      `metadata.${key}: key must be at most 64 characters`,
    ]);
  });

  it('order schema - rejects metadata that is not an object', () => {
    expect(issues({ ...validOrder(), metadata: 'web' })).toEqual(['metadata: must be an object of strings']);
  });

  it('order schema - accepts 32 metadata entries and rejects 33', () => {
    const entries = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
    expect(validateOrder({ ...validOrder(), metadata: entries(32) }).ok).toBe(true);
    expect(issues({ ...validOrder(), metadata: entries(33) })).toEqual(['metadata: must hold at most 32 entries']);
  });
});

describe('order schema - whole order', () => {
  it('order schema - rejects an unknown top-level field saying "unknown field" and naming it', () => {
    expect(issues({ ...validOrder(), coupon: 'SPRING' })).toEqual(['order: unknown field(s) coupon']);
  });

  it('order schema - an empty object lists every required field as "is required"', () => {
    expect(issues({})).toEqual([
      'orderId: is required',
      'customerId: is required',
      'items: is required',
      'currency: is required',
    ]);
  });

  it.each([null, [], 'order', 3])('order schema - rejects %j as not a JSON object', (value) => {
    expect(issues(value)).toEqual(['order: must be a JSON object']);
  });
});

describe('order schema - decodeOrder', () => {
  it('order schema - decodeOrder rejects empty bytes as kind empty', () => {
    expect(decodeOrder(new Uint8Array())).toEqual({
      ok: false,
      rejection: { kind: 'empty', detail: 'the message has no payload' },
    });
  });

  it('order schema - decodeOrder accepts exactly MAX_ORDER_BYTES and rejects one byte more as too-large', () => {
    const json = JSON.stringify(validOrder());
    const padded = json + ' '.repeat(MAX_ORDER_BYTES - json.length);
    expect(bytes(padded)).toHaveLength(MAX_ORDER_BYTES);
    expect(decodeOrder(bytes(padded))).toEqual({ ok: true, order: validOrder() });
    expect(decodeOrder(bytes(padded + ' '))).toEqual({
      ok: false,
      rejection: { kind: 'too-large', detail: `the payload is ${MAX_ORDER_BYTES + 1} bytes; the limit is 65536` },
    });
  });

  it('order schema - decodeOrder rejects invalid UTF-8 as not-json', () => {
    const result = decodeOrder(new Uint8Array([0xff, 0xfe]));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rejection.kind).toBe('not-json');
    expect(result.rejection.detail).toMatch(/^the payload is not UTF-8 JSON \(.+\)$/);
  });

  it('order schema - decodeOrder rejects truncated JSON as not-json', () => {
    const result = decodeOrder(bytes('{"a":'));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.rejection.kind).toBe('not-json');
    expect(result.rejection.detail).toMatch(/^the payload is not UTF-8 JSON \(.+\)$/);
  });

  it('order schema - decodeOrder rejects a JSON array as a schema problem', () => {
    expect(decodeOrder(bytes('[]'))).toEqual({
      ok: false,
      rejection: { kind: 'schema', detail: 'order: must be a JSON object', issues: ['order: must be a JSON object'] },
    });
  });

  it('order schema - decodeOrder reports schema issues of well-formed JSON', () => {
    const result = decodeOrder(bytes(JSON.stringify(withItem({ sku: 'A', quantity: 0, unitPrice: 1 }))));
    expect(issuesOf(result)).toEqual(['items[0].quantity: must be at least 1']);
  });

  it('order schema - decodeOrder accepts valid JSON order bytes, including non-ASCII metadata', () => {
    const order = { ...validOrder(), metadata: { note: 'Grüße ✓' } };
    expect(decodeOrder(bytes(JSON.stringify(order)))).toEqual({ ok: true, order });
  });
});
