/**
 * A circuit breaker per connection: after `threshold` consecutive failures the circuit opens
 * and requests fail fast for `cooldownMs`; then one trial request is let through (half-open):
 * success closes the circuit, failure opens it again.
 */
export type CircuitBreaker = {
  /** undefined when a request may go; otherwise the milliseconds until the next trial. */
  blockedFor(): number | undefined;
  success(): void;
  failure(): void;
  state(): 'closed' | 'open' | 'half-open';
};

export function createCircuitBreaker(options: {
  threshold: number;
  cooldownMs: number;
  now: () => number;
}): CircuitBreaker {
  let failures = 0;
  let openedAt: number | undefined;
  let trialInFlight = false;
  return {
    blockedFor() {
      if (openedAt === undefined) return undefined;
      const remaining = openedAt + options.cooldownMs - options.now();
      if (remaining > 0) return remaining;
      if (trialInFlight) return options.cooldownMs;
      trialInFlight = true;
      return undefined;
    },
    success() {
      failures = 0;
      openedAt = undefined;
      trialInFlight = false;
    },
    failure() {
      failures++;
      trialInFlight = false;
      if (openedAt !== undefined || failures >= options.threshold) openedAt = options.now();
    },
    state() {
      if (openedAt === undefined) return 'closed';
      return openedAt + options.cooldownMs > options.now() ? 'open' : 'half-open';
    },
  };
}
