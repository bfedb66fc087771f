/**
 * Keys of the effects bucket and the idempotency keys handed to functions, built and parsed in
 * this one place (the activities write them; the tests and the chaos checker parse them back).
 *
 * A key of the effects bucket is one of
 * - `effect.<stage>.<function>.<revision>.<orderId>`: a function's recorded result;
 * - `intent.<stage>.<revision>.<orderId>`: a stage is about to publish its output;
 * - `output.<stage>.<revision>.<orderId>`: a stage's output was published, with its stream sequence;
 * - `permit.<function>.<key>.<slot>`: one of a function's concurrency permits, leased by the attempt
 *   holding it (`<key>` is `all` without a key, else `k` and the escaped key: never equal);
 * - `rate.<function>.all.<slot>`: one of a function's rate slots, taken at most once a period.
 * The revision (a digest of the order's content) keeps a corrected order from ever finding the
 * old content's effects.
 *
 * A rerun with `--reapply` (`orderflow rerun`, operate/rerun) gives its functions keys of their own:
 * the revision token of the effect key and of the idempotency key becomes `<revision>=<tag>`.
 * Neither a revision (one plain token) nor a tag (RERUN_TAG_PATTERN) holds '=', so such a token
 * splits back into exactly one revision and one tag, and never equals an untagged token: a rerun's
 * keys never meet the first run's, nor another tag's. Intent and output keys carry no tag: a stage
 * publishes its output once per order and revision, rerun or not.
 *
 * KV keys allow only `[-/_=.A-Za-z0-9]`, may not start or end with '.' nor hold '..'. Valid
 * order IDs may hold '.' and ':' anywhere (`x.`, `.a`, `a..b`, `a:b`), so the order ID is escaped:
 * every character other than `[A-Za-z0-9_-]` becomes '=' and two hex digits per UTF-8 byte
 * ('.' → `=2E`, ':' → `=3A`, '=' → `=3D`). The escaped ID holds no '.', so the key has exactly
 * four tokens, and since '=' itself is escaped, distinct IDs never share a key.
 */
import { RERUN_TAG_PATTERN } from './stages';

/** What a key of the effects bucket records. */
export type EffectKeyKind = 'effect' | 'intent' | 'output';

export interface ParsedEffectKey {
  readonly kind: EffectKeyKind;
  readonly stage: string;
  /** The function (kind `effect`) or the stage (kinds `intent`, `output`). */
  readonly name: string;
  readonly revision: string;
  readonly orderId: string;
  /** Kind `effect` only: the rerun tag of a key written by a rerun with `--reapply`. */
  readonly rerunTag?: string;
}

/** Thrown when a key cannot be built from its parts (an empty order ID, a name with a dot). */
export class InvalidKeyPartError extends Error {
  override readonly name = 'InvalidKeyPartError';
  constructor(
    readonly part: string,
    readonly value: string,
  ) {
    super(`cannot build an effects key from ${part} ${JSON.stringify(value)}`);
  }
}

const KINDS: readonly EffectKeyKind[] = ['effect', 'intent', 'output'];
/** Joins a revision and a rerun tag into one token (see the top of this file). */
const RERUN_TAG_SEPARATOR = '=';
/** Step names, stage names and revisions are used as they are; they must be one plain token. */
const PLAIN_TOKEN = /^[A-Za-z0-9_-]+$/;
const KEPT = /[A-Za-z0-9_-]/;
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Escapes any string into characters a KV key token may hold, without '.'; injective. */
function escapeKeyToken(value: string): string {
  let out = '';
  for (const ch of value) {
    if (KEPT.test(ch)) out += ch;
    else for (const byte of encoder.encode(ch)) out += `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The inverse of escapeKeyToken; undefined for a token escapeKeyToken cannot have produced. */
function unescapeKeyToken(token: string): string | undefined {
  if (!/^(?:[A-Za-z0-9_-]|=[0-9A-F]{2})*$/.test(token)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < token.length;) {
    if (token[i] === '=') {
      bytes.push(parseInt(token.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      bytes.push(token.charCodeAt(i));
      i += 1;
    }
  }
  try {
    const value = decoder.decode(new Uint8Array(bytes));
    // A byte escaped that needed no escape would decode to the same ID from two keys.
    return escapeKeyToken(value) === token ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The revision as a key holds it: itself, or `<revision>=<tag>` for a rerun that reapplies. */
function revisionToken(revision: string, rerunTag: string | undefined): string {
  if (rerunTag === undefined) return revision;
  if (!RERUN_TAG_PATTERN.test(rerunTag)) throw new InvalidKeyPartError('rerun tag', rerunTag);
  return `${revision}${RERUN_TAG_SEPARATOR}${rerunTag}`;
}

function buildKey(
  kind: EffectKeyKind,
  names: readonly string[],
  revision: string,
  orderId: string,
  rerunTag?: string,
): string {
  for (const name of names) if (!PLAIN_TOKEN.test(name)) throw new InvalidKeyPartError('name', name);
  if (!PLAIN_TOKEN.test(revision)) throw new InvalidKeyPartError('revision', revision);
  if (orderId.length === 0) throw new InvalidKeyPartError('order ID', orderId);
  return [kind, ...names, revisionToken(revision, rerunTag), escapeKeyToken(orderId)].join('.');
}

/**
 * Key of one function's recorded result for one stage and revision of an order; with `rerunTag`,
 * that of a rerun with `--reapply`, which records (and so applies) its own.
 */
export function effectKey(stage: string, fn: string, orderId: string, revision: string, rerunTag?: string): string {
  return buildKey('effect', [stage, fn], revision, orderId, rerunTag);
}

/** Key of the record a stage writes before it publishes its output: where the stream stood, and when. */
export function outputIntentKey(stage: string, orderId: string, revision: string): string {
  return buildKey('intent', [stage], revision, orderId);
}

/** Key of the record of a stage's published output (its stream sequence). */
export function outputKey(stage: string, orderId: string, revision: string): string {
  return buildKey('output', [stage], revision, orderId);
}

/**
 * Key of permit `slot` (0-based) of function `fn`'s concurrency limit, for the order key `key`
 * (undefined: the function's one limit). The prefix of every permit of one key is the key up to
 * its last '.'.
 */
export function permitKey(
  fn: string,
  key: string | undefined,
  slot: number,
  kind: 'permit' | 'rate' = 'permit',
): string {
  if (!PLAIN_TOKEN.test(fn)) throw new InvalidKeyPartError('name', fn);
  return `${kind}.${fn}.${key === undefined ? 'all' : `k${escapeKeyToken(key)}`}.${slot}`;
}

/** The parts of a key this module built; undefined for any other key. */
export function parseEffectKey(key: string): ParsedEffectKey | undefined {
  const tokens = key.split('.');
  const kind = tokens[0] as EffectKeyKind;
  if (!KINDS.includes(kind) || tokens.length !== (kind === 'effect' ? 5 : 4)) return undefined;
  const [stage, name, revision, escaped] = (kind === 'effect' ? tokens.slice(1) : [tokens[1], ...tokens.slice(1)]) as [
    string,
    string,
    string,
    string,
  ];
  const [plainRevision, rerunTag, ...more] = revision.split(RERUN_TAG_SEPARATOR) as [string, ...string[]];
  if (more.length > 0 || (rerunTag !== undefined && (kind !== 'effect' || !RERUN_TAG_PATTERN.test(rerunTag))))
    return undefined;
  if (![stage, name, plainRevision].every((token) => PLAIN_TOKEN.test(token))) return undefined;
  const orderId = unescapeKeyToken(escaped);
  if (orderId === undefined || orderId.length === 0) return undefined;
  return { kind, stage, name, revision: plainRevision, orderId, ...(rerunTag !== undefined ? { rerunTag } : {}) };
}

/**
 * The idempotency key a function receives (`ctx.idempotencyKey`): the same for one order, stage,
 * function and revision of the order's content, across attempts, redeliveries and workers, and
 * different for anything else. `orderflow:<stage>:<function>:<revision>:<orderId>`: the order ID
 * comes last and no other part holds ':', so distinct inputs never share a key. At most 229
 * characters with a 128-character order ID, within the 255 that payment APIs commonly accept.
 *
 * With `rerunTag` (a rerun with `--reapply`): `orderflow:<stage>:<function>:<revision>=<tag>:<orderId>`,
 * a key the first run never had, so an API applies the effect again, once per tag. At most 254
 * characters (a tag has at most 24).
 */
export function idempotencyKeyFor(
  stage: string,
  fn: string,
  orderId: string,
  revision: string,
  rerunTag?: string,
): string {
  return `orderflow:${stage}:${fn}:${revisionToken(revision, rerunTag)}:${orderId}`;
}
