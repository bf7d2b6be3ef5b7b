import { checkChangeFilter, matchesChangeFilter } from '../change-filter.ts';
import { scanWithoutGaps } from '../change-page.ts';
import type { ChangeCursors } from '../cursor.ts';
import type { Change, ChangeAction, ChangeLog } from '../port.ts';
import { previousVersion } from '../versioning.ts';
import { type ChangeDoc, type Collections, isDuplicateKey } from './collections.ts';

const FLOOR_KEY = 'changes.floor';
const MAX_APPEND_ATTEMPTS = 10_000;
const SEQ_HINT_KEY = 'changes.seq';

/** A change to append; `at` is stamped when it is appended (never a version's older time). */
export type NewChange = Omit<ChangeDoc, '_id' | 'at'>;

/**
 * Appends changes with seq = highest committed + 1, inserted under the unique `_id`. A
 * writer only takes seq k after seeing k-1 committed (the hint says so, or it collided with
 * it), so seqs become visible in order without transactions and a tailer never skips a
 * lower seq committed late. A change already logged for the same version (a concurrent
 * writer adopted it) is answered with its existing seq instead of a second entry.
 */
export async function appendChanges(
  c: Collections,
  entries: NewChange[],
  now: () => string,
): Promise<number[]> {
  const seqs: number[] = [];
  let pending = entries;
  let start = (await seqHint(c)) + 1;
  let collisions = 0;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > MAX_APPEND_ATTEMPTS) throw new Error('change log append: too much contention');
    const at = now();
    const docs = pending.map((e, k) => ({ _id: start + k, ...e, at }));
    try {
      await c.changes.insertMany(docs, { ordered: true });
      seqs.push(...docs.map((d) => d._id));
      await raiseHint(c, start + docs.length - 1);
      return seqs;
    } catch (err) {
      if (!isDuplicateKey(err) && !isDuplicateKey((err as { writeErrors?: unknown[] }).writeErrors?.[0]))
        throw err;
      const inserted = (err as { insertedCount?: number }).insertedCount ?? 0;
      seqs.push(...docs.slice(0, inserted).map((d) => d._id));
      const failed = pending[inserted];
      pending = pending.slice(inserted);
      // The seq that collided exists: the next free one can only be above it.
      start = start + inserted + 1;
      if (failed) {
        const existing = await c.changes.findOne({
          tenant: failed.tenant,
          type: failed.type,
          id: failed.id,
          versionId: failed.versionId,
        });
        if (existing) {
          seqs.push(existing._id);
          pending = pending.slice(1);
          start -= 1; // that collision was on the version, not on the seq
        }
      }
      // A hint far behind (a writer died before raising it): look the top up once.
      if (++collisions % 64 === 0) start = Math.max(start, (await highest(c)) + 1);
    }
  }
  if (seqs.length > 0) await raiseHint(c, Math.max(...seqs));
  return seqs;
}

/**
 * The highest seq known committed, kept in one small document so appends need not look
 * for the top of the change log (FerretDB's SQLite handler scans for that). It may lag,
 * never lead: it is raised only after an insert succeeded.
 */
async function seqHint(c: Collections): Promise<number> {
  const hint = await c.meta.findOne({ _id: SEQ_HINT_KEY });
  return hint ? Number(hint.value) : highest(c);
}

async function raiseHint(c: Collections, seq: number): Promise<void> {
  await raiseMeta(c, SEQ_HINT_KEY, seq);
}

/** Raises a numeric meta value, never lowers it; two first upserts racing are both fine. */
async function raiseMeta(c: Collections, key: string, value: number): Promise<void> {
  try {
    await c.meta.updateOne({ _id: key }, { $max: { value } }, { upsert: true });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    await c.meta.updateOne({ _id: key }, { $max: { value } });
  }
}

async function highest(c: Collections): Promise<number> {
  const last = await c.changes
    .find({}, { projection: { _id: 1 } })
    .sort({ _id: -1 })
    .limit(1)
    .next();
  return last?._id ?? 0;
}

/**
 * The change log's reading side. `adopt` finishes the versions of changes whose writer has not
 * (yet) projected and marked them, so every change a reader gets is readable at its version;
 * `finishUnlogged` marks every unfinished version before a prune removes its change, so
 * recovery can never log it a second time (docs/store.md, "the write state machine").
 */
export function createMongoChangeLog(
  c: Collections,
  cursors: ChangeCursors,
  versions: { adopt(changes: ChangeDoc[]): Promise<void>; finishUnlogged(): Promise<number> },
): ChangeLog {
  const floor = async () => Number((await c.meta.findOne({ _id: FLOOR_KEY }))?.value ?? 0);
  const scan = {
    floor,
    scan: (from: number, limit: number) =>
      c.changes
        .find({ _id: { $gt: from } })
        .sort({ _id: 1 })
        .limit(limit)
        .toArray(),
    seqOf: (d: ChangeDoc) => d._id,
  };
  return {
    async after(cursor, limit, filter) {
      checkChangeFilter(filter);
      const start = cursor === undefined ? undefined : cursors.decode(cursor);
      const { rows, from } = await scanWithoutGaps(scan, start, limit);
      await versions.adopt(rows);
      const changes = rows.map(toChange).filter((ch) => matchesChangeFilter(ch, filter));
      const last = rows.at(-1);
      return { changes, cursor: cursors.encode(last ? last._id : from) };
    },
    highWaterMark: () => highest(c),
    cursorAt: (seq) => cursors.encode(seq),
    async prune(before) {
      const max = await highest(c);
      const last = await c.changes
        .find({ at: { $lt: before.toISOString() }, _id: { $lt: max } }, { projection: { _id: 1 } })
        .sort({ _id: -1 })
        .limit(1)
        .next();
      if (!last || last._id <= (await floor())) return 0;
      // A version whose change is about to go must say it is logged first, or recovery would log it again.
      await versions.finishUnlogged();
      // Raise the floor first: a reader racing the delete then gets CursorExpired, not a silent gap.
      // $max: two prunes racing never lower it. The seq hint goes up with it, so no writer
      // starts in the range being deleted (a hint left behind by a crashed writer could point there).
      await raiseMeta(c, FLOOR_KEY, last._id);
      await raiseHint(c, last._id);
      const result = await c.changes.deleteMany({ _id: { $lte: last._id } });
      return result.deletedCount;
    },
  };
}

function toChange(d: ChangeDoc): Change {
  return {
    seq: d._id,
    tenant: d.tenant,
    type: d.type,
    id: d.id,
    versionId: d.versionId,
    action: d.action as ChangeAction,
    at: d.at,
    connection: d.connection ?? undefined,
    previousVersionId: previousVersion(d.action as ChangeAction, d.versionId),
    triggers: d.triggers ?? [],
    backfill: d.backfill ?? false,
  };
}
