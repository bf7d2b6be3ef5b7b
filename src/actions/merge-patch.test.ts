import { describe, expect, it } from 'vitest';
import { contains } from './action-service.ts';
import { applyMergePatch } from './merge-patch.ts';
import { changedFields } from './native-diff.ts';

describe('JSON Merge Patch (RFC 7396)', () => {
  it('merges objects, replaces lists and scalars, removes with null, leaves the target intact', () => {
    const target = { a: 1, b: { c: 2, d: 3 }, list: [1, 2], keep: 'x' };
    expect(applyMergePatch(target, { a: 5, b: { c: null, e: 4 }, list: [3] })).toEqual({
      a: 5,
      b: { d: 3, e: 4 },
      list: [3],
      keep: 'x',
    });
    expect(target).toEqual({ a: 1, b: { c: 2, d: 3 }, list: [1, 2], keep: 'x' });
    expect(applyMergePatch({ a: 1 }, [1])).toEqual([1]);
  });
});

describe('changed native fields', () => {
  it('answers only fields whose value differs (any key order); removals only when asked', () => {
    const before = { note: 'a', values: [{ b: 1, a: 2 }], gone: 'x' };
    const after = { note: 'b', values: [{ a: 2, b: 1 }] };
    expect(changedFields(before, after, { clearRemoved: false })).toEqual({ note: 'b' });
    expect(changedFields(before, after, { clearRemoved: true })).toEqual({ note: 'b', gone: null });
  });
});

describe('contains (reconciliation of a lost create)', () => {
  it('is true when the record holds every sent field, the source adding ids and defaults', () => {
    const sent = { patient_id: 'p', values: [{ code: '1', value: '37.1' }] };
    expect(
      contains({ id: 'n', patient_id: 'p', values: [{ id: 'v', code: '1', value: '37.1' }], note: '' }, sent),
    ).toBe(true);
    expect(contains({ patient_id: 'p', values: [{ code: '1', value: '37.2' }] }, sent)).toBe(false);
    expect(contains({ patient_id: 'p', values: [] }, sent)).toBe(false);
    expect(contains({ n: 3 }, { n: '3' })).toBe(true);
  });
});
