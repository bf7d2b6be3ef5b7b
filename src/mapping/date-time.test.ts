import { describe, expect, it } from 'vitest';
import { createDateTimeNormalizer } from './date-time.ts';
import { MappingFailure } from './run-state.ts';

const dates = createDateTimeNormalizer();

describe('date-time normalisation', () => {
  it('keeps partial dates and the local date of a date-time', () => {
    expect(dates.dateOnly('1984', 'p')).toBe('1984');
    expect(dates.dateOnly('1984-06', 'p')).toBe('1984-06');
    expect(dates.dateOnly('1984-06-07T23:59:00-08:00', 'p')).toBe('1984-06-07');
    expect(dates.dateOnly('', 'p')).toBeUndefined();
  });

  it('adds seconds and UTC to offset-less text, and keeps a written offset', () => {
    expect(dates.instant('2024-01-02T03:04', undefined, 'p')).toBe('2024-01-02T03:04:00Z');
    expect(dates.instant('2024-01-02 03:04:05.123', 'UTC', 'p')).toBe('2024-01-02T03:04:05.123Z');
    expect(dates.instant('2024-01-02T03:04:05Z', 'America/Toronto', 'p')).toBe('2024-01-02T03:04:05Z');
  });

  it('writes the zone offset in force at that wall-clock time (DST aware)', () => {
    expect(dates.instant('2024-01-15T10:00:00', 'America/Toronto', 'p')).toBe('2024-01-15T10:00:00-05:00');
    expect(dates.instant('2024-07-15T10:00:00', 'America/Toronto', 'p')).toBe('2024-07-15T10:00:00-04:00');
    expect(dates.instant('2024-07-15T10:00:00', 'Asia/Kolkata', 'p')).toBe('2024-07-15T10:00:00+05:30');
  });

  it('rejects impossible dates and times, unknown zones and non-text', () => {
    expect(() => dates.dateOnly('2023-02-29', 'p')).toThrow(MappingFailure);
    expect(() => dates.instant('2024-01-01T24:00:00', undefined, 'p')).toThrow('instant: not a date-time');
    expect(() => dates.instant('2024-01-01', undefined, 'p')).toThrow('instant: not a date-time');
    expect(() => dates.instant('2024-01-01T10:00', 'Mars/Olympus', 'p')).toThrow(
      'instant: unknown time zone',
    );
    expect(() => dates.dateOnly(19840607, 'p')).toThrow(MappingFailure);
  });
});
