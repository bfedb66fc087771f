import { InvalidInputError } from '../../shared/errors';
import { parseItemFlag, parseMetadataFlags, parseOrderText, validateCandidates } from '../../operate/publish/input';

function order(orderId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderId,
    customerId: 'cust-1',
    items: [{ sku: 'KB-101', quantity: 2, unitPrice: 49.9 }],
    currency: 'EUR',
    ...extra,
  };
}

/** The error `fn` throws; fails the test when it returns normally. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`expected an Error, got ${String(err)}`);
  }
  throw new Error('expected an error, nothing was thrown');
}

describe('order input - parseOrderText', () => {
  it('order input - reads one JSON object labelled with the source', () => {
    expect(parseOrderText(`  ${JSON.stringify(order('A'))}\n`, 'order.json')).toEqual([
      { label: 'order.json', value: order('A') },
    ]);
  });

  it('order input - reads a JSON array labelled by 1-based order number', () => {
    const text = JSON.stringify([order('A'), order('B')], null, 2);
    expect(parseOrderText(text, 'orders.json')).toEqual([
      { label: 'orders.json, order 1', value: order('A') },
      { label: 'orders.json, order 2', value: order('B') },
    ]);
  });

  it('order input - reads JSON lines, skipping blank lines and labelling by line number', () => {
    const text = ['', JSON.stringify(order('A')), '   ', JSON.stringify(order('B')), ''].join('\n');
    expect(parseOrderText(text, 'orders.jsonl')).toEqual([
      { label: 'orders.jsonl, line 2', value: order('A') },
      { label: 'orders.jsonl, line 4', value: order('B') },
    ]);
  });

  it('order input - reads JSON lines with CRLF line endings', () => {
    const text = `${JSON.stringify(order('A'))}\r\n${JSON.stringify(order('B'))}\r\n`;
    expect(parseOrderText(text, 'win.jsonl').map((c) => c.label)).toEqual(['win.jsonl, line 1', 'win.jsonl, line 2']);
  });

  it('order input - a broken JSON line names its line number and says nothing was published', () => {
    const text = [JSON.stringify(order('A')), JSON.stringify(order('B')), '{"orderId": "C",'].join('\n');
    const err = thrown(() => parseOrderText(text, 'orders.jsonl'));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(
      /^nothing was published; fix these and try again:\n {2}orders\.jsonl, line 3: not valid JSON \(.+\)$/,
    );
    expect(err.message).not.toContain('line 1');
    expect(err.message).not.toContain('line 2');
  });

  it('order input - lists every broken line, at most 20, then counts the rest', () => {
    const text = Array.from({ length: 23 }, (_, i) => `{broken ${i}`).join('\n');
    const err = thrown(() => parseOrderText(text, 'bad.jsonl'));
    const lines = err.message.split('\n');
    expect(lines[0]).toBe('nothing was published; fix these and try again:');
    expect(lines).toHaveLength(1 + 20 + 1);
    expect(lines[1]).toMatch(/^ {2}bad\.jsonl, line 1: not valid JSON/);
    expect(lines[20]).toMatch(/^ {2}bad\.jsonl, line 20: not valid JSON/);
    expect(lines[21]).toBe('  ... and 3 more');
  });

  it.each(['', '  \n\t\n'])('order input - empty text %j throws "holds no orders"', (text) => {
    const err = thrown(() => parseOrderText(text, 'stdin'));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('stdin holds no orders');
  });
});

describe('order input - validateCandidates', () => {
  it('order input - returns the validated orders in input order', () => {
    const candidates = parseOrderText(JSON.stringify([order('A'), order('B', { metadata: { src: 'x' } })]), 'o.json');
    expect(validateCandidates(candidates)).toEqual([order('A'), order('B', { metadata: { src: 'x' } })]);
  });

  it('order input - a duplicate orderId names both places', () => {
    const text = [JSON.stringify(order('A')), JSON.stringify(order('B')), JSON.stringify(order('A'))].join('\n');
    const err = thrown(() => validateCandidates(parseOrderText(text, 'orders.jsonl')));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe(
      'nothing was published; fix these and try again:\n' +
        '  orders.jsonl, line 3: orderId "A" repeats orders.jsonl, line 1; each order needs its own ID',
    );
  });

  it('order input - one invalid order rejects the whole batch, listing the problem with its label', () => {
    const bad = order('B', { items: [{ sku: 'KB-101', quantity: 0, unitPrice: 49.9 }], currency: 'eur' });
    const candidates = parseOrderText(JSON.stringify([order('A'), bad, order('C')]), 'orders.json');
    const err = thrown(() => validateCandidates(candidates));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe(
      'nothing was published; fix these and try again:\n' +
        '  orders.json, order 2: items[0].quantity: must be at least 1\n' +
        '  orders.json, order 2: currency: must be an ISO 4217 currency code in upper case, such as USD or EUR',
    );
  });

  it('order input - a missing field reads "is required", a wrongly typed one names the type', () => {
    const { customerId: _dropped, ...noCustomer } = order('A');
    const candidates = [
      { label: 'o.json, order 1', value: noCustomer },
      { label: 'o.json, order 2', value: order('B', { items: 'KB-101' }) },
    ];
    const err = thrown(() => validateCandidates(candidates));
    expect(err.message).toBe(
      'nothing was published; fix these and try again:\n' +
        '  o.json, order 1: customerId: is required\n' +
        '  o.json, order 2: items: must be an array',
    );
  });

  it('order input - a non-object line is reported with its label', () => {
    const err = thrown(() => validateCandidates(parseOrderText(`${JSON.stringify(order('A'))}\n42\n`, 'o.jsonl')));
    expect(err.message).toBe(
      'nothing was published; fix these and try again:\n  o.jsonl, line 2: order: must be a JSON object',
    );
  });
});

describe('order input - parseItemFlag', () => {
  it('order input - parses "KB-101:2:49.90" into sku, quantity and unitPrice', () => {
    expect(parseItemFlag('KB-101:2:49.90')).toEqual({ sku: 'KB-101', quantity: 2, unitPrice: 49.9 });
  });

  it.each([
    ['A:B:2:1.5', { sku: 'A:B', quantity: 2, unitPrice: 1.5 }],
    ['ns:KB-101:10:0', { sku: 'ns:KB-101', quantity: 10, unitPrice: 0 }],
    ['a:b:c:1:2', { sku: 'a:b:c', quantity: 1, unitPrice: 2 }],
  ])('order input - a sku with ":" is split from the right: %j', (value, expected) => {
    expect(parseItemFlag(value)).toEqual(expected);
  });

  it('order input - an item parsed from a sku with ":" passes the schema', () => {
    const item = parseItemFlag('A:B:2:1.5');
    expect(validateCandidates([{ label: '--item', value: order('A', { items: [item] }) }])).toEqual([
      order('A', { items: [{ sku: 'A:B', quantity: 2, unitPrice: 1.5 }] }),
    ]);
  });

  it.each(['', 'bad', 'KB-101:2', 'KB-101::49.90', 'KB-101:2:', ':2:1', ' :2:1', 'A:B::1'])(
    'order input - rejects the --item %j naming the sku:quantity:unitPrice form',
    (value) => {
      const err = thrown(() => parseItemFlag(value));
      expect(err).toBeInstanceOf(InvalidInputError);
      expect(err.message).toBe(`--item "${value}": expected sku:quantity:unitPrice, for example KB-101:2:49.90`);
    },
  );

  it('order input - an extra trailing part becomes the unitPrice and is left for the schema to reject', () => {
    const item = parseItemFlag('KB-101:2:49.90:extra');
    expect(item.sku).toBe('KB-101:2');
    expect(item.quantity).toBe(49.9);
    expect(item.unitPrice).toBeNaN();
    const err = thrown(() => validateCandidates([{ label: '--item', value: order('A', { items: [item] }) }]));
    expect(err.message).toBe(
      'nothing was published; fix these and try again:\n' +
        '  --item: items[0].quantity: must be a whole number\n' +
        '  --item: items[0].unitPrice: must be a number',
    );
  });

  it('order input - a non-numeric quantity is left for the schema to reject', () => {
    const item = parseItemFlag('KB-101:two:1');
    expect(item.sku).toBe('KB-101');
    expect(item.quantity).toBeNaN();
    expect(item.unitPrice).toBe(1);
    const err = thrown(() => validateCandidates([{ label: '--item', value: order('A', { items: [item] }) }]));
    expect(err.message).toBe(
      'nothing was published; fix these and try again:\n  --item: items[0].quantity: must be a number',
    );
  });
});

describe('order input - parseMetadataFlags', () => {
  it('order input - key=value at the first "=", a value may hold "=" or be empty', () => {
    expect(parseMetadataFlags(['channel=web', 'note=a=b', 'empty='])).toEqual({
      channel: 'web',
      note: 'a=b',
      empty: '',
    });
    expect(parseMetadataFlags([])).toEqual({});
  });

  it('order input - no "=", an empty key or a key given twice is refused with what to give', () => {
    expect(thrown(() => parseMetadataFlags(['channel'])).message).toBe(
      '--metadata "channel": expected key=value, for example channel=web',
    );
    expect(thrown(() => parseMetadataFlags(['=web'])).message).toContain('expected key=value');
    expect(thrown(() => parseMetadataFlags(['a=1', 'a=2'])).message).toBe(
      '--metadata "a=2": key a is given twice; give each key once',
    );
  });

  it('order input - the schema bounds what the flags give (64-character keys, 32 entries)', () => {
    const metadata = parseMetadataFlags(Array.from({ length: 33 }, (_, i) => `k${i}=v`));
    const err = thrown(() => validateCandidates([{ label: 'flags', value: order('A', { metadata }) }]));
    expect(err.message).toContain('flags: metadata: must hold at most 32 entries');
  });
});
