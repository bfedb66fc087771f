import { validateKey } from '@nats-io/kv/internal';

import {
  InvalidKeyPartError,
  effectKey,
  outputIntentKey,
  outputKey,
  idempotencyKeyFor,
  parseEffectKey,
} from '../../workflows/names';
import { ORDER_ID_PATTERN } from '../../workflows/names';

const REVISION = '0123456789abcdef';
/** Every character a valid order ID may hold (ORDER_ID_PATTERN). */
const ALPHABET = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-'];

/** The rules of a KV key as the server applies them (a subject's tokens), not only the client's. */
function isValidKvKey(key: string): boolean {
  return /^[-/_=.A-Za-z0-9]+$/.test(key) && !key.startsWith('.') && !key.endsWith('.') && !key.includes('..');
}

/** Every ID of one to three characters: each character, pair and triple, at the start, the end and between. */
function* shortIds(): Generator<string> {
  for (const a of ALPHABET) {
    yield a;
    for (const b of ALPHABET) {
      yield a + b;
      for (const c of ALPHABET) yield a + b + c;
    }
  }
}

/** Long IDs up to the schema's 128 characters, spread deterministically over the alphabet. */
function* longIds(count: number): Generator<string> {
  for (let i = 0; i < count; i += 1) {
    const length = 4 + (i % 125);
    let id = '';
    for (let j = 0; j < length; j += 1) id += ALPHABET[(i * 31 + j * j * 7 + ((i * j) >> 3)) % ALPHABET.length];
    yield id;
  }
  yield '.'.repeat(128);
  yield ':'.repeat(128);
  yield '.:'.repeat(64);
}

describe('keys - effects bucket keys for every valid order ID', () => {
  it('keys - every ID of up to three characters and thousands of long ones give valid, distinct keys that parse back', () => {
    const seen = new Map<string, string>();
    let checked = 0;
    for (const id of [...shortIds(), ...longIds(5000)]) {
      if (!ORDER_ID_PATTERN.test(id)) throw new Error(`${JSON.stringify(id)} is not a valid order ID`);
      const key = effectKey('process', 'reserveStock', id, REVISION);
      if (!isValidKvKey(key)) throw new Error(`invalid key ${key} for order ID ${JSON.stringify(id)}`);
      const earlier = seen.get(key);
      if (earlier !== undefined && earlier !== id)
        throw new Error(`${JSON.stringify(earlier)} and ${JSON.stringify(id)} share ${key}`);
      seen.set(key, id);
      const parsed = parseEffectKey(key);
      if (parsed?.orderId !== id)
        throw new Error(`${key} parses to ${JSON.stringify(parsed)}, not ${JSON.stringify(id)}`);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(ALPHABET.length ** 3);
    expect(seen.size).toBe(checked);
  });

  it('keys - the order IDs that broke `<step>.<orderId>` keys are escaped and accepted by the KV client', () => {
    for (const id of ['x.', '.a', 'a..b', 'a:b', '.', '..']) {
      const key = effectKey('dispatch', 'ship', id, REVISION);
      expect(isValidKvKey(key)).toBe(true);
      expect(() => validateKey(key)).not.toThrow();
    }
    expect(effectKey('dispatch', 'ship', 'x.', REVISION)).toBe(`effect.dispatch.ship.${REVISION}.x=2E`);
    expect(effectKey('dispatch', 'ship', 'a:b', REVISION)).toBe(`effect.dispatch.ship.${REVISION}.a=3Ab`);
  });

  it('keys - escaping is injective over any string, not only valid IDs: the escape character is escaped too', () => {
    // The order ID's token is the key's last: what follows `effect.<stage>.<function>.<revision>.`.
    const prefix = `effect.dispatch.ship.${REVISION}.`;
    const keyOf = (orderId: string): string => effectKey('dispatch', 'ship', orderId, REVISION);
    // 'a=3Ab' is no valid order ID ('=' is refused by the schema), yet must not share a key with 'a:b'.
    expect(keyOf('a=3Ab')).toBe(`${prefix}a=3D3Ab`);
    expect(keyOf('a=3Ab')).not.toBe(keyOf('a:b'));
    for (const value of ['a=3Ab', 'a/b', 'é', '日本', 'a b', '=', '==']) {
      const key = keyOf(value);
      expect(key.startsWith(prefix)).toBe(true);
      expect(key.slice(prefix.length)).toMatch(/^(?:[A-Za-z0-9_-]|=[0-9A-F]{2})+$/);
      expect(parseEffectKey(key)?.orderId).toBe(value);
    }
  });

  it('keys - kind, stage, name and revision are part of the key: a corrected order never finds the old content’s records', () => {
    const keys = [
      effectKey('dispatch', 'ship', 'A-1', REVISION),
      effectKey('dispatch', 'ship', 'A-1', 'fedcba9876543210'),
      effectKey('dispatch', 'assignCourier', 'A-1', REVISION),
      effectKey('process', 'ship', 'A-1', REVISION),
      outputIntentKey('dispatch', 'A-1', REVISION),
      outputKey('dispatch', 'A-1', REVISION),
      outputKey('process', 'A-1', REVISION),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.map(parseEffectKey)).toEqual([
      { kind: 'effect', stage: 'dispatch', name: 'ship', revision: REVISION, orderId: 'A-1' },
      { kind: 'effect', stage: 'dispatch', name: 'ship', revision: 'fedcba9876543210', orderId: 'A-1' },
      { kind: 'effect', stage: 'dispatch', name: 'assignCourier', revision: REVISION, orderId: 'A-1' },
      { kind: 'effect', stage: 'process', name: 'ship', revision: REVISION, orderId: 'A-1' },
      { kind: 'intent', stage: 'dispatch', name: 'dispatch', revision: REVISION, orderId: 'A-1' },
      { kind: 'output', stage: 'dispatch', name: 'dispatch', revision: REVISION, orderId: 'A-1' },
      { kind: 'output', stage: 'process', name: 'process', revision: REVISION, orderId: 'A-1' },
    ]);
  });

  it('keys - keys this module cannot have built do not parse', () => {
    for (const key of [
      'reserveStock.A-1', // the old `<step>.<orderId>` layout
      'published-process.A-1',
      `effect.ship.${REVISION}.A-1`, // the layout before stages were part of effect keys
      `effect.dispatch.ship.${REVISION}`,
      `effect.dispatch.ship.${REVISION}.a.b`,
      `output.dispatch.ship.${REVISION}.A-1`,
      `other.dispatch.ship.${REVISION}.A-1`,
      `effect.dispatch.ship.${REVISION}.a=3`, // a cut escape
      `effect.dispatch.ship.${REVISION}.a=2e`, // lower-case hex is never written
      `effect.dispatch.ship.${REVISION}.=61`, // 'a' escaped though it needs no escape: a second key for one ID
      `effect.dispatch.ship.${REVISION}.=FF`, // not UTF-8
    ]) {
      expect([key, parseEffectKey(key)]).toEqual([key, undefined]);
    }
  });

  it('keys - refuse to build a key from an empty order ID or a name that is not one plain token', () => {
    expect(() => effectKey('dispatch', 'ship', '', REVISION)).toThrow(InvalidKeyPartError);
    expect(() => effectKey('dispatch', 'ship.it', 'A-1', REVISION)).toThrow(InvalidKeyPartError);
    expect(() => effectKey('dis.patch', 'ship', 'A-1', REVISION)).toThrow(InvalidKeyPartError);
    expect(() => outputKey('process', 'A-1', 'a.b')).toThrow(InvalidKeyPartError);
  });
});

describe('keys - idempotency keys handed to functions', () => {
  it('keys - one per order, stage, function and revision; never shared by distinct inputs', () => {
    const keys = [
      idempotencyKeyFor('process', 'charge', 'A-1', REVISION),
      idempotencyKeyFor('dispatch', 'charge', 'A-1', REVISION),
      idempotencyKeyFor('process', 'refund', 'A-1', REVISION),
      idempotencyKeyFor('process', 'charge', 'A-1', 'fedcba9876543210'),
      idempotencyKeyFor('process', 'charge', 'A-1:x', REVISION),
      idempotencyKeyFor('process', 'charge', 'A-1', REVISION.toUpperCase()),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys[0]).toBe(`orderflow:process:charge:${REVISION}:A-1`);
    expect(idempotencyKeyFor('process', 'charge', 'A-1', REVISION)).toBe(keys[0]);
  });

  it('keys - the longest possible key fits the 255 characters payment APIs accept', () => {
    const key = idempotencyKeyFor('dispatch', `f${'x'.repeat(63)}`, 'o'.repeat(128), REVISION);
    expect(key.length).toBeLessThanOrEqual(255);
  });
});
