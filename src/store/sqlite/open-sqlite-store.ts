import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { checkedStore } from '../checked-store.ts';
import { createChangeCursors } from '../cursor.ts';
import type { Store } from '../port.ts';
import type { StoreOptions } from '../store-options.ts';
import { createTenantGuard } from '../tenant-guard.ts';
import { applySchema } from './schema.ts';
import { createSqliteApiKeys } from './sqlite-api-keys.ts';
import { createSqliteBudgets } from './sqlite-budgets.ts';
import { createSqliteChanges } from './sqlite-changes.ts';
import { createSqliteCoordination } from './sqlite-coordination.ts';
import { createSqliteRecords, SQLITE_QUARANTINE_ID } from './sqlite-records.ts';
import { createSqliteResources } from './sqlite-resources.ts';
import { createSqliteTenantSecrets } from './sqlite-tenant-secrets.ts';

/** Opens (creating if needed) the embedded store at `path` (':memory:' for a private one). */
export function openSqliteStore(path: string, options: StoreOptions): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new DatabaseSync(path, { timeout: 10_000 });
  applySchema(db);
  const now = options.now ?? Date.now;
  const tenantExists = db.prepare('SELECT 1 FROM tenants WHERE id = ?');
  const tenantGuard = createTenantGuard((tenant) => tenantExists.get(tenant) !== undefined);
  const records = createSqliteRecords(db, { now, secretBox: options.secretBox, tenantGuard });
  const coordination = createSqliteCoordination(db, now);
  const resources = createSqliteResources(db, options, tenantGuard);
  const store: Store = {
    kind: 'sqlite',
    tenants: records.tenants,
    resources,
    changes: createSqliteChanges(db, createChangeCursors(options.changeCursorKeys)),
    watermarks: coordination.watermarks,
    leases: coordination.leases,
    budgets: createSqliteBudgets(db, now),
    quarantine: records.quarantine,
    idempotency: records.idempotency,
    connections: records.connections,
    tenantSecrets: createSqliteTenantSecrets(db, { now, secretBox: options.secretBox, tenantGuard }),
    apiKeys: createSqliteApiKeys(db, { now, tenantGuard }),
    async ping() {
      db.prepare('SELECT 1').get();
    },
    async close() {
      if (!db.isOpen) return;
      try {
        resources.drainIndex();
      } finally {
        db.close();
      }
    },
  };
  return checkedStore(store, { quarantineId: SQLITE_QUARANTINE_ID });
}
