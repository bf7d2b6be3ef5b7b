import { describe, expect, it } from 'vitest';
import { startLeaseHeartbeat } from './lease-heartbeat.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (bounded) until `check` holds; answers whether it did. */
async function until(check: () => boolean, ms = 5_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline && !check()) await sleep(5);
  return check();
}

describe('lease heartbeat', () => {
  it('renews while the lease is held, and reports a lost one once, then stops renewing', async () => {
    let renewals = 0;
    let held = true;
    let lost = 0;
    const beat = startLeaseHeartbeat({
      ttlMs: 30,
      renew: async () => {
        renewals++;
        return held ? { fence: 1 } : undefined;
      },
      onLost: () => lost++,
    });
    try {
      expect(await until(() => renewals >= 3)).toBe(true);
      expect(lost).toBe(0);
      held = false;
      expect(await until(() => lost > 0)).toBe(true);
      const after = renewals;
      await sleep(60);
      expect({ lost, renewals }).toEqual({ lost: 1, renewals: after });
    } finally {
      beat.stop();
    }
  });

  it('gives the lease up when no renewal has succeeded for a whole TTL (the store failing)', async () => {
    let t = 0;
    let failures = 0;
    let lost = false;
    const beat = startLeaseHeartbeat({
      ttlMs: 30,
      now: () => t,
      renew: async () => {
        failures++;
        throw new Error('store unavailable');
      },
      onLost: () => {
        lost = true;
      },
    });
    try {
      // Failing renewals within the TTL prove nothing: the run goes on.
      expect(await until(() => failures >= 2)).toBe(true);
      expect(lost).toBe(false);
      t += 30;
      expect(await until(() => lost)).toBe(true);
    } finally {
      beat.stop();
    }
  });

  it('renews nothing once stopped (the run ended)', async () => {
    let renewals = 0;
    const beat = startLeaseHeartbeat({
      ttlMs: 30,
      renew: async () => {
        renewals++;
        return {};
      },
      onLost: () => {
        throw new Error('not lost');
      },
    });
    expect(await until(() => renewals >= 1)).toBe(true);
    beat.stop();
    const after = renewals;
    await sleep(60);
    expect(renewals).toBe(after);
  });
});
