import type { Clock } from './clock.ts';

/** A sliding-window request limiter: at most `limit` requests per `windowMs` per key. */
export type RateLimiter = {
  /** Takes one request for `key`; answers whether it is allowed and, if not, when it will be. */
  take(key: string): { allowed: true } | { allowed: false; retryAfterMs: number };
  reset(): void;
};

export function createSlidingWindowLimiter(limit: number, windowMs: number, clock: Clock): RateLimiter {
  let hits = new Map<string, number[]>();
  return {
    take(key) {
      const now = clock();
      const recent = (hits.get(key) ?? []).filter((t) => t > now - windowMs);
      if (recent.length >= limit) {
        hits.set(key, recent);
        const oldest = recent[0] ?? now;
        return { allowed: false, retryAfterMs: Math.max(1, oldest + windowMs - now) };
      }
      recent.push(now);
      hits.set(key, recent);
      return { allowed: true };
    },
    reset() {
      hits = new Map();
    },
  };
}
