import { MongoClient } from 'mongodb';
import { checkedStore } from '../checked-store.ts';
import { createChangeCursors } from '../cursor.ts';
import type { Store } from '../port.ts';
import type { StoreOptions } from '../store-options.ts';
import { createTenantGuard } from '../tenant-guard.ts';
import { collections, ensureIndexes } from './collections.ts';
import { createMongoApiKeys } from './mongo-api-keys.ts';
import { createMongoBudgets } from './mongo-budgets.ts';
import { createMongoChangeLog } from './mongo-change-log.ts';
import { createMongoCoordination } from './mongo-coordination.ts';
import { createMongoRecords, MONGO_QUARANTINE_ID } from './mongo-records.ts';
import { createMongoResources } from './mongo-resources.ts';
import { createMongoSealedValues } from './mongo-sealed-values.ts';
import { createMongoTenantSecrets } from './mongo-tenant-secrets.ts';
import { serverClock } from './server-clock.ts';

/**
 * Opens the MongoDB store. The database name comes from the URL path (default `fhir_gateway`).
 * Correctness relies only on single-document atomicity and unique indexes, so it works on
 * FerretDB and standalone servers as well as replica sets.
 */
export async function openMongoStore(
  url: string,
  options: StoreOptions & { dbName?: string },
): Promise<Store> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 10_000, maxPoolSize: 20 });
  await client.connect();
  try {
    const db = client.db(options.dbName ?? (new URL(url).pathname.replace(/^\//, '') || 'fhir_gateway'));
    const c = collections(db);
    await ensureIndexes(c);
    const now = options.now ?? (await serverClock(db));
    const tenantGuard = createTenantGuard(
      async (tenant) => (await c.tenants.countDocuments({ _id: tenant })) > 0,
    );
    const resources = createMongoResources(c, { ...options, now }, tenantGuard);
    await resources.recoverUnlogged();
    const sealedValues = createMongoSealedValues(c, { now, secretBox: options.secretBox });
    const records = createMongoRecords(c, { now, secretBox: options.secretBox, tenantGuard, sealedValues });
    const coordination = createMongoCoordination(c, now);
    const store: Store = {
      kind: 'mongo',
      tenants: records.tenants,
      resources,
      changes: createMongoChangeLog(c, createChangeCursors(options.changeCursorKeys), {
        adopt: (changes) => resources.adopt(changes),
        completeAppended: () => resources.completeAppended(),
      }),
      watermarks: coordination.watermarks,
      leases: coordination.leases,
      budgets: createMongoBudgets(c, now),
      quarantine: records.quarantine,
      idempotency: records.idempotency,
      connections: records.connections,
      tenantSecrets: createMongoTenantSecrets(sealedValues, { secretBox: options.secretBox, tenantGuard }),
      apiKeys: createMongoApiKeys(c.apiKeys, { now, tenantGuard }),
      async ping() {
        await db.command({ ping: 1 });
      },
      async close() {
        await client.close();
      },
    };
    return checkedStore(store, { quarantineId: MONGO_QUARANTINE_ID });
  } catch (err) {
    await client.close();
    throw err;
  }
}
