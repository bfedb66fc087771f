/**
 * A function's result as JSON carries it, refused where JSON would change it without a word: a
 * Map or Set would become `{}`, a Date a string, a class instance a plain object, a function or
 * an `undefined` in a list would vanish or turn into null, NaN and Infinity null. TypeScript users
 * get the same refusal at compile time (JsonSafe in types.ts); this is for everyone else.
 */
import type { JsonValue } from '../workflows/types';

/** Where in a result the first value JSON cannot carry unchanged is, and what it is; undefined when none. */
export function notJsonAt(value: unknown, at = 'result'): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `${at} is ${String(value)}`;
    case 'object':
      return value === null ? undefined : notJsonObjectAt(value, at);
    default:
      return `${at} is a ${typeof value}`;
  }
}

function notJsonObjectAt(value: object, at: string): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const problem = item === undefined ? `${at}[${i}] is undefined` : notJsonAt(item, `${at}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    const kind = (value as { constructor?: { name?: string } }).constructor?.name || 'class instance';
    return `${at} is a ${kind}`;
  }
  for (const [key, item] of Object.entries(value)) {
    // An undefined property is dropped, as its optional type says it may be.
    const problem = item === undefined ? undefined : notJsonAt(item, `${at}.${key}`);
    if (problem) return problem;
  }
  return undefined;
}

/** `value` as JSON carries it (undefined as null), or what is wrong with it. */
export function jsonResult(value: unknown): { ok: true; json: JsonValue } | { ok: false; problem: string } {
  if (value === undefined) return { ok: true, json: null };
  const problem = notJsonAt(value);
  if (problem) return { ok: false, problem };
  return { ok: true, json: JSON.parse(JSON.stringify(value)) as JsonValue };
}
