/** json result - what a function may return: what JSON carries unchanged, and each refusal named by where it is. */
import { jsonResult, notJsonAt } from '../../activities/json-result';

class Charge {
  constructor(readonly id: string) {}
}

describe('json result', () => {
  it.each([
    ['a string', 'ok'],
    ['a finite number', 12.5],
    ['a boolean', false],
    ['null', null],
    ['a plain object with lists', { a: [1, 'x', { b: null }], c: { d: true } }],
    ['an object without a prototype', Object.assign(Object.create(null) as object, { a: 1 })],
  ])('json result - takes %s unchanged', (_what, value) => {
    expect(jsonResult(value)).toEqual({ ok: true, json: JSON.parse(JSON.stringify(value)) });
  });

  it('json result - a function returning nothing gives null; an undefined property is dropped, as its optional type says', () => {
    expect(jsonResult(undefined)).toEqual({ ok: true, json: null });
    expect(jsonResult({ a: 1, b: undefined })).toEqual({ ok: true, json: { a: 1 } });
  });

  it.each([
    [new Map([['a', 1]]), 'result is a Map'],
    [{ at: new Date(0) }, 'result.at is a Date'],
    [{ list: [1, new Set([2])] }, 'result.list[1] is a Set'],
    [{ charge: new Charge('c1') }, 'result.charge is a Charge'],
    [[1, undefined], 'result[1] is undefined'],
    [{ n: Number.NaN }, 'result.n is NaN'],
    [{ n: Number.POSITIVE_INFINITY }, 'result.n is Infinity'],
    [{ f: () => 1 }, 'result.f is a function'],
    [10n, 'result is a bigint'],
    [{ s: Symbol('x') }, 'result.s is a symbol'],
  ])('json result - refuses %p: "%s"', (value, problem) => {
    expect(notJsonAt(value)).toBe(problem);
    expect(jsonResult(value)).toEqual({ ok: false, problem });
  });
});
