import { FencedOutError } from '../errors.ts';
import type { Lease, LeaseStore, WatermarkStore } from '../port.ts';
import { type Collections, isDuplicateKey } from './collections.ts';

/**
 * Leases and fenced watermarks with single-document conditional updates only (no
 * transactions). `now` is the server's clock (see server-clock.ts), so contenders on
 * different machines agree on expiry.
 */
export function createMongoCoordination(
  c: Collections,
  now: () => number,
): { leases: LeaseStore; watermarks: WatermarkStore } {
  const leases: LeaseStore = {
    async acquire(name, holder, ttlMs) {
      const at = now();
      const expiresAt = at + ttlMs;
      // Still ours: extend without a new fencing token.
      const mine = await c.leases.findOneAndUpdate(
        { _id: name, holder, expiresAt: { $gt: at } },
        { $set: { expiresAt } },
        { returnDocument: 'after' },
      );
      if (mine) return { name, holder, fence: mine.fence, expiresAt };
      // Free (expired): take it with the next fencing token.
      const taken = await c.leases.findOneAndUpdate(
        { _id: name, expiresAt: { $lte: at } },
        { $set: { holder, expiresAt }, $inc: { fence: 1 } },
        { returnDocument: 'after' },
      );
      if (taken) return { name, holder, fence: taken.fence, expiresAt };
      try {
        await c.leases.insertOne({ _id: name, holder, fence: 1, expiresAt });
        return { name, holder, fence: 1, expiresAt };
      } catch (err) {
        if (isDuplicateKey(err)) return undefined; // held by someone else
        throw err;
      }
    },
    async renew(lease, ttlMs) {
      const at = now();
      const result = await c.leases.updateOne(
        { _id: lease.name, holder: lease.holder, fence: lease.fence, expiresAt: { $gt: at } },
        { $set: { expiresAt: at + ttlMs } },
      );
      return result.matchedCount === 1 ? { ...lease, expiresAt: at + ttlMs } : undefined;
    },
    async release(lease) {
      await c.leases.updateOne(
        { _id: lease.name, holder: lease.holder, fence: lease.fence },
        { $set: { expiresAt: 0 } },
      );
    },
    async current(name) {
      const doc = await c.leases.findOne({ _id: name, expiresAt: { $gt: now() } });
      return doc ? { name, holder: doc.holder, fence: doc.fence, expiresAt: doc.expiresAt } : undefined;
    },
  };

  const stillHeld = async (lease: Lease) =>
    (await c.leases.countDocuments({
      _id: lease.name,
      holder: lease.holder,
      fence: lease.fence,
      expiresAt: { $gt: now() },
    })) === 1;

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
      if (!(await stillHeld(lease))) throw new FencedOutError(key, lease.fence);
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
