import { describe, expect, it } from 'vitest';
import type { IndexEntry } from '../fhir/index-entry.ts';
import { decodeSearchCursor, encodeSearchCursor } from './cursor.ts';
import { createCursorSealer } from './cursor-sealer.ts';
import { CursorError } from './errors.ts';
import { compareCodePoints, compareSortValues, sortValueOf } from './search-sort.ts';

const date = (low: number, high: number): IndexEntry => ({ param: 'date', kind: 'date', low, high });
const name = (value: string): IndexEntry => ({ param: 'name', kind: 'string', value, raw: value });

describe('sort values', () => {
  it('take the lowest value ascending and the highest descending; a date range its start and its end', () => {
    const entries = [date(10, 20), date(5, 8), name('zed'), name('able')];
    expect(sortValueOf(entries, { param: 'date', descending: false })).toBe(5);
    expect(sortValueOf(entries, { param: 'date', descending: true })).toBe(20);
    expect(sortValueOf(entries, { param: 'name', descending: false })).toBe('able');
    expect(sortValueOf(entries, { param: 'name', descending: true })).toBe('zed');
    expect(sortValueOf(entries, { param: 'gender', descending: false })).toBeNull();
  });
  it('order null lowest and strings by code point (as SQLite and MongoDB do), not by UTF-16 unit', () => {
    expect(compareSortValues(null, 'a')).toBeLessThan(0);
    expect(compareSortValues(2, 10)).toBeLessThan(0);
    // U+FFFF < U+10000 by code point, though JavaScript's < says otherwise (surrogates are 0xD800..).
    expect('\u{10000}' < '\uFFFF').toBe(true);
    expect(compareCodePoints('\uFFFF', '\u{10000}')).toBeLessThan(0);
    expect(compareCodePoints('ab', 'abc')).toBeLessThan(0);
    expect(compareCodePoints('abc', 'abc')).toBe(0);
  });
});

describe('search cursors', () => {
  const sealer = createCursorSealer(Buffer.alloc(32, 3));
  const scope = { tenant: 't1', type: 'Patient' };
  const sort = [
    { param: 'birthdate', kind: 'date' as const, descending: false },
    { param: 'family', kind: 'string' as const, descending: true },
  ];
  it('round-trip the position', () => {
    const position = { values: [-8.64e15, null], id: 'pat-1' };
    expect(
      decodeSearchCursor(sealer, scope, encodeSearchCursor(sealer, scope, sort, position), sort),
    ).toEqual(position);
  });
  it('refuse a cursor made for another _sort, or one that is not a sealed cursor', () => {
    const cursor = encodeSearchCursor(sealer, scope, sort, { values: [1, 'x'], id: 'a' });
    expect(() => decodeSearchCursor(sealer, scope, cursor, sort.slice(0, 1))).toThrow(CursorError);
    expect(() => decodeSearchCursor(sealer, scope, cursor, [sort[1], sort[0]] as typeof sort)).toThrow(
      /different _sort/,
    );
    // The unsealed form of the earlier format is no longer accepted.
    const unsealed = Buffer.from('s1:{"s":"birthdate,-family","v":[1,"x"],"id":"a"}').toString('base64url');
    expect(() => decodeSearchCursor(sealer, scope, unsealed, sort)).toThrow(CursorError);
    expect(() => decodeSearchCursor(sealer, scope, 'bm9wZQ', sort)).toThrow(CursorError);
  });
});
