import type { DatabaseSync } from 'node:sqlite';
import { checkChangeFilter, matchesChangeFilter } from '../change-filter.ts';
import { scanWithoutGaps } from '../change-page.ts';
import type { ChangeCursors } from '../cursor.ts';
import type { Change, ChangeAction, ChangeLog } from '../port.ts';
import { previousVersion } from '../versioning.ts';
import { inWriteTransaction } from './transaction.ts';

type Row = {
  seq: number;
  tenant: string;
  type: string;
  id: string;
  version_id: number;
  action: string;
  at: string;
  connection: string | null;
  triggers: string;
  backfill: number;
};

const FLOOR_KEY = 'changes.floor';
/** Most changes carry no trigger: skip parsing for them (tailing reads every row). */
const NONE = '[]';
const NO_TRIGGERS: readonly string[] = Object.freeze([]);

export function createSqliteChanges(db: DatabaseSync, cursors: ChangeCursors): ChangeLog {
  const stmt = {
    after: db.prepare('SELECT * FROM changes WHERE seq > ? ORDER BY seq LIMIT ?'),
    max: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM changes'),
    floor: db.prepare('SELECT value FROM store_meta WHERE key = ?'),
    setFloor: db.prepare(
      'INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    lastBefore: db.prepare('SELECT MAX(seq) AS seq FROM changes WHERE at < ? AND seq < ?'),
    prune: db.prepare('DELETE FROM changes WHERE seq <= ?'),
  };
  const floor = () => Number((stmt.floor.get(FLOOR_KEY) as { value: string } | undefined)?.value ?? 0);
  const highWaterMark = () => Number((stmt.max.get() as { seq: number }).seq);
  const scan = {
    floor,
    scan: (from: number, limit: number) => stmt.after.all(from, limit) as Row[],
    seqOf: (r: Row) => r.seq,
  };

  return {
    async after(cursor, limit, filter) {
      checkChangeFilter(filter);
      const start = cursor === undefined ? undefined : cursors.decode(cursor);
      // Another connection (another process) may prune between the statements: checked, not assumed.
      const { rows, from } = await scanWithoutGaps(scan, start, limit);
      const changes = rows.map(toChange).filter((c) => matchesChangeFilter(c, filter));
      const last = rows.at(-1);
      return { changes, cursor: cursors.encode(last ? last.seq : from) };
    },
    async highWaterMark() {
      return highWaterMark();
    },
    cursorAt: (seq) => cursors.encode(seq),
    async prune(before) {
      return inWriteTransaction(db, () => {
        const last = (stmt.lastBefore.get(before.toISOString(), highWaterMark()) as { seq: number | null })
          .seq;
        if (last === null || last <= floor()) return 0;
        const removed = Number(stmt.prune.run(last).changes);
        stmt.setFloor.run(FLOOR_KEY, String(last));
        return removed;
      });
    },
  };
}

function toChange(row: Row): Change {
  return {
    seq: row.seq,
    tenant: row.tenant,
    type: row.type,
    id: row.id,
    versionId: row.version_id,
    action: row.action as ChangeAction,
    at: row.at,
    connection: row.connection ?? undefined,
    previousVersionId: previousVersion(row.action as ChangeAction, row.version_id),
    triggers: row.triggers === NONE ? NO_TRIGGERS : (JSON.parse(row.triggers) as string[]),
    backfill: row.backfill === 1,
  };
}
