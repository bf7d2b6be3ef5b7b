import { CursorExpiredError } from './errors.ts';

/**
 * How both adapters turn a scan of the change log into a page without a silent gap. Seqs are
 * dense (every seq from the floor up exists), so a page that does not run from `from + 1`
 * without holes proves that changes after the reader's position are gone: a prune ran while
 * it read. The floor is read after the scan, so a prune that raced the read is seen too.
 */
export type ChangeScan<Row> = {
  /** The retention floor: changes at or below it may be gone. */
  floor(): Promise<number> | number;
  /** Up to `limit` entries with seq > `from`, in seq order. */
  scan(from: number, limit: number): Promise<Row[]> | Row[];
  seqOf(row: Row): number;
};

/** Re-reads before giving up: a reader without a cursor chasing a rising floor, or a hole at its start. */
const MAX_RETRIES = 5;

export async function scanWithoutGaps<Row>(
  log: ChangeScan<Row>,
  start: number | undefined,
  limit: number,
): Promise<{ rows: Row[]; from: number }> {
  for (let attempt = 0; ; attempt++) {
    const from = start ?? (await log.floor());
    const rows = await log.scan(from, limit);
    const kept = await log.floor();
    if (from < kept) {
      // No cursor means "from the oldest kept": start again from the raised floor.
      if (start !== undefined || attempt >= MAX_RETRIES) throw new CursorExpiredError(from, kept);
      continue;
    }
    const hole = rows.findIndex((row, k) => log.seqOf(row) !== from + 1 + k);
    if (hole === -1) return { rows, from };
    // The floor did not move, so nothing was pruned: a scan that is not a snapshot (MongoDB)
    // saw a later seq while an earlier one was being inserted. Answer up to the hole; the
    // rest comes with the next page.
    if (hole > 0) return { rows: rows.slice(0, hole), from };
    if (attempt >= MAX_RETRIES) throw new Error(`change log integrity: seq ${from + 1} is missing`);
  }
}
