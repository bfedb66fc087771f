/**
 * Options a definition does not know. A JavaScript user's misspelled (`retries`) or unsupported
 * (`rateLimit`) option would otherwise be dropped without a word and the function would run with
 * a default the user believes they changed; defineFunction and definePipeline refuse it instead.
 */

/** The first key of `given` not in `known`, with the known key it most likely meant, if any. */
export interface UnknownOption {
  readonly key: string;
  readonly meant?: string;
}

/** Edits (insert, delete, replace, swap of neighbours) turning `a` into `b`, case ignored. */
function distance(a: string, b: string): number {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  // d[i][j]: edits between the first i letters of x and the first j of y.
  const d = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[x.length]![y.length]!;
}

/** Letters `a` and `b` start with in common, case ignored. */
function sharedStart(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n]!.toLowerCase() === b[n]!.toLowerCase()) n++;
  return n;
}

/**
 * The known key `key` is most likely a slip of: a few edits away (a third of its letters, at least
 * two: `timout`, `maxAttempts`), or sharing its first four letters (`retries`, `timeoutMs`).
 */
function closest(key: string, known: readonly string[]): string | undefined {
  const near = known
    .map((k) => ({ k, d: distance(key, k) }))
    .filter(({ k, d }) => d <= Math.max(2, Math.floor(k.length / 3)) || sharedStart(key, k) >= 4)
    .sort((a, b) => a.d - b.d);
  return near[0]?.k;
}

/** The first own key of `given` that is not in `known` (undefined when every key is known). */
export function unknownOption(given: object, known: readonly string[]): UnknownOption | undefined {
  const key = Object.keys(given).find((k) => !known.includes(k));
  if (key === undefined) return undefined;
  const meant = closest(key, known);
  return meant === undefined ? { key } : { key, meant };
}

/** `unknown option retries (did you mean retry?)`: the problem half of a definition error. */
export function describeUnknown(option: UnknownOption): string {
  return `unknown option ${option.key}${option.meant === undefined ? '' : ` (did you mean ${option.meant}?)`}`;
}
