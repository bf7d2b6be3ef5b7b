import type { Resource } from 'fhir/r4';
import type { Scope } from '../auth/scopes.ts';
import type { SearchQuery } from '../fhir/search-query.ts';

/**
 * The Store port: everything the gateway persists, behind one interface with two adapters
 * (sqlite: embedded default; mongo: production / scale-out). Both pass the same contract
 * suite (test/store/contract.ts). Every call is tenant-scoped except the global change-log
 * tail, which the events layer filters per tenant.
 */
export type Store = {
  readonly kind: 'sqlite' | 'mongo';
  tenants: TenantStore;
  resources: ResourceStore;
  changes: ChangeLog;
  watermarks: WatermarkStore;
  leases: LeaseStore;
  budgets: BudgetStore;
  quarantine: QuarantineStore;
  idempotency: IdempotencyStore;
  connections: ConnectionStore;
  tenantSecrets: TenantSecretStore;
  apiKeys: ApiKeyStore;
  /** Cheap round-trip used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
};

export type Tenant = { id: string; name: string; createdAt: string };

export type TenantStore = {
  /** Creates the tenant or answers the existing one (idempotent). */
  ensure(id: string, name?: string): Promise<Tenant>;
  get(id: string): Promise<Tenant | undefined>;
  list(): Promise<Tenant[]>;
};

export type ResourceKey = { type: string; id: string };

/** One stored version of a resource; `resource.meta.versionId`/`lastUpdated` are set. */
export type StoredResource = {
  tenant: string;
  type: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  hash: string;
  deleted: boolean;
  connection: string | undefined;
  resource: Resource;
};

export type ChangeAction = 'created' | 'updated' | 'deleted';

export type PutOutcome = 'created' | 'updated' | 'unchanged';

export type PutResult = {
  outcome: PutOutcome;
  stored: StoredResource;
  /** The change appended for this write; absent when unchanged. */
  seq: number | undefined;
};

export type PutOptions = {
  /** The connection the resource came from (provenance, `_connection` search). */
  connection?: string;
  /**
   * Trigger ids to record on the change a write appends (not stored on the resource). Called
   * once per appended change with the written version (for a delete: the version it deleted);
   * never for an unchanged put.
   */
  triggers?: (type: string, action: ChangeAction, resource: Resource) => readonly string[];
  /** True when the write comes from a first-run backfill rather than a live poll or a mutation. */
  backfill?: boolean;
};

export type ListPage = { items: StoredResource[]; next: string | undefined };

export type SearchPage = {
  items: StoredResource[];
  /** Opaque keyset cursor for the next page (pass it back as the query's `cursor`); undefined on the last page. */
  next: string | undefined;
  /** Matches over all pages; only computed when the query asks `_total=accurate`. */
  total?: number;
};

export type ResourceStore = {
  /** Writes a resource; the answer says whether it was created, updated or unchanged (by content hash). */
  put(tenant: string, resource: Resource, options?: PutOptions): Promise<PutResult>;
  /** Writes many resources in one batch; results in input order. */
  putMany(tenant: string, resources: Resource[], options?: PutOptions): Promise<PutResult[]>;
  /** The current version, including tombstones (`deleted: true`); undefined when never written. */
  read(tenant: string, type: string, id: string): Promise<StoredResource | undefined>;
  /**
   * DataLoader-shaped: one entry per key in key order; a missing or deleted resource gets a
   * ResourceNotFoundError / ResourceGoneError in its slot.
   */
  readMany(tenant: string, keys: readonly ResourceKey[]): Promise<Array<StoredResource | Error>>;
  readVersion(
    tenant: string,
    type: string,
    id: string,
    versionId: number,
  ): Promise<StoredResource | undefined>;
  /** Every version, oldest first. */
  history(tenant: string, type: string, id: string): Promise<StoredResource[]>;
  /** Writes a tombstone version; undefined seq when it was already deleted or never existed. */
  delete(
    tenant: string,
    type: string,
    id: string,
    options?: PutOptions,
  ): Promise<{ deleted: boolean; seq: number | undefined }>;
  /** Current, non-deleted resources of a type ordered by id, with an opaque keyset cursor. */
  list(tenant: string, type: string, page: { limit: number; after?: string }): Promise<ListPage>;
  /**
   * FHIR search over current, non-deleted resources of one type in one tenant (see docs/search.md):
   * clauses AND, values in a clause OR; sorted by `query.sort` then id; `query.count` per page,
   * continued with `query.cursor`. Throws SearchUnavailableError when the store has no indexer.
   */
  search(tenant: string, type: string, query: SearchQuery): Promise<SearchPage>;
};

export type Change = {
  seq: number;
  tenant: string;
  type: string;
  id: string;
  versionId: number;
  action: ChangeAction;
  at: string;
  connection: string | undefined;
  /** The version this change replaced; undefined for a create. */
  previousVersionId: number | undefined;
  /** Seed trigger ids this change satisfies, e.g. `jane.patient.created` (empty when none). */
  triggers: readonly string[];
  /** True when the write came from a first-run backfill rather than a live poll or a mutation. */
  backfill: boolean;
};

/**
 * Which changes a reader wants. The tenant scope is explicit: one tenant, or `allTenants: true`
 * for the process-wide tailer — a caller that forgets the tenant gets a type error, not every
 * tenant. The list fields narrow further (a change passes when it matches one value of each
 * list given; `triggers` matches a change carrying any of the ids).
 */
export type ChangeFilter = ({ tenant: string } | { allTenants: true }) & {
  types?: readonly string[];
  actions?: readonly ChangeAction[];
  connections?: readonly string[];
  triggers?: readonly string[];
};

export type ChangePage = {
  changes: Change[];
  /** Opaque cursor after the last change scanned (pass it back to continue). */
  cursor: string;
};

export type ChangeLog = {
  /**
   * Changes committed after `cursor` (undefined = from the beginning of what is retained),
   * in seq order. Throws CursorExpiredError when the cursor points before the retention floor.
   */
  after(cursor: string | undefined, limit: number, filter: ChangeFilter): Promise<ChangePage>;
  /** The highest committed seq (0 when empty). */
  highWaterMark(): Promise<number>;
  /** The cursor that means "after everything committed so far". */
  cursorAt(seq: number): string;
  /** Removes changes older than `before` (never the newest); returns how many. */
  prune(before: Date): Promise<number>;
};

export type WatermarkStore = {
  get(key: string): Promise<string | undefined>;
  /**
   * Sets a watermark. With a lease, the write is fenced: refused with FencedOutError when the
   * lease is no longer held or a newer fencing token has already written this key.
   */
  set(key: string, value: string, lease?: Lease): Promise<void>;
};

export type Lease = { name: string; holder: string; fence: number; expiresAt: number };

export type LeaseStore = {
  /** Takes the lease when free or expired, or extends it when `holder` already holds it. */
  acquire(name: string, holder: string, ttlMs: number): Promise<Lease | undefined>;
  /** Extends a held lease; undefined when it was lost. */
  renew(lease: Lease, ttlMs: number): Promise<Lease | undefined>;
  release(lease: Lease): Promise<void>;
  current(name: string): Promise<Lease | undefined>;
};

/**
 * A request budget window as the store keeps it (request-budget.ts and shared-budget.ts). A
 * `fixed` window resets at multiples of `windowMs` on the store's clock; a `sliding` one counts
 * what was reserved in the last `windowMs`. `holdMs` (sliding only): how long granted slots may
 * be used; they then count for holdMs + windowMs from the grant.
 */
export type BudgetWindowSpec = {
  readonly kind: 'fixed' | 'sliding';
  readonly windowMs: number;
  readonly limit: number;
  readonly holdMs: number;
};

export type BudgetReservation = {
  /** Slots granted now: `want`, fewer when the window is nearly full, 0 when it is full. */
  readonly granted: number;
  /** Slots the window holds reserved by every holder, this grant included. */
  readonly used: number;
  /** How long (ms, from the reservation) the granted slots may be used. */
  readonly usableForMs: number;
  /** When nothing was granted: ms until the window may have room again (0 otherwise). */
  readonly retryAfterMs: number;
};

/**
 * Request budgets shared by every process on the store: a window's use is the sum of the blocks
 * of slots reserved in it. Blocks are only ever added (they age out with their window), so no
 * holder, stale or not, can lower a window's count, and a block a crashed holder did not use
 * still counts: the budget errs on the safe side. Concurrent reservations never grant past the
 * limit.
 */
export type BudgetStore = {
  reserve(key: string, window: BudgetWindowSpec, want: number): Promise<BudgetReservation>;
  /** Slots reserved in the window now (every holder's). */
  used(key: string, window: BudgetWindowSpec): Promise<number>;
};

export type QuarantineEntry = {
  id: string;
  tenant: string;
  connection: string;
  /** What was being processed, e.g. `drchrono:patients/123` (no PHI). */
  what: string;
  reason: string;
  /** The raw input, kept so the record can be replayed once the cause is fixed. */
  raw: unknown;
  at: string;
};

export type QuarantineStore = {
  add(entry: Omit<QuarantineEntry, 'id' | 'at'>): Promise<QuarantineEntry>;
  list(tenant: string, options?: { connection?: string; limit?: number }): Promise<QuarantineEntry[]>;
  remove(tenant: string, id: string): Promise<boolean>;
};

export type IdempotencyBegin =
  | { state: 'started' }
  | { state: 'in-progress' }
  | { state: 'completed'; response: unknown };

export type IdempotencyStore = {
  /**
   * Claims `key` for a request. A second call with the same key answers the first's state;
   * a different request body under the same key is an IdempotencyConflictError.
   */
  begin(tenant: string, key: string, requestHash: string): Promise<IdempotencyBegin>;
  complete(tenant: string, key: string, response: unknown): Promise<void>;
  /** Frees a claim whose request failed, so a retry may run again. */
  abandon(tenant: string, key: string): Promise<void>;
};

export type Connection = {
  tenant: string;
  id: string;
  source: 'jane' | 'drchrono' | 'epic';
  /** Non-secret settings (base URL, client id, schedule...). */
  config: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
};

export type ConnectionStore = {
  /** Creates or replaces a connection; `secrets` are encrypted (AES-256-GCM) before storage. */
  put(
    connection: Omit<Connection, 'createdAt' | 'updatedAt'>,
    secrets: Record<string, string>,
  ): Promise<Connection>;
  get(tenant: string, id: string): Promise<Connection | undefined>;
  /** Decrypts the secrets; SecretDecryptionError when the key is wrong or the data corrupted. */
  secrets(tenant: string, id: string): Promise<Record<string, string>>;
  /** One tenant's connections, ordered by id. */
  list(tenant: string): Promise<Connection[]>;
  /** Every tenant's connections, ordered by tenant then id: for the sync engine only, never for a caller acting for a tenant. */
  listAllTenants(): Promise<Connection[]>;
  remove(tenant: string, id: string): Promise<boolean>;
  /**
   * Key rotation: re-seals the secrets under the current data-encryption key when an older key
   * of the ring sealed them. Compare-and-set, so a concurrent `put` is never overwritten; safe to
   * repeat. SecretDecryptionError when no key of the ring opens them.
   */
  resealSecrets(tenant: string, id: string): Promise<ResealOutcome>;
};

/** `resealed`: now under the current key; `current`: it already was; `missing`: no such entry. */
export type ResealOutcome = 'resealed' | 'current' | 'missing';

/**
 * Named secrets of a tenant that are not a connection's (e.g. `epic-signing-key`, a private
 * key PEM), sealed like connection secrets and re-sealed by the same key rotation. Names follow
 * the connection id grammar `^[A-Za-z0-9._~-]{1,64}$` (InvalidSecretNameError otherwise).
 */
export type TenantSecretStore = {
  /** Seals and stores the value, replacing any earlier one. */
  put(tenant: string, name: string, value: string): Promise<void>;
  /** The opened value, undefined when absent; SecretDecryptionError when no key opens it. */
  get(tenant: string, name: string): Promise<string | undefined>;
  /** The names stored for the tenant, sorted. */
  names(tenant: string): Promise<string[]>;
  remove(tenant: string, name: string): Promise<boolean>;
  /** Key rotation, as ConnectionStore.resealSecrets. */
  reseal(tenant: string, name: string): Promise<ResealOutcome>;
};

/** An API key as listed: never its secret, nor the secret's hash. */
export type ApiKey = {
  /** Public id, the `<id>` of `fgw_<id>_<secret>`; unique across tenants. */
  id: string;
  tenant: string;
  scopes: Scope[];
  label: string;
  createdAt: string;
  lastUsedAt: string | undefined;
  revokedAt: string | undefined;
};

/** What verification needs: the key and the hash of its secret. */
export type StoredApiKey = ApiKey & { secretHash: string };

export type ApiKeyStore = {
  /** Stores a new key whose secret is already hashed; ApiKeyExistsError when the id is taken. */
  create(key: Pick<StoredApiKey, 'id' | 'tenant' | 'scopes' | 'label' | 'secretHash'>): Promise<ApiKey>;
  /** The key by public id, revoked ones included (revokedAt set); undefined when unknown. */
  find(id: string): Promise<StoredApiKey | undefined>;
  /** Keys of one tenant, or of all, ordered by tenant then id. */
  list(tenant?: string): Promise<ApiKey[]>;
  /** Revokes the key from now on; false when unknown or already revoked. */
  revoke(id: string): Promise<boolean>;
  /** Records a use at `at` (ISO time) unless a later one is already recorded. */
  touch(id: string, at: string): Promise<void>;
};
