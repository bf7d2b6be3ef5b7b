import { describe, expect, it } from 'vitest';
import { cronWorstGapSeconds } from './cron-gap.ts';

describe('cronWorstGapSeconds', () => {
  it('gives the longest wait between two runs, across midnight too', () => {
    expect(cronWorstGapSeconds('*/30 * * * * *')).toBe(30);
    expect(cronWorstGapSeconds('0 */5 * * * *')).toBe(300);
    expect(cronWorstGapSeconds('0 * * * * *')).toBe(60);
    // Three runs a day, uneven: the night gap (18:00 → 08:00) is the worst.
    expect(cronWorstGapSeconds('0 0 8,12,18 * * *')).toBe(14 * 3600);
  });

  it('answers undefined for an invalid expression or one that restricts days', () => {
    expect(cronWorstGapSeconds('not cron')).toBeUndefined();
    expect(cronWorstGapSeconds('0 0 8 * * 1')).toBeUndefined();
  });
});
