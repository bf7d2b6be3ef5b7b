import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidIdError } from '../../src/store/errors.ts';
import type { BudgetWindowSpec, Store } from '../../src/store/port.ts';
import type { StoreHarness } from './harness.ts';

const HOUR = 3_600_000;
/** Ten minutes into an hour: a test's clock moves by minutes without crossing the hour. */
const MID_HOUR = 1_800_000_000_000 - (1_800_000_000_000 % HOUR) + 600_000;

/**
 * Shared request budgets (BudgetStore), on whatever adapter the harness opens. Separate opens are
 * separate connections (as separate processes are), so races reach the server.
 */
export function budgetContract(ctx: () => { h: StoreHarness; store: Store }): void {
  describe('request budgets', () => {
    const hour = (limit: number): BudgetWindowSpec => ({ kind: 'fixed', windowMs: HOUR, limit, holdMs: 0 });

    it('counts every holder’s blocks in a fixed window, grants what is left, then nothing until the window ends', async () => {
      let t = MID_HOUR;
      const { h } = ctx();
      const [a, b] = await Promise.all([h.open({ now: () => t }), h.open({ now: () => t })]);
      try {
        const key = `budget/${randomUUID()}`;
        expect(await a.budgets.reserve(key, hour(25), 10)).toEqual({
          granted: 10,
          used: 10,
          usableForMs: HOUR - 600_000,
          retryAfterMs: 0,
        });
        // A second process (holder) starts from the first one's count, not from zero.
        expect((await b.budgets.reserve(key, hour(25), 10)).used).toBe(20);
        expect(await b.budgets.used(key, hour(25))).toBe(20);
        // Only what is left of the limit, then nothing until the top of the hour.
        expect((await a.budgets.reserve(key, hour(25), 10)).granted).toBe(5);
        expect(await b.budgets.reserve(key, hour(25), 1)).toEqual({
          granted: 0,
          used: 25,
          usableForMs: 0,
          retryAfterMs: HOUR - 600_000,
        });
        t += HOUR - 600_000;
        expect(await a.budgets.used(key, hour(25))).toBe(0);
        expect((await b.budgets.reserve(key, hour(25), 10)).granted).toBe(10);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('ages sliding-window blocks out a whole window after their slots stop being usable', async () => {
      let t = MID_HOUR;
      const { h } = ctx();
      const store = await h.open({ now: () => t });
      try {
        const key = `budget/${randomUUID()}`;
        const minute: BudgetWindowSpec = { kind: 'sliding', windowMs: 60_000, limit: 20, holdMs: 15_000 };
        expect(await store.budgets.reserve(key, minute, 10)).toMatchObject({
          granted: 10,
          usableForMs: 15_000,
        });
        t += 30_000;
        expect(await store.budgets.reserve(key, minute, 10)).toMatchObject({ granted: 10, used: 20 });
        // The first block counts until 15 s + 60 s after it was reserved: 45 s from now.
        expect(await store.budgets.reserve(key, minute, 5)).toMatchObject({
          granted: 0,
          retryAfterMs: 45_000,
        });
        t += 45_000;
        expect(await store.budgets.reserve(key, minute, 5)).toMatchObject({ granted: 5, used: 15 });
      } finally {
        await store.close();
      }
    });

    it('never grants past the limit when holders on separate connections race for the last slots', async () => {
      const { h } = ctx();
      const contenders = await Promise.all([h.open(), h.open(), h.open()]);
      try {
        for (let round = 0; round < 6; round++) {
          const key = `budget/${randomUUID()}`;
          const limit = 23;
          const grants = await Promise.all(
            contenders.flatMap((s) => [1, 2, 3].map(() => s.budgets.reserve(key, hour(limit), 4))),
          );
          const granted = grants.reduce((n, g) => n + g.granted, 0);
          expect(granted, `round ${round}`).toBeLessThanOrEqual(limit);
          expect(await contenders[0]?.budgets.used(key, hour(limit))).toBe(granted);
        }
      } finally {
        await Promise.all(contenders.map((s) => s.close()));
      }
    }, 60_000);

    it('refuses a malformed key, window or request with a clear error and stores nothing', async () => {
      const { store } = ctx();
      const key = `budget/${randomUUID()}`;
      await expect(store.budgets.reserve(key, hour(10), 0)).rejects.toBeInstanceOf(InvalidIdError);
      await expect(store.budgets.reserve(key, hour(10), 11)).rejects.toBeInstanceOf(InvalidIdError);
      await expect(
        store.budgets.reserve(key, { kind: 'weekly', windowMs: 1, limit: 1, holdMs: 0 } as never, 1),
      ).rejects.toBeInstanceOf(InvalidIdError);
      await expect(store.budgets.reserve('', hour(10), 1)).rejects.toBeInstanceOf(InvalidIdError);
      await expect(store.budgets.reserve({ $gt: '' } as never, hour(10), 1)).rejects.toBeInstanceOf(
        InvalidIdError,
      );
      expect(await store.budgets.used(key, hour(10))).toBe(0);
    });
  });
}
