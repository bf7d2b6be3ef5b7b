import type { DatabaseSync } from 'node:sqlite';
import type { Scope } from '../../auth/scopes.ts';
import { assertApiKeyId, isApiKeyId } from '../api-key-id.ts';
import { ApiKeyExistsError } from '../errors.ts';
import type { ApiKey, ApiKeyStore, StoredApiKey } from '../port.ts';
import type { TenantGuard } from '../tenant-guard.ts';

/** Additive table: files written before API keys existed gain it at open. */
const API_KEYS_SCHEMA = `
  CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY, tenant TEXT NOT NULL, scopes TEXT NOT NULL, label TEXT NOT NULL,
    secret_hash TEXT NOT NULL, created_at TEXT NOT NULL, last_used_at TEXT, revoked_at TEXT
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS api_keys_tenant ON api_keys (tenant, id);
`;

type Row = {
  id: string;
  tenant: string;
  scopes: string;
  label: string;
  secret_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
};

const toStored = (r: Row): StoredApiKey => ({
  id: r.id,
  tenant: r.tenant,
  scopes: JSON.parse(r.scopes) as Scope[],
  label: r.label,
  secretHash: r.secret_hash,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at ?? undefined,
  revokedAt: r.revoked_at ?? undefined,
});

const withoutHash = ({ secretHash: _, ...key }: StoredApiKey): ApiKey => key;

/** API keys on SQLite: one row per key, looked up by its public id (the primary key). */
export function createSqliteApiKeys(
  db: DatabaseSync,
  deps: { now: () => number; tenantGuard: TenantGuard },
): ApiKeyStore {
  db.exec(API_KEYS_SCHEMA);
  const iso = () => new Date(deps.now()).toISOString();
  const stmt = {
    insert: db.prepare(
      `INSERT INTO api_keys (id, tenant, scopes, label, secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO NOTHING`,
    ),
    find: db.prepare('SELECT * FROM api_keys WHERE id = ?'),
    list: db.prepare('SELECT * FROM api_keys WHERE (? IS NULL OR tenant = ?) ORDER BY tenant, id'),
    revoke: db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    touch: db.prepare(
      'UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
    ),
  };
  return {
    async create(key) {
      assertApiKeyId(key.id);
      await deps.tenantGuard.require(key.tenant);
      const inserted = stmt.insert.run(
        key.id,
        key.tenant,
        JSON.stringify(key.scopes),
        key.label,
        key.secretHash,
        iso(),
      );
      if (Number(inserted.changes) === 0) throw new ApiKeyExistsError(key.id);
      return withoutHash(toStored(stmt.find.get(key.id) as Row));
    },
    async find(id) {
      if (!isApiKeyId(id)) return undefined;
      const row = stmt.find.get(id) as Row | undefined;
      return row ? toStored(row) : undefined;
    },
    async list(tenant) {
      const t = tenant ?? null;
      return (stmt.list.all(t, t) as Row[]).map((r) => withoutHash(toStored(r)));
    },
    async revoke(id) {
      if (!isApiKeyId(id)) return false;
      return Number(stmt.revoke.run(iso(), id).changes) > 0;
    },
    async touch(id, at) {
      if (!isApiKeyId(id)) return;
      stmt.touch.run(at, id, at);
    },
  };
}
