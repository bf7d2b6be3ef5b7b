import type { Collection, Db } from 'mongodb';
import type { ApiKeyDoc } from './mongo-api-keys.ts';
import type { SearchFields } from './search-fields.ts';

export type ResourceDoc = {
  _id: string;
  tenant: string;
  type: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  hash: string;
  deleted: boolean;
  connection: string | null;
  /** Serialized resource: keeps FHIR JSON exact (no key reordering, no `$`-name limits). */
  body: string;
} & Partial<SearchFields>;

/** Reads of resources never need the search fields (they can be larger than the body). */
export const WITHOUT_SEARCH_FIELDS = { projection: { ik: 0, rx: 0, sk: 0 } } as const;

export type ChangeDoc = {
  _id: number;
  tenant: string;
  type: string;
  id: string;
  versionId: number;
  action: string;
  at: string;
  connection: string | null;
  /** Absent on entries written before triggers were recorded. */
  triggers?: string[];
  backfill?: boolean;
};

/** A stored version; `triggers` and `backfill` are kept for its change, so recovery logs it the same. */
export type VersionDoc = ResourceDoc & {
  logged: boolean;
  action: string;
  triggers?: string[];
  backfill?: boolean;
};

/** One term of a lease (mongo-leases.ts): inserted once, never updated. `_id` is `name@epoch`. */
export type LeaseTermDoc = {
  _id: string;
  name: string;
  epoch: number;
  holder: string;
  fence: number;
  expiresAt: number;
};

/** A block of reserved request-budget slots (mongo-budgets.ts): inserted once, never updated. */
export type BudgetBlockDoc = { _id: string; key: string; seq: number; size: number; countsUntil: number };

export type Collections = {
  meta: Collection<{ _id: string; value: number | string }>;
  tenants: Collection<{ _id: string; name: string; createdAt: string }>;
  resources: Collection<ResourceDoc>;
  versions: Collection<VersionDoc>;
  changes: Collection<ChangeDoc>;
  watermarks: Collection<{ _id: string; value: string; fence: number; updatedAt: string }>;
  leases: Collection<LeaseTermDoc>;
  budgetBlocks: Collection<BudgetBlockDoc>;
  quarantine: Collection<{
    _id: string;
    tenant: string;
    connection: string;
    what: string;
    reason: string;
    raw: string;
    at: string;
  }>;
  idempotency: Collection<{
    _id: string;
    tenant: string;
    requestHash: string;
    state: string;
    response: string | null;
    createdAt: string;
  }>;
  connections: Collection<{
    _id: string;
    tenant: string;
    id: string;
    source: string;
    config: string;
    createdAt: string;
    updatedAt: string;
  }>;
  /** Revisions of sealed secrets (mongo-sealed-values.ts); `_id` is the driver's ObjectId. */
  sealedSecrets: Collection<{
    kind: 'connection' | 'tenant-secret';
    tenant: string;
    name: string;
    rev: number;
    sealed: string;
    at: string;
  }>;
  apiKeys: Collection<ApiKeyDoc>;
};

export function collections(db: Db): Collections {
  return {
    meta: db.collection('store_meta'),
    tenants: db.collection('tenants'),
    resources: db.collection('resources'),
    versions: db.collection('resource_versions'),
    changes: db.collection('changes'),
    watermarks: db.collection('watermarks'),
    leases: db.collection('leases'),
    budgetBlocks: db.collection('budget_blocks'),
    quarantine: db.collection('quarantine'),
    idempotency: db.collection('idempotency'),
    connections: db.collection('connections'),
    sealedSecrets: db.collection('sealed_secrets'),
    apiKeys: db.collection('api_keys'),
  };
}

/** Indexes the queries need; createIndex is idempotent. */
export async function ensureIndexes(c: Collections): Promise<void> {
  await Promise.all([
    c.resources.createIndex({ tenant: 1, type: 1, deleted: 1, id: 1 }),
    // Search: one multikey index over the composite keys serves every clause kind (search-keys.ts).
    c.resources.createIndex({ tenant: 1, type: 1, ik: 1 }),
    c.versions.createIndex({ tenant: 1, type: 1, id: 1, versionId: 1 }),
    c.versions.createIndex({ logged: 1 }),
    // One change per version: a version adopted by a concurrent writer is never logged twice.
    c.changes.createIndex({ tenant: 1, type: 1, id: 1, versionId: 1 }, { unique: true }),
    c.changes.createIndex({ at: 1 }),
    c.leases.createIndex({ name: 1, epoch: -1 }),
    c.budgetBlocks.createIndex({ key: 1, seq: -1 }),
    c.quarantine.createIndex({ tenant: 1, connection: 1, _id: 1 }),
    c.connections.createIndex({ tenant: 1, id: 1 }),
    c.sealedSecrets.createIndex({ kind: 1, tenant: 1, name: 1, rev: 1 }, { unique: true }),
    c.apiKeys.createIndex({ tenant: 1, _id: 1 }),
  ]);
}

export const isDuplicateKey = (err: unknown): boolean => (err as { code?: number })?.code === 11000;
