/** Milliseconds since the epoch; injectable so tests can move time (token expiry, rate windows). */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** A clock tests can advance by hand. */
export function createManualClock(start = Date.UTC(2026, 0, 1)): Clock & { advance(ms: number): void } {
  let now = start;
  const clock = (() => now) as Clock & { advance(ms: number): void };
  clock.advance = (ms: number) => {
    now += ms;
  };
  return clock;
}
