import { blockTimes, decideReservation, liveUse } from '../budget-blocks.ts';
import type { BudgetStore } from '../port.ts';
import { type BudgetBlockDoc, type Collections, isDuplicateKey } from './collections.ts';

/** Attempts before a reservation gives up on contenders (each attempt is a few round trips). */
const MAX_ATTEMPTS = 20;

/**
 * Shared request budgets (port.ts BudgetStore) as insert-only block documents, one chain per
 * key: a reservation reads the key's blocks and inserts the next one (`_id` key#seq, unique, so
 * of two contenders that read the same chain one insert wins: FerretDB v1 makes only that
 * atomic). The insert is then checked against every other counting block read afresh: when the
 * window turns out over its limit (a contender counted at the same time, or a stale reader refilled
 * a pruned seq), the block is withdrawn and the reservation tries again. Of two racers the later
 * reader always sees the earlier's block, so they never both keep theirs past the limit; a
 * withdrawn block was never used. `now` is the server's clock.
 */
export function createMongoBudgets(c: Collections, now: () => number): BudgetStore {
  const blocksOf = (key: string) => c.budgetBlocks.find({ key }).sort({ seq: -1 }).toArray();

  return {
    async reserve(key, window, want) {
      for (let attempt = 0; ; attempt++) {
        const at = now();
        const blocks = await blocksOf(key);
        const decision = decideReservation(window, blocks, at, want);
        if (decision.granted === 0) return decision;
        // Contenders kept winning: nothing now; the caller asks again shortly.
        if (attempt >= MAX_ATTEMPTS)
          return { granted: 0, used: decision.used, usableForMs: 0, retryAfterMs: 50 };
        const seq = (blocks[0]?.seq ?? 0) + 1;
        const doc: BudgetBlockDoc = {
          _id: `${key}#${seq}`,
          key,
          seq,
          size: decision.granted,
          countsUntil: blockTimes(window, at).countsUntil,
        };
        try {
          await c.budgetBlocks.insertOne(doc);
        } catch (err) {
          if (isDuplicateKey(err)) continue;
          throw err;
        }
        const others = (await blocksOf(key)).filter((b) => b._id !== doc._id);
        if (liveUse(others, at).used + doc.size > window.limit) {
          await c.budgetBlocks.deleteOne({ _id: doc._id });
          continue;
        }
        // Blocks that stopped counting only slow the next read down.
        await c.budgetBlocks.deleteMany({ key, countsUntil: { $lte: at } });
        return decision;
      }
    },
    async used(key) {
      return liveUse(await blocksOf(key), now()).used;
    },
  };
}
