import { FencedOutError } from '../errors.ts';
import type { LeaseStore, WatermarkStore } from '../port.ts';
import { type Collections, isDuplicateKey } from './collections.ts';
import { createMongoLeases } from './mongo-leases.ts';

/**
 * Leases (insert-only terms, mongo-leases.ts) and watermarks fenced by them, with
 * single-document operations only (no transactions). `now` is the server's clock (see
 * server-clock.ts), so contenders on different machines agree on expiry.
 */
export function createMongoCoordination(
  c: Collections,
  now: () => number,
): { leases: LeaseStore; watermarks: WatermarkStore } {
  const { holds, ...leases } = createMongoLeases(c, now);
  const watermarks: WatermarkStore = {
    async get(key) {
      return (await c.watermarks.findOne({ _id: key }))?.value;
    },
    async set(key, value, lease) {
      const updatedAt = new Date(now()).toISOString();
      if (!lease) {
        await c.watermarks.updateOne(
          { _id: key },
          { $set: { value, updatedAt }, $setOnInsert: { fence: 0 } },
          { upsert: true },
        );
        return;
      }
      if (!(await holds(lease))) throw new FencedOutError(key, lease.fence);
      // The fencing check lives on the written document itself: once a newer token has
      // written, an older one can never overwrite, even if it passed the lease check above.
      try {
        const result = await c.watermarks.updateOne(
          { _id: key, fence: { $lte: lease.fence } },
          { $set: { value, fence: lease.fence, updatedAt } },
          { upsert: true },
        );
        if (result.matchedCount === 0 && result.upsertedCount === 0)
          throw new FencedOutError(key, lease.fence);
      } catch (err) {
        if (isDuplicateKey(err)) throw new FencedOutError(key, lease.fence);
        throw err;
      }
    },
  };
  return { leases, watermarks };
}
