import type { DatabaseSync } from 'node:sqlite';

/**
 * What the stored entries of a date parameter look like: the most entries one resource has had
 * and the widest entry (high - low, ms). Both only grow. They decide whether AND-ed date clauses
 * may be answered by one entry in one bounded range (compile-search.ts): Observation `date` can
 * have many entries by its definition, but a clinic's data usually has one instant per resource.
 * A NULL shape (a parameter indexed before shapes were recorded) is unknown: never merged.
 */
export type DateShape = { readonly maxEntries: number; readonly maxWidth: number };

export type DateShapes = {
  /** In a write transaction: widens the recorded shape of `pid` to cover one resource's entries. */
  record(pid: number, entries: number, width: number): void;
  /** The recorded shapes, read from the file (another connection may have widened them). */
  read(pids: readonly number[]): Map<number, DateShape | undefined>;
  committed(): void;
  rolledBack(): void;
};

export function createDateShapes(db: DatabaseSync): DateShapes {
  /** Shapes as this connection last wrote or read them, including this transaction's widening. */
  const known = new Map<number, DateShape | undefined>();
  const select = db.prepare('SELECT max_entries, max_width FROM search_params WHERE pid = ?');
  const widen = db.prepare(`UPDATE search_params
    SET max_entries = max(max_entries, ?), max_width = max(max_width, ?) WHERE pid = ?
    RETURNING max_entries, max_width`);
  const toShape = (row: { max_entries: number | null; max_width: number | null } | undefined) =>
    row && row.max_entries !== null && row.max_width !== null
      ? { maxEntries: row.max_entries, maxWidth: row.max_width }
      : undefined;
  let widened = false;
  return {
    record(pid, entries, width) {
      if (!known.has(pid)) known.set(pid, toShape(select.get(pid) as never));
      const shape = known.get(pid);
      if (shape === undefined) return; // unknown stays unknown
      if (entries <= shape.maxEntries && width <= shape.maxWidth) return;
      known.set(pid, toShape(widen.get(entries, width, pid) as never));
      widened = true;
    },
    read(pids) {
      const shapes = new Map<number, DateShape | undefined>();
      for (const pid of pids) {
        const shape = toShape(select.get(pid) as never);
        shapes.set(pid, shape);
        known.set(pid, shape);
      }
      return shapes;
    },
    committed() {
      widened = false;
    },
    rolledBack() {
      // The widening is undone in the file; forget it here so the next write widens again.
      if (widened) known.clear();
      widened = false;
    },
  };
}
