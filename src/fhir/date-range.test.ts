import { describe, expect, it } from 'vitest';
import { DATE_MAX, DATE_MIN, parseDateRange, periodRange } from './date-range.ts';

const utc = (text: string) => Date.parse(text);

describe('parseDateRange', () => {
  it.each([
    ['2020', '2020-01-01T00:00:00Z', '2021-01-01T00:00:00Z'],
    ['2020-02', '2020-02-01T00:00:00Z', '2020-03-01T00:00:00Z'],
    ['2021-02', '2021-02-01T00:00:00Z', '2021-03-01T00:00:00Z'],
    ['2020-12-31', '2020-12-31T00:00:00Z', '2021-01-01T00:00:00Z'],
    ['2020-06-01T10:30', '2020-06-01T10:30:00Z', '2020-06-01T10:31:00Z'],
    ['2020-06-01T10:30:15Z', '2020-06-01T10:30:15Z', '2020-06-01T10:30:16Z'],
    ['2020-06-01T10:30:15.5Z', '2020-06-01T10:30:15.500Z', '2020-06-01T10:30:15.600Z'],
    ['2020-06-01T10:30:15.123Z', '2020-06-01T10:30:15.123Z', '2020-06-01T10:30:15.124Z'],
    ['2020-06-01T10:30:15-08:00', '2020-06-01T18:30:15Z', '2020-06-01T18:30:16Z'],
    ['2020-06-01T10:30:15+05:30', '2020-06-01T05:00:15Z', '2020-06-01T05:00:16Z'],
  ])('%s covers [%s, %s)', (text, low, high) => {
    expect(parseDateRange(text)).toEqual({ low: utc(low), high: utc(high) });
  });

  it.each([
    '',
    '20',
    '2020-13',
    '2020-02-30',
    '2020-1-1',
    '2020-06-01T25:00',
    '2020-06-01T10',
    'June 2020',
    '2020-06-01T10:30Z0',
  ])('rejects %s', (text) => {
    expect(parseDateRange(text)).toBeUndefined();
  });
});

describe('periodRange', () => {
  it('runs from the start of start to the end of end', () => {
    expect(periodRange('2020-01-05', '2020-01-07')).toEqual({
      low: utc('2020-01-05T00:00:00Z'),
      high: utc('2020-01-08T00:00:00Z'),
    });
  });
  it('leaves missing ends open', () => {
    expect(periodRange('2020', undefined)).toEqual({ low: utc('2020-01-01T00:00:00Z'), high: DATE_MAX });
    expect(periodRange(undefined, '2020')).toEqual({ low: DATE_MIN, high: utc('2021-01-01T00:00:00Z') });
  });
  it('is undefined for empty or malformed periods', () => {
    expect(periodRange(undefined, undefined)).toBeUndefined();
    expect(periodRange('bad', '2020')).toBeUndefined();
  });
});
