import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { IndexEntry } from '../../fhir/index-entry.ts';
import type { DateShapes } from './date-shapes.ts';
import type { SearchParamIds } from './search-param-ids.ts';

/**
 * Index rows are keyed `k = rid * ENTRY_SLOTS + n`: the resource's integer row id (resources.rid)
 * and the entry's number within its kind. A resource's entries are then one contiguous rowid range,
 * so replacing, probing and sorting them need no owner index, and a new resource's rows append.
 */
export const ENTRY_BITS = 12;
export const ENTRY_SLOTS = 2 ** ENTRY_BITS;

/**
 * Search index tables, one per entry kind: `pid` is the interned (tenant, type, param)
 * (search_params), so each value index is (pid, value…) with the rowid as the last key column —
 * short integer keys instead of repeated text. One value index per kind, two for dates (`ge`/`gt`
 * range over `high`); `:exact` strings and URL references are checked on the row, not indexed.
 */
export const SEARCH_INDEX_TABLES = {
  string: { table: 'idx_string', columns: 'value TEXT NOT NULL, raw TEXT NOT NULL', indexes: ['value'] },
  token: { table: 'idx_token', columns: 'system TEXT, code TEXT, text TEXT', indexes: ['code, system'] },
  date: {
    table: 'idx_date',
    columns: 'low INTEGER NOT NULL, high INTEGER NOT NULL',
    indexes: ['low', 'high'],
  },
  reference: {
    table: 'idx_reference',
    columns: 'ref TEXT NOT NULL, ref_type TEXT, ref_id TEXT',
    indexes: ['ref_id, ref_type'],
  },
  number: { table: 'idx_number', columns: 'value REAL NOT NULL', indexes: ['value'] },
  quantity: {
    table: 'idx_quantity',
    columns: 'value REAL NOT NULL, system TEXT, code TEXT, unit TEXT',
    indexes: ['value'],
  },
  uri: { table: 'idx_uri', columns: 'value TEXT NOT NULL', indexes: ['value'] },
} as const satisfies Record<
  IndexEntry['kind'],
  { table: string; columns: string; indexes: readonly string[] }
>;

export function searchIndexSchema(): string {
  return [
    // Resources whose index rows are not written yet (createSearchIndexWriter).
    'CREATE TABLE IF NOT EXISTS index_pending (rid INTEGER PRIMARY KEY);',
    `CREATE TABLE IF NOT EXISTS search_params (
       pid INTEGER PRIMARY KEY, tenant TEXT NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
       max_entries INTEGER, max_width INTEGER, -- a date parameter's shape (date-shapes.ts)
       UNIQUE (tenant, type, param));`,
    ...Object.values(SEARCH_INDEX_TABLES).map(({ table, columns, indexes }) =>
      [
        `CREATE TABLE IF NOT EXISTS ${table} (k INTEGER PRIMARY KEY, pid INTEGER NOT NULL, ${columns});`,
        ...indexes.map((cols, n) => `CREATE INDEX IF NOT EXISTS ${table}_v${n} ON ${table} (pid, ${cols});`),
      ].join('\n'),
    ),
  ].join('\n');
}

/** What the writer needs of a pending resource it did not stage itself (another connection's, or a crashed one's). */
export type PendingResource = { tenant: string; type: string; body: string; deleted: number };

export type SearchIndexWriter = {
  /**
   * In a write transaction: resource `rid` is now `versionId`, with these entries (null: deleted).
   * `isNew`: it never had index rows. Refuses a resource over the per-kind entry limit.
   */
  stage(
    rid: number,
    versionId: number,
    tenant: string,
    type: string,
    entries: readonly IndexEntry[] | null,
    isNew: boolean,
  ): void;
  /**
   * Before the COMMIT of a write transaction: writes every pending resource's rows when enough
   * are waiting (a batch), otherwise records this transaction's resources in `index_pending`.
   */
  settle(): void;
  /** In a write transaction: brings the index rows of every pending resource up to date. */
  drain(): void;
  /** Whether some resource's rows are not written yet (here or by another connection). */
  hasPending(): boolean;
  /** After the transaction committed / rolled back. */
  committed(): void;
  rolledBack(): void;
};

/** Rows per multi-row INSERT: fewer statement runs per batch, well under SQLite's variable limit. */
const ROWS_PER_INSERT = 64;
/**
 * Staged resources at which a transaction writes the rows itself instead of deferring them: a
 * batch pays for its rows at once; single writes share the pages of one later drain.
 */
export const DRAIN_AT = 256;

type Kind = IndexEntry['kind'];
type Staged = {
  versionId: number;
  tenant: string;
  type: string;
  entries: readonly IndexEntry[] | null;
  isNew: boolean;
};

/**
 * Keeps the index tables in step with `resources`. Each committed index row costs a page of WAL
 * per value index it lands in, so a single write's rows are deferred: the resource is recorded in
 * `index_pending` (one small row), its entries kept in memory, and the rows written by the next
 * drain — when DRAIN_AT resources wait, before any search on any connection, on an idle timer and
 * at close. Whatever a crash loses from memory is re-extracted from the stored body. An update
 * writes only the rows that changed: most sync updates change one or two values.
 */
export function createSearchIndexWriter(
  db: DatabaseSync,
  params: SearchParamIds,
  shapes: DateShapes,
  reindex: (resource: PendingResource) => readonly IndexEntry[],
): SearchIndexWriter {
  const kinds = Object.keys(SEARCH_INDEX_TABLES) as Kind[];
  const columnNames = {} as Record<Kind, string[]>;
  for (const kind of kinds) {
    columnNames[kind] = SEARCH_INDEX_TABLES[kind].columns
      .split(',')
      .map((c) => c.trim().split(' ')[0] as string);
  }
  const statements = new Map<string, StatementSync>();
  const insertStatement = (kind: Kind, rows: number): StatementSync => {
    const key = `${kind}:${rows}`;
    let statement = statements.get(key);
    if (!statement) {
      const names = columnNames[kind];
      const row = `(${['?', '?', ...names.map(() => '?')].join(', ')})`;
      statement = db.prepare(
        `INSERT INTO ${SEARCH_INDEX_TABLES[kind].table} (k, pid, ${names.join(', ')}) VALUES ${Array(rows).fill(row).join(', ')}`,
      );
      statements.set(key, statement);
    }
    return statement;
  };
  const width = Math.max(...kinds.map((kind) => columnNames[kind].length));
  const stmt = {
    removeRange: Object.fromEntries(
      kinds.map((kind) => [
        kind,
        db.prepare(`DELETE FROM ${SEARCH_INDEX_TABLES[kind].table} WHERE k >= ? AND k < ?`),
      ]),
    ) as Record<Kind, StatementSync>,
    removeRow: Object.fromEntries(
      kinds.map((kind) => [kind, db.prepare(`DELETE FROM ${SEARCH_INDEX_TABLES[kind].table} WHERE k = ?`)]),
    ) as Record<Kind, StatementSync>,
    /** A resource's rows of every kind, in one statement: its rowid range in each table. */
    rows: db.prepare(
      kinds
        .map((kind) => {
          const names = columnNames[kind];
          const cols = Array.from({ length: width }, (_, i) => `${names[i] ?? 'NULL'} AS c${i}`);
          return `SELECT ${kinds.indexOf(kind)}, k, pid, ${cols.join(', ')} FROM ${SEARCH_INDEX_TABLES[kind].table} WHERE k >= ? AND k < ?`;
        })
        .join(' UNION ALL '),
    ),
    markPending: db.prepare('INSERT OR IGNORE INTO index_pending (rid) VALUES (?)'),
    anyPending: db.prepare('SELECT 1 AS y FROM index_pending LIMIT 1'),
    pending: db.prepare(
      'SELECT p.rid, r.version_id FROM index_pending p JOIN resources r ON r.rid = p.rid ORDER BY p.rid',
    ),
    resource: db.prepare('SELECT tenant, type, body, deleted FROM resources WHERE rid = ?'),
    clearPending: db.prepare('DELETE FROM index_pending'),
  };
  stmt.rows.setReturnArrays(true); // [kind number, k, pid, c0…]: no object per row

  /** Committed resources whose rows wait in index_pending, and this transaction's. */
  const waiting = new Map<number, Staged>();
  const staged = new Map<number, Staged>();
  let drained = false;
  /** Rows to insert per kind: flat values, the row's k and pid first. */
  const queued = {} as Record<Kind, SQLInputValue[]>;
  for (const kind of kinds) queued[kind] = [];

  const key = (pid: number, values: readonly SQLInputValue[]) => `${pid}\u0001${JSON.stringify(values)}`;

  /** Queues `entries` (one kind's, resolved) at slots from `first`. */
  const queue = (kind: Kind, base: number, first: number, rows: ReadonlyArray<[number, SQLInputValue[]]>) => {
    rows.forEach(([pid, values], i) => {
      queued[kind].push(base + first + i, pid, ...values);
    });
  };

  /** Widens the recorded shape of each date parameter to cover this resource's entries. */
  const recordDateShapes = (s: Staged) => {
    let shape: Map<string, { entries: number; width: number }> | undefined;
    for (const entry of s.entries ?? []) {
      if (entry.kind !== 'date' || entry.derived) continue;
      shape ??= new Map();
      const seen = shape.get(entry.param) ?? { entries: 0, width: 0 };
      seen.entries++;
      seen.width = Math.max(seen.width, entry.high - entry.low);
      shape.set(entry.param, seen);
    }
    for (const [param, { entries, width }] of shape ?? [])
      shapes.record(params.ensure(s.tenant, s.type, param), entries, width);
  };

  /** A resource without rows (never indexed): every entry is queued, at slots from 0. */
  const writeNew = (rid: number, s: Staged) => {
    const base = rid * ENTRY_SLOTS;
    const next = { string: 0, token: 0, date: 0, reference: 0, number: 0, quantity: 0, uri: 0 };
    for (const entry of s.entries ?? []) {
      if (entry.derived) continue;
      queued[entry.kind].push(
        base + next[entry.kind]++,
        params.ensure(s.tenant, s.type, entry.param),
        ...columnValues(entry),
      );
    }
  };

  /** A resource that may have rows: only the rows that changed are deleted and inserted. */
  const write = (rid: number, s: Staged) => {
    if (s.isNew) return writeNew(rid, s);
    const base = rid * ENTRY_SLOTS;
    const wanted = {} as Record<Kind, Array<[number, SQLInputValue[]]>>;
    for (const kind of kinds) wanted[kind] = [];
    for (const entry of s.entries ?? []) {
      if (!entry.derived)
        wanted[entry.kind].push([params.ensure(s.tenant, s.type, entry.param), columnValues(entry)]);
    }
    const existing = {} as Record<Kind, Map<string, number[]>>;
    const lastSlot = {} as Record<Kind, number>;
    for (const kind of kinds) {
      existing[kind] = new Map();
      lastSlot[kind] = -1;
    }
    const ranges = kinds.flatMap(() => [base, base + ENTRY_SLOTS]);
    for (const row of stmt.rows.all(...ranges) as unknown as SQLInputValue[][]) {
      const kind = kinds[row[0] as number] as Kind;
      const k = row[1] as number;
      const id = key(row[2] as number, row.slice(3, 3 + columnNames[kind].length));
      const slots = existing[kind].get(id);
      if (slots) slots.push(k);
      else existing[kind].set(id, [k]);
      lastSlot[kind] = Math.max(lastSlot[kind], k - base);
    }
    for (const kind of kinds) {
      const added = wanted[kind].filter(([pid, values]) => {
        const slots = existing[kind].get(key(pid, values));
        return !slots?.pop();
      });
      const removed = [...existing[kind].values()].flat();
      if (lastSlot[kind] + 1 + added.length > ENTRY_SLOTS) {
        // Slots are used up by earlier updates: rewrite the kind's rows from slot 0.
        stmt.removeRange[kind].run(base, base + ENTRY_SLOTS);
        queue(kind, base, 0, wanted[kind]);
        continue;
      }
      for (const k of removed) stmt.removeRow[kind].run(k);
      queue(kind, base, lastSlot[kind] + 1, added);
    }
  };

  /** Row offsets of each kind's value-index columns (after k and pid), in index order. */
  const indexOffsets = {} as Record<Kind, number[]>;
  for (const kind of kinds) {
    const first = SEARCH_INDEX_TABLES[kind].indexes[0] as string;
    indexOffsets[kind] = first.split(',').map((c) => 2 + columnNames[kind].indexOf(c.trim()));
  }
  /**
   * Reorders a kind's queued rows into its value index's order: a batch's index inserts then walk
   * the b-tree forwards, leaf after leaf, instead of jumping (a few % of a batch's index cost).
   */
  const sortForIndex = (kind: Kind, values: SQLInputValue[], w: number, rows: number) => {
    const offsets = [1, ...indexOffsets[kind]];
    const order = Array.from({ length: rows }, (_, r) => r * w);
    order.sort((a, b) => {
      for (const offset of offsets) {
        const x = values[a + offset] ?? null;
        const y = values[b + offset] ?? null;
        if (x === y) continue;
        if (x === null) return -1;
        if (y === null) return 1;
        return x < y ? -1 : 1;
      }
      return 0;
    });
    const copy = values.slice();
    let o = 0;
    for (const start of order) for (let j = 0; j < w; j++) values[o++] = copy[start + j] as SQLInputValue;
  };

  const flush = () => {
    for (const kind of kinds) {
      const values = queued[kind];
      const w = 2 + columnNames[kind].length;
      const rows = values.length / w;
      if (rows > ROWS_PER_INSERT) sortForIndex(kind, values, w, rows);
      for (let row = 0; row < rows; row += ROWS_PER_INSERT) {
        const count = Math.min(ROWS_PER_INSERT, rows - row);
        insertStatement(kind, count).run(...values.slice(row * w, (row + count) * w));
      }
      values.length = 0;
    }
  };

  const drain = () => {
    const work = new Map<number, Staged>();
    for (const { rid, version_id } of stmt.pending.all() as Array<{ rid: number; version_id: number }>) {
      const known = staged.get(rid) ?? waiting.get(rid);
      if (known && known.versionId === version_id) {
        work.set(rid, known);
        continue;
      }
      // Staged by another connection, or lost from memory in a crash: extract again from the body.
      const resource = stmt.resource.get(rid) as PendingResource;
      work.set(rid, {
        versionId: version_id,
        tenant: resource.tenant,
        type: resource.type,
        entries: resource.deleted ? null : reindex(resource),
        isNew: false,
      });
    }
    for (const [rid, s] of staged) if (!work.has(rid)) work.set(rid, s);
    try {
      for (const [rid, s] of work) {
        recordDateShapes(s);
        write(rid, s);
      }
      flush();
    } catch (error) {
      for (const kind of kinds) queued[kind].length = 0;
      throw error;
    }
    stmt.clearPending.run();
    drained = true;
  };

  return {
    stage(rid, versionId, tenant, type, entries, isNew) {
      if (entries) checkEntryLimit(type, entries);
      // Rows exist once a drain wrote them; within this transaction only this connection drains.
      const earlier = staged.get(rid);
      staged.set(rid, { versionId, tenant, type, entries, isNew: earlier ? earlier.isNew : isNew });
    },
    settle() {
      if (staged.size === 0) return;
      if (staged.size + waiting.size >= DRAIN_AT) {
        drain();
        return;
      }
      for (const rid of staged.keys()) stmt.markPending.run(rid);
    },
    drain,
    hasPending() {
      return waiting.size > 0 || stmt.anyPending.get() !== undefined;
    },
    committed() {
      if (drained) waiting.clear();
      else for (const [rid, s] of staged) waiting.set(rid, s);
      staged.clear();
      drained = false;
    },
    rolledBack() {
      staged.clear();
      drained = false;
    },
  };
}

function checkEntryLimit(type: string, entries: readonly IndexEntry[]) {
  const counts = new Map<Kind, number>();
  for (const entry of entries) {
    if (entry.derived) continue;
    const n = (counts.get(entry.kind) ?? 0) + 1;
    if (n > ENTRY_SLOTS)
      throw new Error(`${type} has more than ${ENTRY_SLOTS} ${entry.kind} search entries; not stored`);
    counts.set(entry.kind, n);
  }
}

function columnValues(entry: IndexEntry): SQLInputValue[] {
  switch (entry.kind) {
    case 'string':
      return [entry.value, entry.raw];
    case 'token':
      return [entry.system, entry.code, entry.text];
    case 'date':
      return [entry.low, entry.high];
    case 'reference':
      return [entry.ref, entry.refType, entry.refId];
    case 'number':
    case 'uri':
      return [entry.value];
    case 'quantity':
      return [entry.value, entry.system, entry.code, entry.unit];
  }
}
