import type { DatabaseSync } from 'node:sqlite';
import type { TenantSecretStore } from '../port.ts';
import type { SecretBox } from '../secret-box.ts';
import { checkSecretName, tenantSecretContext } from '../secret-contexts.ts';
import type { TenantGuard } from '../tenant-guard.ts';

/** Named secrets of a tenant (not a connection's) on SQLite, sealed with the secret box. */
export function createSqliteTenantSecrets(
  db: DatabaseSync,
  deps: { now: () => number; secretBox: SecretBox; tenantGuard: TenantGuard },
): TenantSecretStore {
  const stmt = {
    get: db.prepare('SELECT sealed FROM tenant_secrets WHERE tenant = ? AND name = ?'),
    names: db.prepare('SELECT name FROM tenant_secrets WHERE tenant = ? ORDER BY name'),
    upsert: db.prepare(`INSERT INTO tenant_secrets (tenant, name, sealed, updated_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (tenant, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`),
    remove: db.prepare('DELETE FROM tenant_secrets WHERE tenant = ? AND name = ?'),
    reseal: db.prepare('UPDATE tenant_secrets SET sealed = ? WHERE tenant = ? AND name = ? AND sealed = ?'),
  };
  const what = (tenant: string, name: string) => `tenant secret ${tenant}/${name}`;
  const sealedOf = (tenant: string, name: string) =>
    (stmt.get.get(tenant, checkSecretName(name)) as { sealed: string } | undefined)?.sealed;

  const store: TenantSecretStore = {
    async put(tenant, name, value) {
      checkSecretName(name);
      await deps.tenantGuard.require(tenant);
      const sealed = deps.secretBox.seal(value, tenantSecretContext(tenant, name));
      stmt.upsert.run(tenant, name, sealed, new Date(deps.now()).toISOString());
    },
    async get(tenant, name) {
      const sealed = sealedOf(tenant, name);
      return sealed === undefined
        ? undefined
        : deps.secretBox.open(sealed, tenantSecretContext(tenant, name), what(tenant, name));
    },
    async names(tenant) {
      return (stmt.names.all(tenant) as { name: string }[]).map((r) => r.name);
    },
    async remove(tenant, name) {
      return Number(stmt.remove.run(tenant, checkSecretName(name)).changes) > 0;
    },
    async reseal(tenant, name) {
      const sealed = sealedOf(tenant, name);
      if (sealed === undefined) return 'missing';
      const fresh = deps.secretBox.reseal(sealed, tenantSecretContext(tenant, name), what(tenant, name));
      if (fresh === undefined) return 'current';
      // Compare-and-set: a put in between (under the current key) is kept; look again.
      if (Number(stmt.reseal.run(fresh, tenant, name, sealed).changes) > 0) return 'resealed';
      return store.reseal(tenant, name);
    },
  };
  return store;
}
