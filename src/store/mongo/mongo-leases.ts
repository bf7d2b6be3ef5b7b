import type { Lease, LeaseStore } from '../port.ts';
import { type Collections, isDuplicateKey, type LeaseTermDoc } from './collections.ts';

/** Terms kept behind the newest per lease (older ones are deleted after each new term). */
const KEPT_TERMS = 4;

const termId = (name: string, epoch: number) => `${name}@${epoch}`;

/**
 * Leases as insert-only terms. Every acquire, renewal and release inserts the lease's next
 * term document, whose `_id` (name@epoch) is unique: of two contenders that read the same
 * newest term, exactly one insert succeeds. A unique `_id` insert is the one thing FerretDB
 * v1 makes atomic (its conditional updates and findOneAndUpdate are not: two racers both
 * "win"), and MongoDB makes it atomic too. Terms are never updated, so no reader sees half
 * of a change; `now` is the server's clock, so contenders agree on expiry.
 *
 * The fencing token changes only when the holder does (a renewal keeps it); a released
 * term has expiresAt 0.
 */
export function createMongoLeases(
  c: Collections,
  now: () => number,
): LeaseStore & { holds(lease: Lease): Promise<boolean> } {
  const newest = async (name: string): Promise<LeaseTermDoc | undefined> =>
    (await c.leases.find({ name }).sort({ epoch: -1 }).limit(1).toArray())[0];

  /** Before terms: one document per lease, `_id` = name. Its fence must keep counting up. */
  const legacyFence = async (name: string): Promise<number> => {
    const legacy = (await c.leases.findOne({ _id: name, epoch: { $exists: false } })) as {
      fence?: number;
    } | null;
    return legacy?.fence ?? 0;
  };

  /**
   * Inserts the term after `after` (the newest one read). When another insert got there first,
   * or a newer term already exists (a reader delayed past the clean-up of old terms could
   * otherwise refill a deleted slot below the newest), the newest term decides: it is still
   * ours when the same holder holds it live with the same fencing token (this process renewing
   * from several rows at once), else undefined.
   */
  const nextTerm = async (
    name: string,
    after: number,
    term: Pick<LeaseTermDoc, 'holder' | 'fence' | 'expiresAt'>,
  ): Promise<LeaseTermDoc | undefined> => {
    const doc: LeaseTermDoc = { _id: termId(name, after + 1), name, epoch: after + 1, ...term };
    let inserted = true;
    try {
      await c.leases.insertOne(doc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      inserted = false;
    }
    const top = await newest(name);
    if (inserted && top?.epoch === doc.epoch) {
      await c.leases.deleteMany({ name, epoch: { $lt: doc.epoch - KEPT_TERMS } });
      return doc;
    }
    const stillOurs =
      top !== undefined &&
      top.holder === term.holder &&
      top.fence === term.fence &&
      top.expiresAt > now() &&
      term.expiresAt > 0;
    return stillOurs ? top : undefined;
  };

  const toLease = (doc: LeaseTermDoc): Lease => ({
    name: doc.name,
    holder: doc.holder,
    fence: doc.fence,
    expiresAt: doc.expiresAt,
  });

  const holds = async (lease: Lease): Promise<boolean> => {
    const term = await newest(lease.name);
    return (
      term !== undefined &&
      term.holder === lease.holder &&
      term.fence === lease.fence &&
      term.expiresAt > now()
    );
  };

  return {
    async acquire(name, holder, ttlMs) {
      const at = now();
      const term = await newest(name);
      const live = term !== undefined && term.expiresAt > at;
      if (live && term.holder !== holder) return undefined;
      // Still ours: extend with the same fencing token; otherwise take it with the next one.
      const fence = live ? term.fence : (term?.fence ?? (await legacyFence(name))) + 1;
      const taken = await nextTerm(name, term?.epoch ?? 0, { holder, fence, expiresAt: at + ttlMs });
      return taken && toLease(taken);
    },
    async renew(lease, ttlMs) {
      const at = now();
      const term = await newest(lease.name);
      if (!term || term.holder !== lease.holder || term.fence !== lease.fence || term.expiresAt <= at)
        return undefined;
      const renewed = await nextTerm(lease.name, term.epoch, {
        holder: lease.holder,
        fence: lease.fence,
        expiresAt: at + ttlMs,
      });
      return renewed && toLease(renewed);
    },
    async release(lease) {
      const term = await newest(lease.name);
      if (!term || term.holder !== lease.holder || term.fence !== lease.fence || term.expiresAt === 0) return;
      // Lost to a racer: then the lease is no longer ours to release anyway.
      await nextTerm(lease.name, term.epoch, { holder: lease.holder, fence: lease.fence, expiresAt: 0 });
    },
    async current(name) {
      const term = await newest(name);
      return term && term.expiresAt > now() ? toLease(term) : undefined;
    },
    holds,
  };
}
