import type { DatabaseSync } from 'node:sqlite';
import { IdempotencyConflictError } from '../errors.ts';
import type {
  Connection,
  ConnectionStore,
  IdempotencyStore,
  QuarantineEntry,
  QuarantineStore,
  Tenant,
  TenantStore,
} from '../port.ts';
import type { SecretBox } from '../secret-box.ts';
import { connectionSecretContext } from '../secret-contexts.ts';
import type { TenantGuard } from '../tenant-guard.ts';
import { inWriteTransaction } from './transaction.ts';

/** Quarantine ids this adapter issues: the row's integer key. */
export const SQLITE_QUARANTINE_ID = {
  pattern: /^[1-9][0-9]{0,15}$/,
  text: 'a quarantine id this store issued',
};

/** Tenants, quarantine, idempotency records and connections on SQLite. */
export function createSqliteRecords(
  db: DatabaseSync,
  deps: { now: () => number; secretBox: SecretBox; tenantGuard: TenantGuard },
): {
  tenants: TenantStore;
  quarantine: QuarantineStore;
  idempotency: IdempotencyStore;
  connections: ConnectionStore;
} {
  const iso = () => new Date(deps.now()).toISOString();
  const stmt = {
    tenant: db.prepare('SELECT id, name, created_at FROM tenants WHERE id = ?'),
    tenants: db.prepare('SELECT id, name, created_at FROM tenants ORDER BY id'),
    insertTenant: db.prepare(
      'INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
    ),
    addQuarantine: db.prepare(
      'INSERT INTO quarantine (tenant, connection, what, reason, raw, at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
    ),
    listQuarantine: db.prepare(
      'SELECT * FROM quarantine WHERE tenant = ? AND (? IS NULL OR connection = ?) ORDER BY id LIMIT ?',
    ),
    removeQuarantine: db.prepare('DELETE FROM quarantine WHERE tenant = ? AND id = ?'),
    idem: db.prepare('SELECT request_hash, state, response FROM idempotency WHERE tenant = ? AND key = ?'),
    insertIdem: db.prepare(
      "INSERT INTO idempotency (tenant, key, request_hash, state, created_at) VALUES (?, ?, ?, 'in-progress', ?)",
    ),
    completeIdem: db.prepare(
      "UPDATE idempotency SET state = 'completed', response = ? WHERE tenant = ? AND key = ?",
    ),
    abandonIdem: db.prepare("DELETE FROM idempotency WHERE tenant = ? AND key = ? AND state = 'in-progress'"),
    connection: db.prepare('SELECT * FROM connections WHERE tenant = ? AND id = ?'),
    connections: db.prepare('SELECT * FROM connections WHERE tenant = ? ORDER BY id'),
    allConnections: db.prepare('SELECT * FROM connections ORDER BY tenant, id'),
    upsertConnection:
      db.prepare(`INSERT INTO connections (tenant, id, source, config, secrets, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant, id) DO UPDATE SET source = excluded.source,
      config = excluded.config, secrets = excluded.secrets, updated_at = excluded.updated_at`),
    removeConnection: db.prepare('DELETE FROM connections WHERE tenant = ? AND id = ?'),
    resealConnection: db.prepare(
      'UPDATE connections SET secrets = ? WHERE tenant = ? AND id = ? AND secrets = ?',
    ),
  };

  type TenantRow = { id: string; name: string; created_at: string };
  const toTenant = (r: TenantRow): Tenant => ({ id: r.id, name: r.name, createdAt: r.created_at });
  type ConnectionRow = {
    tenant: string;
    id: string;
    source: Connection['source'];
    config: string;
    secrets: string;
    created_at: string;
    updated_at: string;
  };
  const toConnection = (r: ConnectionRow): Connection => ({
    tenant: r.tenant,
    id: r.id,
    source: r.source,
    config: JSON.parse(r.config) as Record<string, unknown>,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });
  type QuarantineRow = {
    id: number;
    tenant: string;
    connection: string;
    what: string;
    reason: string;
    raw: string;
    at: string;
  };

  const tenants: TenantStore = {
    async ensure(id, name) {
      stmt.insertTenant.run(id, name ?? id, iso());
      deps.tenantGuard.remember(id);
      return toTenant(stmt.tenant.get(id) as TenantRow);
    },
    async get(id) {
      const row = stmt.tenant.get(id) as TenantRow | undefined;
      return row ? toTenant(row) : undefined;
    },
    async list() {
      return (stmt.tenants.all() as TenantRow[]).map(toTenant);
    },
  };

  const quarantine: QuarantineStore = {
    async add(entry) {
      await deps.tenantGuard.require(entry.tenant);
      const at = iso();
      const { id } = stmt.addQuarantine.get(
        entry.tenant,
        entry.connection,
        entry.what,
        entry.reason,
        JSON.stringify(entry.raw ?? null),
        at,
      ) as { id: number };
      return { ...entry, id: String(id), at };
    },
    async list(tenant, options) {
      const connection = options?.connection ?? null;
      const rows = stmt.listQuarantine.all(
        tenant,
        connection,
        connection,
        options?.limit ?? 100,
      ) as QuarantineRow[];
      return rows.map(
        (r): QuarantineEntry => ({
          id: String(r.id),
          tenant: r.tenant,
          connection: r.connection,
          what: r.what,
          reason: r.reason,
          raw: JSON.parse(r.raw) as unknown,
          at: r.at,
        }),
      );
    },
    async remove(tenant, id) {
      return Number(stmt.removeQuarantine.run(tenant, Number(id)).changes) > 0;
    },
  };

  const idempotency: IdempotencyStore = {
    async begin(tenant, key, requestHash) {
      await deps.tenantGuard.require(tenant);
      return inWriteTransaction(db, () => {
        const row = stmt.idem.get(tenant, key) as
          | { request_hash: string; state: string; response: string | null }
          | undefined;
        if (!row) {
          stmt.insertIdem.run(tenant, key, requestHash, iso());
          return { state: 'started' as const };
        }
        if (row.request_hash !== requestHash) throw new IdempotencyConflictError(key);
        if (row.state === 'completed') {
          return { state: 'completed' as const, response: JSON.parse(row.response ?? 'null') as unknown };
        }
        return { state: 'in-progress' as const };
      });
    },
    async complete(tenant, key, response) {
      stmt.completeIdem.run(JSON.stringify(response ?? null), tenant, key);
    },
    async abandon(tenant, key) {
      stmt.abandonIdem.run(tenant, key);
    },
  };

  const aad = connectionSecretContext;
  const connections: ConnectionStore = {
    async put(connection, secrets) {
      await deps.tenantGuard.require(connection.tenant);
      const at = iso();
      const sealed = deps.secretBox.seal(JSON.stringify(secrets), aad(connection.tenant, connection.id));
      stmt.upsertConnection.run(
        connection.tenant,
        connection.id,
        connection.source,
        JSON.stringify(connection.config),
        sealed,
        at,
        at,
      );
      return toConnection(stmt.connection.get(connection.tenant, connection.id) as ConnectionRow);
    },
    async get(tenant, id) {
      const row = stmt.connection.get(tenant, id) as ConnectionRow | undefined;
      return row ? toConnection(row) : undefined;
    },
    async secrets(tenant, id) {
      const row = stmt.connection.get(tenant, id) as ConnectionRow | undefined;
      if (!row) return {};
      const what = `connection ${tenant}/${id}`;
      return JSON.parse(deps.secretBox.open(row.secrets, aad(tenant, id), what)) as Record<string, string>;
    },
    async list(tenant) {
      return (stmt.connections.all(tenant) as ConnectionRow[]).map(toConnection);
    },
    async listAllTenants() {
      return (stmt.allConnections.all() as ConnectionRow[]).map(toConnection);
    },
    async remove(tenant, id) {
      return Number(stmt.removeConnection.run(tenant, id).changes) > 0;
    },
    async resealSecrets(tenant, id) {
      // Synchronous read-then-update: nothing else runs on this connection in between, and the
      // compare-and-set keeps a put from another process (sealed with the current key) intact.
      const row = stmt.connection.get(tenant, id) as ConnectionRow | undefined;
      if (!row) return 'missing';
      const fresh = deps.secretBox.reseal(row.secrets, aad(tenant, id), `connection ${tenant}/${id}`);
      if (fresh === undefined) return 'current';
      const changed = Number(stmt.resealConnection.run(fresh, tenant, id, row.secrets).changes) > 0;
      return changed ? 'resealed' : connections.resealSecrets(tenant, id);
    },
  };

  return { tenants, quarantine, idempotency, connections };
}
