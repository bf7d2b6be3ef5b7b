import { describe, expect, it } from 'vitest';
import { allPrefixes, approximateBand, prefixUpperBound } from './prefix-bound.ts';

describe('prefixUpperBound', () => {
  it.each([
    ['smi', 'smj'],
    ['a\u{10FFFF}', 'b'],
    ['a\uD7FF', 'a\uE000'],
  ])('%j → %j', (prefix, bound) => {
    expect(prefixUpperBound(prefix)).toBe(bound);
  });
  it('has no bound for the empty prefix or one of only U+10FFFF', () => {
    expect(prefixUpperBound('')).toBeUndefined();
    expect(prefixUpperBound('\u{10FFFF}')).toBeUndefined();
  });
});

describe('allPrefixes', () => {
  it('lists every prefix, the empty one first', () => {
    expect(allPrefixes('ab')).toEqual(['', 'a', 'ab']);
  });
});

describe('approximateBand', () => {
  it('is 10% either side, never narrower', () => {
    const band = approximateBand(70);
    expect(band.tolerance).toBeCloseTo(7);
    expect(band.low).toBeLessThanOrEqual(63);
    expect(band.high).toBeGreaterThanOrEqual(77);
    expect(approximateBand(0).low).toBeLessThanOrEqual(0);
    expect(approximateBand(0).high).toBeGreaterThanOrEqual(0);
  });
});
