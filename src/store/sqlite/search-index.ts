import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { IndexEntry } from '../../fhir/index-entry.ts';
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
    `CREATE TABLE IF NOT EXISTS search_params (
       pid INTEGER PRIMARY KEY, tenant TEXT NOT NULL, type TEXT NOT NULL, param TEXT NOT NULL,
       UNIQUE (tenant, type, param));`,
    ...Object.values(SEARCH_INDEX_TABLES).map(({ table, columns, indexes }) =>
      [
        `CREATE TABLE IF NOT EXISTS ${table} (k INTEGER PRIMARY KEY, pid INTEGER NOT NULL, ${columns});`,
        ...indexes.map((cols, n) => `CREATE INDEX IF NOT EXISTS ${table}_v${n} ON ${table} (pid, ${cols});`),
      ].join('\n'),
    ),
  ].join('\n');
}

export type SearchIndexWriter = {
  /** Queues the stored (not `derived`) entries of resource `rid`, which has none yet. */
  insert(rid: number, tenant: string, type: string, entries: readonly IndexEntry[]): void;
  /** Removes every entry of resource `rid`, stored or queued (before an update, or on delete). */
  remove(rid: number): void;
  /** Writes the queued rows; call before the transaction commits. */
  flush(): void;
  /** Drops the queued rows of a transaction that failed. */
  discard(): void;
};

/** Rows per multi-row INSERT: fewer statement runs per batch, well under SQLite's variable limit. */
const ROWS_PER_INSERT = 64;

type Kind = IndexEntry['kind'];

/**
 * Keeps the index tables in step with `resources`, inside the write transaction. Rows are queued
 * per kind and written by multi-row INSERTs at `flush`: per-statement overhead, not the b-tree,
 * was most of the cost of one INSERT per entry.
 */
export function createSearchIndexWriter(db: DatabaseSync, params: SearchParamIds): SearchIndexWriter {
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
  const removers = Object.values(SEARCH_INDEX_TABLES).map(({ table }) =>
    db.prepare(`DELETE FROM ${table} WHERE k >= ? AND k < ?`),
  );
  /** Queued rows per kind: flat values, `width` per row, the row's k first. */
  const queued = {} as Record<Kind, SQLInputValue[]>;
  for (const kind of kinds) queued[kind] = [];
  const width = (kind: Kind) => 2 + columnNames[kind].length;
  const counts = {} as Record<Kind, number>;
  /** Resources with queued rows: only those need the queue filtered on remove. */
  const queuedRids = new Set<number>();

  return {
    insert(rid, tenant, type, entries) {
      for (const kind of kinds) counts[kind] = 0;
      const base = rid * ENTRY_SLOTS;
      queuedRids.add(rid);
      for (const entry of entries) {
        if (entry.derived) continue;
        const n = counts[entry.kind]++;
        if (n >= ENTRY_SLOTS)
          throw new Error(`${type} has more than ${ENTRY_SLOTS} ${entry.kind} search entries; not stored`);
        queued[entry.kind].push(base + n, params.ensure(tenant, type, entry.param), ...columnValues(entry));
      }
    },
    remove(rid) {
      const [from, to] = [rid * ENTRY_SLOTS, (rid + 1) * ENTRY_SLOTS];
      for (const statement of removers) statement.run(from, to);
      // Written earlier in this batch (the same resource twice): drop its queued rows too.
      if (!queuedRids.delete(rid)) return;
      for (const kind of kinds) {
        const values = queued[kind];
        const w = width(kind);
        let kept = 0;
        for (let i = 0; i < values.length; i += w) {
          const k = values[i] as number;
          if (k >= from && k < to) continue;
          for (let j = 0; j < w; j++) values[kept++] = values[i + j] as SQLInputValue;
        }
        values.length = kept;
      }
    },
    flush() {
      for (const kind of kinds) {
        const values = queued[kind];
        const w = width(kind);
        const rows = values.length / w;
        for (let row = 0; row < rows; row += ROWS_PER_INSERT) {
          const count = Math.min(ROWS_PER_INSERT, rows - row);
          insertStatement(kind, count).run(...values.slice(row * w, (row + count) * w));
        }
        values.length = 0;
      }
      queuedRids.clear();
    },
    discard() {
      for (const kind of kinds) queued[kind].length = 0;
      queuedRids.clear();
    },
  };
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
