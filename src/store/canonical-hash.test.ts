import type { Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from './canonical-hash.ts';

describe('contentHash', () => {
  const base = { resourceType: 'Patient', id: 'p', name: [{ family: 'A', given: ['B'] }] } as Resource;

  it('ignores key order, meta.versionId and meta.lastUpdated', () => {
    const reordered = { name: [{ given: ['B'], family: 'A' }], id: 'p', resourceType: 'Patient' } as Resource;
    const withMeta = { ...base, meta: { versionId: '7', lastUpdated: '2020-01-01T00:00:00Z' } } as Resource;
    expect(contentHash(reordered)).toBe(contentHash(base));
    expect(contentHash(withMeta)).toBe(contentHash(base));
  });

  it('changes with content, array order and other meta', () => {
    expect(contentHash({ ...base, gender: 'male' } as Resource)).not.toBe(contentHash(base));
    expect(contentHash({ ...base, name: [{ family: 'A', given: ['C'] }] } as Resource)).not.toBe(
      contentHash(base),
    );
    expect(contentHash({ ...base, meta: { source: 'x' } } as Resource)).not.toBe(contentHash(base));
  });

  it('writes canonical JSON with sorted keys and no undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, 'x'] } })).toBe('{"a":{"c":[2,"x"]},"b":1}');
  });
});
