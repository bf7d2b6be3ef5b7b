/** Renewals per lease lifetime: two may fail (a slow store) before the lease can lapse. */
const RENEWALS_PER_TTL = 3;

export type LeaseHeartbeat = { stop(): void };

/**
 * Keeps a lease alive while a run holds it, however long a page waits (a 429 pause, a budget wait,
 * a slow source): `renew` runs every third of the TTL. `onLost` is called once when a renewal
 * finds the lease gone (undefined), or when no renewal has succeeded for a whole TTL (the store
 * failing: the lease may have lapsed and been taken, so the run must not go on as its holder).
 * Stopped when the run ends.
 */
export function startLeaseHeartbeat(options: {
  readonly ttlMs: number;
  readonly renew: () => Promise<unknown | undefined>;
  readonly onLost: () => void;
  /** A monotonic clock (ms). */
  readonly now?: () => number;
}): LeaseHeartbeat {
  const now = options.now ?? (() => performance.now());
  let lastRenewed = now();
  let inFlight = false;
  let done = false;
  const lose = () => {
    if (done) return;
    done = true;
    clearInterval(timer);
    options.onLost();
  };
  const timer = setInterval(
    () => {
      if (done || inFlight) return;
      if (now() - lastRenewed >= options.ttlMs) return lose();
      inFlight = true;
      const startedAt = now();
      options
        .renew()
        .then(
          (renewed) => {
            if (renewed === undefined) lose();
            else lastRenewed = startedAt;
          },
          () => {
            // A store error proves nothing either way: the next beat tries again, until a TTL has passed.
            if (now() - lastRenewed >= options.ttlMs) lose();
          },
        )
        .finally(() => {
          inFlight = false;
        });
    },
    Math.max(1, Math.floor(options.ttlMs / RENEWALS_PER_TTL)),
  );
  timer.unref();
  return {
    stop() {
      done = true;
      clearInterval(timer);
    },
  };
}
