import { describe, expect, it } from 'vitest';
import { createManualClock } from '../common/clock.ts';
import { createDrChronoLimits } from './rate-limits.ts';

describe('createDrChronoLimits', () => {
  it('counts per app and per clock hour, not on a rolling window', () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1, 9, 59, 0));
    const limits = createDrChronoLimits(clock, { hourly: 3, perSecond: 100 });
    for (let i = 0; i < 3; i++) expect(limits.take('app').allowed).toBe(true);
    expect(limits.take('app')).toEqual({ allowed: false, waitSeconds: 60 });
    expect(limits.take('other').allowed).toBe(true);
    clock.advance(60_000); // 10:00 — a new hour, although the first requests are only a minute old
    expect(limits.take('app').allowed).toBe(true);
  });

  it('throttles bursts over the per-second limit without spending the hourly budget', () => {
    const clock = createManualClock();
    const limits = createDrChronoLimits(clock, { hourly: 12, perSecond: 10 });
    for (let i = 0; i < 10; i++) expect(limits.take('app').allowed).toBe(true);
    const refused = limits.take('app');
    expect(refused.allowed).toBe(false);
    clock.advance(1000);
    expect(limits.take('app').allowed).toBe(true);
    expect(limits.take('app').allowed).toBe(true);
    expect(limits.take('app').allowed).toBe(false);
  });
});
