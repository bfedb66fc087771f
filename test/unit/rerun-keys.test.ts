/**
 * The names a rerun adds (workflows/names): its workflow ID, and the keys of a rerun with
 * --reapply, which must never meet the first run's, another tag's, or another order's.
 */
import { validateKey } from '@nats-io/kv/internal';

import {
  InvalidKeyPartError,
  ORDER_ID_PATTERN,
  RERUN_TAG_PATTERN,
  effectKey,
  idempotencyKeyFor,
  parseEffectKey,
  rerunTagOf,
  rerunWorkflowIdFor,
  workflowIdFor,
} from '../../workflows/names';

const REVISION = '0123456789abcdef';
const TAGS = ['INC-1', 'INC-12', 'a', 'A_b-c', 'x'.repeat(24)];
const IDS = ['A-1', 'A-12', 'a:b', 'x.', '.a', 'a..b', 'INC-1', '1', '1-INC', 'a:b:c'];

describe('rerun names - workflow IDs', () => {
  it('rerun names - a rerun ID is the stage workflow ID, @rerun- and the tag; no order can have it as its own', () => {
    expect(rerunWorkflowIdFor('process', 'A-1', 'INC-42')).toBe('process-A-1@rerun-INC-42');
    const seen = new Set<string>();
    for (const id of IDS)
      for (const tag of TAGS)
        for (const stage of ['process', 'dispatch'] as const) {
          const rerunId = rerunWorkflowIdFor(stage, id, tag);
          expect(seen.has(rerunId)).toBe(false);
          seen.add(rerunId);
          expect(rerunTagOf(stage, id, rerunId)).toBe(tag);
          // The part after the stage's prefix is never a valid order ID: it holds '@'.
          expect(ORDER_ID_PATTERN.test(rerunId.slice(`${stage}-`.length))).toBe(false);
          expect(rerunId).not.toBe(workflowIdFor(stage, id));
        }
  });

  it("rerun names - rerunTagOf reads only the order's own reruns in the stage", () => {
    expect(rerunTagOf('process', 'A-1', 'process-A-1@rerun-INC-1')).toBe('INC-1');
    expect(rerunTagOf('process', 'A-1', 'process-A-12@rerun-INC-1')).toBeUndefined();
    expect(rerunTagOf('process', 'A-1', 'dispatch-A-1@rerun-INC-1')).toBeUndefined();
    expect(rerunTagOf('process', 'A-1', 'process-A-1')).toBeUndefined();
    expect(rerunTagOf('process', 'A-1', 'process-A-1@rerun-')).toBeUndefined();
  });

  it('rerun names - a tag is 1 to 24 of letters, digits, _ and -', () => {
    for (const tag of TAGS) expect(RERUN_TAG_PATTERN.test(tag)).toBe(true);
    for (const tag of ['', 'x'.repeat(25), 'INC 1', 'INC.1', 'INC@1', 'INC=1', 'INC:1', "INC'1"])
      expect([tag, RERUN_TAG_PATTERN.test(tag)]).toEqual([tag, false]);
  });
});

describe('rerun names - keys of a rerun with --reapply', () => {
  it('rerun keys - the revision token becomes <revision>=<tag>: valid KV keys that parse back with their tag', () => {
    const key = effectKey('process', 'chargePayment', 'a:b', REVISION, 'INC-1');
    expect(key).toBe(`effect.process.chargePayment.${REVISION}=INC-1.a=3Ab`);
    expect(() => validateKey(key)).not.toThrow();
    expect(parseEffectKey(key)).toEqual({
      kind: 'effect',
      stage: 'process',
      name: 'chargePayment',
      revision: REVISION,
      orderId: 'a:b',
      rerunTag: 'INC-1',
    });
    // The first run's key parses as before, without a tag.
    expect(parseEffectKey(effectKey('process', 'chargePayment', 'a:b', REVISION))).not.toHaveProperty('rerunTag');
    expect(idempotencyKeyFor('process', 'chargePayment', 'a:b', REVISION, 'INC-1')).toBe(
      `orderflow:process:chargePayment:${REVISION}=INC-1:a:b`,
    );
  });

  it('rerun keys - injective: no two (revision, tag, order) share an effect key or an idempotency key', () => {
    const revisions = [REVISION, 'fedcba9876543210', 'r1', 'r1-INC', 'r1_x'];
    const effects = new Map<string, string>();
    const idempotency = new Map<string, string>();
    for (const revision of revisions)
      for (const tag of [undefined, ...TAGS, 'INC', '1-INC-1', 'x-r1'])
        for (const id of IDS) {
          const what = JSON.stringify([revision, tag, id]);
          const e = effectKey('dispatch', 'ship', id, revision, tag);
          const i = idempotencyKeyFor('dispatch', 'ship', id, revision, tag);
          expect([what, effects.get(e)]).toEqual([what, undefined]);
          expect([what, idempotency.get(i)]).toEqual([what, undefined]);
          effects.set(e, what);
          idempotency.set(i, what);
          const parsed = parseEffectKey(e);
          expect([parsed?.revision, parsed?.rerunTag, parsed?.orderId]).toEqual([revision, tag, id]);
        }
  });

  it('rerun keys - the longest idempotency key stays within 255 characters', () => {
    const key = idempotencyKeyFor('dispatch', `f${'x'.repeat(63)}`, 'o'.repeat(128), REVISION, 'T'.repeat(24));
    expect(key.length).toBeLessThanOrEqual(255);
  });

  it('rerun keys - a tag that is not one plain token is refused; tagged intent keys and bad tokens do not parse', () => {
    expect(() => effectKey('process', 'f', 'A-1', REVISION, 'INC.1')).toThrow(InvalidKeyPartError);
    expect(() => idempotencyKeyFor('process', 'f', 'A-1', REVISION, 'INC:1')).toThrow(InvalidKeyPartError);
    for (const key of [
      `intent.process.${REVISION}=INC-1.A-1`, // outputs are never tagged
      `effect.process.f.${REVISION}=.A-1`,
      `effect.process.f.=INC-1.A-1`,
      `effect.process.f.${REVISION}=INC-1=INC-2.A-1`,
      `effect.process.f.${REVISION}=${'x'.repeat(25)}.A-1`,
    ])
      expect([key, parseEffectKey(key)]).toEqual([key, undefined]);
  });
});
