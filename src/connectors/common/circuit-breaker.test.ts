import { describe, expect, it } from 'vitest';
import { fullJitterDelay } from './backoff.ts';
import { createCircuitBreaker } from './circuit-breaker.ts';
import { retryAfterMs } from './retry-after.ts';

describe('circuit breaker', () => {
  it('opens after the threshold, lets one trial through after the cooldown, closes on success', () => {
    let t = 0;
    const breaker = createCircuitBreaker({ threshold: 3, cooldownMs: 1000, now: () => t });
    for (let i = 0; i < 3; i++) {
      expect(breaker.blockedFor()).toBeUndefined();
      breaker.failure();
    }
    expect(breaker.state()).toBe('open');
    expect(breaker.blockedFor()).toBe(1000);
    t = 1000;
    expect(breaker.blockedFor()).toBeUndefined(); // the trial
    expect(breaker.blockedFor()).toBe(1000); // others wait for it
    breaker.failure();
    expect(breaker.state()).toBe('open');
    t = 2000;
    expect(breaker.blockedFor()).toBeUndefined();
    breaker.success();
    expect(breaker.state()).toBe('closed');
    expect(breaker.blockedFor()).toBeUndefined();
  });
});

describe('full-jitter backoff and Retry-After', () => {
  it('draws uniformly below min(cap, base·2^attempt)', () => {
    expect(fullJitterDelay(1, 100, 10_000, () => 0.999)).toBe(199);
    expect(fullJitterDelay(3, 100, 10_000, () => 0.5)).toBe(400);
    expect(fullJitterDelay(20, 100, 10_000, () => 0.5)).toBe(5000);
    expect(fullJitterDelay(5, 100, 10_000, () => 0)).toBe(0);
  });

  it('reads seconds, an HTTP date, or the body hint; undefined when nothing says', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs(new Headers({ 'retry-after': '7' }), '', now)).toBe(7000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }), '', now)).toBe(3000);
    expect(
      retryAfterMs(
        new Headers(),
        '{"detail":"Request was throttled. Expected available in 12 seconds."}',
        now,
      ),
    ).toBe(12_000);
    expect(retryAfterMs(new Headers(), '{"object":"error"}', now)).toBeUndefined();
  });
});
