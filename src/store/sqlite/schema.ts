import type { DatabaseSync } from 'node:sqlite';
import { searchIndexSchema } from './search-index.ts';

/**
 * Bumped when a file written by an earlier release can no longer be opened as it is. 3: versions
 * are found by their resource's `rid` (a release of schema 2 would write versions without it).
 */
export const SCHEMA_VERSION = '3';
/** Earlier versions this release upgrades in place at open. */
const UPGRADES_FROM = new Set(['2']);

/**
 * The SQLite schema, applied idempotently at open. `resources` holds the current version (its
 * integer `rid` keys the search index rows, search-index.ts), `resource_versions` every version,
 * `changes` the change log whose INTEGER PRIMARY KEY AUTOINCREMENT seq is allocated inside the
 * write transaction, so commit order is seq order.
 */
export function applySchema(db: DatabaseSync): void {
  checkSchemaVersion(db);
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    -- The default 2 MB page cache thrashes once the search indexes outgrow it (random inserts
    -- and probes read pages back from the OS); reads through mmap skip a syscall per page.
    PRAGMA cache_size = -65536;
    PRAGMA mmap_size = 268435456;
    PRAGMA foreign_keys = ON;

    CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS tenants (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS resources (
      rid INTEGER PRIMARY KEY,
      tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
      version_id INTEGER NOT NULL, last_updated TEXT NOT NULL, hash TEXT NOT NULL,
      deleted INTEGER NOT NULL, connection TEXT, body TEXT NOT NULL,
      source TEXT, -- meta.source, answering _source and _connection (parameter-sources.ts)
      UNIQUE (tenant, type, id)
    );
    CREATE INDEX IF NOT EXISTS resources_updated ON resources (tenant, type, last_updated);

    -- A rowid table: versions are appended in write order, and the key index stays small. (Keyed
    -- WITHOUT ROWID, each ~1 KB body was inserted at a random point of the key order, splitting
    -- pages all over the file: SQLite advises against WITHOUT ROWID for rows that large.)
    CREATE TABLE IF NOT EXISTS resource_versions (${RESOURCE_VERSIONS_COLUMNS});

    CREATE TABLE IF NOT EXISTS changes (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, version_id INTEGER NOT NULL,
      action TEXT NOT NULL, at TEXT NOT NULL, connection TEXT,
      triggers TEXT NOT NULL DEFAULT '[]', -- JSON array of seed trigger ids
      backfill INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX IF NOT EXISTS changes_at ON changes (at);

    CREATE TABLE IF NOT EXISTS watermarks (
      key TEXT PRIMARY KEY, value TEXT NOT NULL, fence INTEGER NOT NULL, updated_at TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS leases (
      name TEXT PRIMARY KEY, holder TEXT NOT NULL, fence INTEGER NOT NULL, expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;

    -- Request budgets shared by every process (sqlite-budgets.ts): blocks of reserved slots.
    CREATE TABLE IF NOT EXISTS budget_blocks (
      id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, size INTEGER NOT NULL,
      counts_until INTEGER NOT NULL
    );
    CREATE INDEX IF NOT EXISTS budget_blocks_key ON budget_blocks (key, counts_until);

    CREATE TABLE IF NOT EXISTS quarantine (
      id INTEGER PRIMARY KEY AUTOINCREMENT, tenant TEXT NOT NULL, connection TEXT NOT NULL,
      what TEXT NOT NULL, reason TEXT NOT NULL, raw TEXT NOT NULL, at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS quarantine_tenant ON quarantine (tenant, connection, id);

    CREATE TABLE IF NOT EXISTS idempotency (
      tenant TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL, state TEXT NOT NULL,
      response TEXT, created_at TEXT NOT NULL,
      PRIMARY KEY (tenant, key)
    ) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS connections (
      tenant TEXT NOT NULL, id TEXT NOT NULL, source TEXT NOT NULL, config TEXT NOT NULL,
      secrets TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
      PRIMARY KEY (tenant, id)
    ) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS tenant_secrets (
      tenant TEXT NOT NULL, name TEXT NOT NULL, sealed TEXT NOT NULL, updated_at TEXT NOT NULL,
      PRIMARY KEY (tenant, name)
    ) WITHOUT ROWID;
  `);
  db.exec(searchIndexSchema());
  rowidResourceVersions(db);
  versionsByRid(db);
  addDateShapeColumns(db);
  addChangeColumns(db);
  db.prepare(
    'INSERT INTO store_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run('schema_version', SCHEMA_VERSION);
}

const RESOURCE_VERSIONS_COLUMNS = `
      tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, version_id INTEGER NOT NULL,
      last_updated TEXT NOT NULL, hash TEXT NOT NULL, deleted INTEGER NOT NULL, connection TEXT,
      body TEXT NOT NULL`;
/**
 * Versions are found by their resource's `rid` (resources.rid: never reused, a tombstone keeps its
 * row) and version. rids are handed out in write order, so a backfill appends to this index; the
 * earlier key (tenant, type, id, version) took hashed ids in random order and rewrote most of its
 * leaf pages on every committed page.
 */
const RESOURCE_VERSIONS_KEY =
  'CREATE UNIQUE INDEX IF NOT EXISTS resource_versions_rid ON resource_versions (rid, version_id)';

/**
 * A file of schema 2 (versions keyed by tenant, type, id, version; no `rid`): each version gets
 * its resource's rid and the key is replaced, in one transaction, checked again under the write
 * lock so two processes opening the file at once upgrade it once. New files get the column here.
 */
function versionsByRid(db: DatabaseSync): void {
  const hasRid = () =>
    (db.prepare('PRAGMA table_info(resource_versions)').all() as Array<{ name: string }>).some(
      (c) => c.name === 'rid',
    );
  if (hasRid()) {
    db.exec(RESOURCE_VERSIONS_KEY);
    return;
  }
  db.exec('BEGIN IMMEDIATE');
  try {
    if (!hasRid()) {
      db.exec(`ALTER TABLE resource_versions ADD COLUMN rid INTEGER;
        UPDATE resource_versions SET rid = (SELECT r.rid FROM resources r WHERE r.tenant = resource_versions.tenant
          AND r.type = resource_versions.type AND r.id = resource_versions.id);
        DROP INDEX IF EXISTS resource_versions_key;`);
    }
    db.exec(RESOURCE_VERSIONS_KEY);
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/**
 * A schema-2 file from before the rowid `resource_versions` (a WITHOUT ROWID table keyed by
 * tenant, type, id, version): rebuilt in place, in one transaction, every version kept. Checked
 * again under the write lock, so two processes opening the file at once rebuild it once.
 */
function rowidResourceVersions(db: DatabaseSync): void {
  const keyed = () =>
    /WITHOUT\s+ROWID/i.test(
      (
        db
          .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'resource_versions'")
          .get() as { sql: string } | undefined
      )?.sql ?? '',
    );
  if (!keyed()) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    if (keyed()) {
      const columns = 'tenant, type, id, version_id, last_updated, hash, deleted, connection, body';
      db.exec(`CREATE TABLE resource_versions_rowid (${RESOURCE_VERSIONS_COLUMNS});
        INSERT INTO resource_versions_rowid (${columns})
          SELECT ${columns} FROM resource_versions ORDER BY tenant, type, id, version_id;
        DROP TABLE resource_versions;
        ALTER TABLE resource_versions_rowid RENAME TO resource_versions;`);
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

/** A schema-2 file from before date shapes: its parameters' shapes are unknown (NULL). */
function addDateShapeColumns(db: DatabaseSync): void {
  const columns = db.prepare('PRAGMA table_info(search_params)').all() as Array<{ name: string }>;
  if (columns.some((c) => c.name === 'max_entries')) return;
  db.exec(`ALTER TABLE search_params ADD COLUMN max_entries INTEGER;
    ALTER TABLE search_params ADD COLUMN max_width INTEGER;`);
}

/** A schema-2 file from before triggers and backfill on changes: its changes had neither. */
function addChangeColumns(db: DatabaseSync): void {
  const columns = db.prepare('PRAGMA table_info(changes)').all() as Array<{ name: string }>;
  if (columns.some((c) => c.name === 'triggers')) return;
  db.exec(`ALTER TABLE changes ADD COLUMN triggers TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE changes ADD COLUMN backfill INTEGER NOT NULL DEFAULT 0;`);
}

/**
 * A file written by another schema version is refused with a clear error rather than half-used.
 * Version 1 (before resources.rid) had no schema_version row but a resources table.
 */
function checkSchemaVersion(db: DatabaseSync): void {
  const hasTable = (name: string) =>
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  if (!hasTable('resources')) return;
  const row = hasTable('store_meta')
    ? (db.prepare("SELECT value FROM store_meta WHERE key = 'schema_version'").get() as
        | { value: string }
        | undefined)
    : undefined;
  const found = row?.value ?? '1';
  if (found !== SCHEMA_VERSION && !UPGRADES_FROM.has(found)) {
    throw new Error(
      `The database has schema version ${found}; this gateway needs ${SCHEMA_VERSION}. ` +
        'Move the file aside (the data is re-synced from the sources) or open it with the matching release.',
    );
  }
}
