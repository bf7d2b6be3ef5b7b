import { describe, expect, it } from 'vitest';
import { createRng } from '../common/rng.ts';
import { isoDate, isoDateTime } from './iso-time.ts';

describe('iso-time', () => {
  it('formats exactly like Date#toISOString across leap years, month ends and the epoch', () => {
    const rng = createRng(11);
    const samples = [
      0,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2000, 11, 31),
      Date.UTC(2100, 2, 1, 0, 0, 0, 7),
    ];
    for (let i = 0; i < 2000; i++) samples.push(Math.floor(rng.next() * Date.UTC(2200, 0, 1)));
    for (const ms of samples) {
      expect(isoDateTime(ms)).toBe(new Date(ms).toISOString());
      expect(isoDate(ms)).toBe(new Date(ms).toISOString().slice(0, 10));
    }
  });
});
