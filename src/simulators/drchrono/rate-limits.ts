import type { Clock } from '../common/clock.ts';
import { createSlidingWindowLimiter } from '../common/rate-limit.ts';

/**
 * DrChrono's budget per API application: 500 requests per clock hour (the count resets at
 * the top of the hour, not on a rolling window) and a burst throttle of 10 requests/second.
 */
export type DrChronoLimits = {
  take(clientId: string): { allowed: true } | { allowed: false; waitSeconds: number };
  reset(): void;
};

export const HOURLY_LIMIT = 500;
export const PER_SECOND_LIMIT = 10;
const HOUR_MS = 3_600_000;

export function createDrChronoLimits(
  clock: Clock,
  limits: { hourly?: number; perSecond?: number } = {},
): DrChronoLimits {
  const hourly = limits.hourly ?? HOURLY_LIMIT;
  let burst = createSlidingWindowLimiter(limits.perSecond ?? PER_SECOND_LIMIT, 1000, clock);
  let hours = new Map<string, { hour: number; used: number }>();
  return {
    take(clientId) {
      const now = clock();
      const hour = Math.floor(now / HOUR_MS);
      const window = hours.get(clientId);
      const used = window && window.hour === hour ? window.used : 0;
      if (used >= hourly) return { allowed: false, waitSeconds: ((hour + 1) * HOUR_MS - now) / 1000 };
      const b = burst.take(clientId);
      if (!b.allowed) return { allowed: false, waitSeconds: b.retryAfterMs / 1000 };
      hours.set(clientId, { hour, used: used + 1 });
      return { allowed: true };
    },
    reset() {
      burst = createSlidingWindowLimiter(limits.perSecond ?? PER_SECOND_LIMIT, 1000, clock);
      hours = new Map();
    },
  };
}
