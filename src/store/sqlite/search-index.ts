import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { IndexEntry } from '../../fhir/index-entry.ts';

/**
 * Search index tables: one per entry kind, one row per entry, owned by (tenant, type, id) of the
 * current resource. Rows are replaced in the resource's write transaction, so a search never sees
 * a resource with another version's entries. Each table has an owner index (replacement, and the
 * per-resource MIN/MAX that sorting reads) and value indexes led by (tenant, type, param) that the
 * search filters range over.
 */
export const SEARCH_INDEX_TABLES = {
  string: {
    table: 'idx_string',
    columns: 'value TEXT NOT NULL, raw TEXT NOT NULL',
    indexes: ['value', 'raw'],
  },
  token: {
    table: 'idx_token',
    columns: 'system TEXT, code TEXT, text TEXT',
    indexes: ['code, system'],
  },
  date: {
    table: 'idx_date',
    columns: 'low INTEGER NOT NULL, high INTEGER NOT NULL',
    indexes: ['low', 'high'],
  },
  reference: {
    table: 'idx_reference',
    columns: 'ref TEXT NOT NULL, ref_type TEXT, ref_id TEXT',
    indexes: ['ref_id, ref_type', 'ref'],
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
  return Object.values(SEARCH_INDEX_TABLES)
    .map(({ table, columns, indexes }) =>
      [
        `CREATE TABLE IF NOT EXISTS ${table} (tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, ${columns});`,
        `CREATE INDEX IF NOT EXISTS ${table}_owner ON ${table} (tenant, type, id, param);`,
        ...indexes.map(
          (cols, k) =>
            `CREATE INDEX IF NOT EXISTS ${table}_v${k} ON ${table} (tenant, type, param, ${cols}, id);`,
        ),
      ].join('\n'),
    )
    .join('\n');
}

export type SearchIndexWriter = {
  /** Writes the entries of a resource that has none yet. */
  insert(tenant: string, type: string, id: string, entries: readonly IndexEntry[]): void;
  /** Removes every entry of a resource (before an update, or on delete). */
  remove(tenant: string, type: string, id: string): void;
};

/** Statements that keep the index tables in step with `resources`; call inside the write transaction. */
export function createSearchIndexWriter(db: DatabaseSync): SearchIndexWriter {
  const prepare = (sql: string) => db.prepare(sql);
  const insert: Record<IndexEntry['kind'], StatementSync> = {
    string: prepare('INSERT INTO idx_string (tenant, type, id, param, value, raw) VALUES (?, ?, ?, ?, ?, ?)'),
    token: prepare(
      'INSERT INTO idx_token (tenant, type, id, param, system, code, text) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    date: prepare('INSERT INTO idx_date (tenant, type, id, param, low, high) VALUES (?, ?, ?, ?, ?, ?)'),
    reference: prepare(
      'INSERT INTO idx_reference (tenant, type, id, param, ref, ref_type, ref_id) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    number: prepare('INSERT INTO idx_number (tenant, type, id, param, value) VALUES (?, ?, ?, ?, ?)'),
    quantity: prepare(
      'INSERT INTO idx_quantity (tenant, type, id, param, value, system, code, unit) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    uri: prepare('INSERT INTO idx_uri (tenant, type, id, param, value) VALUES (?, ?, ?, ?, ?)'),
  };
  const removers = Object.values(SEARCH_INDEX_TABLES).map(({ table }) =>
    prepare(`DELETE FROM ${table} WHERE tenant = ? AND type = ? AND id = ?`),
  );
  return {
    insert(tenant, type, id, entries) {
      for (const entry of entries)
        insert[entry.kind].run(tenant, type, id, entry.param, ...columnValues(entry));
    },
    remove(tenant, type, id) {
      for (const statement of removers) statement.run(tenant, type, id);
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
