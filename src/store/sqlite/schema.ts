import type { DatabaseSync } from 'node:sqlite';
import { searchIndexSchema } from './search-index.ts';

/**
 * The SQLite schema, applied idempotently at open. `resources` holds the current version,
 * `resource_versions` every version, `changes` the change log whose INTEGER PRIMARY KEY
 * AUTOINCREMENT seq is allocated inside the write transaction, so commit order is seq order.
 */
export function applySchema(db: DatabaseSync): void {
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    PRAGMA foreign_keys = ON;

    CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS tenants (
      id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS resources (
      tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL,
      version_id INTEGER NOT NULL, last_updated TEXT NOT NULL, hash TEXT NOT NULL,
      deleted INTEGER NOT NULL, connection TEXT, body TEXT NOT NULL,
      PRIMARY KEY (tenant, type, id)
    ) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS resource_versions (
      tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, version_id INTEGER NOT NULL,
      last_updated TEXT NOT NULL, hash TEXT NOT NULL, deleted INTEGER NOT NULL, connection TEXT,
      body TEXT NOT NULL,
      PRIMARY KEY (tenant, type, id, version_id)
    ) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS changes (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      tenant TEXT NOT NULL, type TEXT NOT NULL, id TEXT NOT NULL, version_id INTEGER NOT NULL,
      action TEXT NOT NULL, at TEXT NOT NULL, connection TEXT
    );
    CREATE INDEX IF NOT EXISTS changes_at ON changes (at);

    CREATE TABLE IF NOT EXISTS watermarks (
      key TEXT PRIMARY KEY, value TEXT NOT NULL, fence INTEGER NOT NULL, updated_at TEXT NOT NULL
    ) WITHOUT ROWID;

    CREATE TABLE IF NOT EXISTS leases (
      name TEXT PRIMARY KEY, holder TEXT NOT NULL, fence INTEGER NOT NULL, expires_at INTEGER NOT NULL
    ) WITHOUT ROWID;

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
  `);
  db.exec(searchIndexSchema());
}
