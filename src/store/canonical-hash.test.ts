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

  it('writes what the sorted-array implementation wrote, for any JSON (the stored hashes depend on it)', () => {
    // The implementation before the faster one, kept here as the reference.
    const reference = (value: unknown): string => {
      if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
      if (Array.isArray(value))
        return `[${value.map((v) => (v === undefined ? 'null' : reference(v))).join(',')}]`;
      const parts: string[] = [];
      for (const key of Object.keys(value).sort()) {
        const v = (value as Record<string, unknown>)[key];
        if (v !== undefined) parts.push(`${JSON.stringify(key)}:${reference(v)}`);
      }
      return `{${parts.join(',')}}`;
    };
    const odd = {
      z: [1, undefined, null, 'a"b\\c\u0001', { é: 1, 'a b': 2, '"q"': 3, $x: 4, _y: 5, '': 6 }],
      a: { nested: { b: true, a: false }, n: -0.5e-7, big: 1e21, nan: Number.NaN },
      m: 'line\nbreak \u2028 ☃ 😀',
      u: undefined,
      // biome-ignore lint/suspicious/noSparseArray: a hole must be written as before
      sparse: [1, , 2],
      '10': 'numeric keys come first',
      '9': 'in integer order',
    };
    expect(canonicalJson(odd)).toBe(reference(odd));
    expect(canonicalJson([odd, [odd], 'x', 0, null])).toBe(reference([odd, [odd], 'x', 0, null]));
    expect(canonicalJson(base)).toBe(reference(base));
    // More distinct keys than the memo of quoted keys holds: quoted the same after it is cleared.
    const wide = Object.fromEntries(
      Array.from({ length: 5_000 }, (_, i) => [`k${i}${i % 7 === 0 ? ' "' : ''}`, i]),
    );
    expect(canonicalJson([wide, odd, wide])).toBe(reference([wide, odd, wide]));
  });
});
