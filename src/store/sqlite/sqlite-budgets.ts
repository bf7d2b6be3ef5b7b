import type { DatabaseSync } from 'node:sqlite';
import { blockTimes, decideReservation } from '../budget-blocks.ts';
import type { BudgetStore } from '../port.ts';
import { inWriteTransaction } from './transaction.ts';

/**
 * Shared request budgets (port.ts BudgetStore) in one table of reserved blocks. A reservation
 * reads the window's counting blocks and adds its own in one write transaction, so two
 * processes on the file never both take the last slots. Blocks that stopped counting are
 * deleted as the key is next reserved.
 */
export function createSqliteBudgets(db: DatabaseSync, now: () => number): BudgetStore {
  const stmt = {
    live: db.prepare(
      'SELECT size, counts_until AS countsUntil FROM budget_blocks WHERE key = ? AND counts_until > ?',
    ),
    insert: db.prepare('INSERT INTO budget_blocks (key, size, counts_until) VALUES (?, ?, ?)'),
    prune: db.prepare('DELETE FROM budget_blocks WHERE key = ? AND counts_until <= ?'),
  };
  const blocksOf = (key: string, at: number) =>
    stmt.live.all(key, at) as Array<{ size: number; countsUntil: number }>;

  return {
    async reserve(key, window, want) {
      return inWriteTransaction(db, () => {
        const at = now();
        stmt.prune.run(key, at);
        const decision = decideReservation(window, blocksOf(key, at), at, want);
        if (decision.granted > 0) stmt.insert.run(key, decision.granted, blockTimes(window, at).countsUntil);
        return decision;
      });
    },
    async used(key) {
      return blocksOf(key, now()).reduce((n, b) => n + b.size, 0);
    },
  };
}
