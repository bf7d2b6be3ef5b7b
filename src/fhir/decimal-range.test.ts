import { describe, expect, it } from 'vitest';
import { parseDecimalRange } from './decimal-range.ts';

describe('parseDecimalRange', () => {
  it.each([
    ['100', 100, 99.5, 100.5],
    ['100.00', 100, 99.995, 100.005],
    ['-2.5', -2.5, -2.55, -2.45],
    ['1e2', 100, 50, 150],
    ['1.5E1', 15, 14.5, 15.5],
  ])('%s is %d in [%d, %d)', (text, value, low, high) => {
    const range = parseDecimalRange(text);
    expect(range?.value).toBe(value);
    expect(range?.low).toBeCloseTo(low, 9);
    expect(range?.high).toBeCloseTo(high, 9);
  });

  it.each(['', 'abc', '1,5', '1.', '.5', '1e', 'Infinity', '0x10', '1e999'])('rejects %s', (text) => {
    expect(parseDecimalRange(text)).toBeUndefined();
  });
});
