import { SEARCH_LIMITS } from '../fhir/parse-search.ts';
import type { SearchQuery } from '../fhir/search-query.ts';
import { InvalidIdError, InvalidSearchError, type StoreError } from './errors.ts';
import type { BudgetWindowSpec, Lease, ResourceKey, Store, StoredResource } from './port.ts';
import { type IdRule, requireCount, requireId, requireMatch, requireString } from './validate-ids.ts';

/** Largest page `list` answers (limits reject, they do not truncate). */
export const MAX_PAGE = 1000;
/** Largest `quarantine.list` (operators and the operations view read a connection's whole backlog). */
export const MAX_QUARANTINE_PAGE = 10_000;
const MAX_TTL_MS = 366 * 24 * 3_600_000;
const MAX_VERSION = 2 ** 31 - 1;

/**
 * The Store port with every argument checked against the id grammar (validate-ids.ts) before
 * the adapter runs: both adapters get the same checks by being wrapped in it at open. What an
 * adapter issues itself (quarantine ids) is checked with the adapter's own rule. Methods not
 * listed here pass through unchanged.
 */
export function checkedStore(inner: Store, own: { quarantineId: IdRule }): Store {
  const tenant = (value: unknown) => requireId('tenant', value);
  const type = (value: unknown) => requireId('resourceType', value);
  const id = (value: unknown) => requireId('resourceId', value);
  const connection = (value: unknown) => requireId('connection', value);
  const key = (value: unknown, field: string) => requireId('coordinationKey', value, field);
  const lease = (value: Lease) => {
    if (typeof value !== 'object' || value === null) throw new InvalidIdError('lease', 'must be a lease');
    key(value.name, 'lease name');
    key(value.holder, 'lease holder');
    requireCount(value.fence, 'lease fence', 0, Number.MAX_SAFE_INTEGER);
  };
  const budgetWindow = (value: BudgetWindowSpec) => {
    if (typeof value !== 'object' || value === null || (value.kind !== 'fixed' && value.kind !== 'sliding'))
      throw new InvalidIdError('budget window', 'must be a fixed or sliding window');
    requireCount(value.windowMs, 'budget windowMs', 1, MAX_TTL_MS);
    requireCount(value.limit, 'budget limit', 1, Number.MAX_SAFE_INTEGER);
    requireCount(value.holdMs, 'budget holdMs', 0, MAX_TTL_MS);
  };
  const { resources, quarantine, idempotency, connections, tenants, watermarks, leases, tenantSecrets } =
    inner;
  const { budgets } = inner;

  return {
    ...inner,
    tenants: {
      ...tenants,
      async ensure(t, name) {
        if (name !== undefined) requireString(name, 'tenant name');
        return tenants.ensure(tenant(t), name);
      },
      async get(t) {
        return tenants.get(tenant(t));
      },
    },
    resources: {
      ...resources,
      async put(t, resource, options) {
        if (options?.connection !== undefined) connection(options.connection);
        return resources.put(tenant(t), resource, options);
      },
      async putMany(t, batch, options) {
        if (options?.connection !== undefined) connection(options.connection);
        if (!Array.isArray(batch)) throw new InvalidIdError('resources', 'must be an array');
        return resources.putMany(tenant(t), batch, options);
      },
      async read(t, ty, i) {
        return resources.read(tenant(t), type(ty), id(i));
      },
      async readMany(t, keys) {
        tenant(t);
        if (!Array.isArray(keys)) throw new InvalidIdError('keys', 'must be an array');
        // DataLoader-shaped: a bad key fails its own slot, not its neighbours'.
        const problems = keys.map((k: ResourceKey): StoreError | undefined => {
          try {
            type(k?.type);
            id(k?.id);
            return undefined;
          } catch (error) {
            return error as StoreError;
          }
        });
        const valid = keys.filter((_, n) => problems[n] === undefined);
        const found = valid.length === 0 ? [] : await resources.readMany(t, valid);
        let next = 0;
        return keys.map(
          (_, n): StoredResource | Error => problems[n] ?? (found[next++] as StoredResource | Error),
        );
      },
      async readVersion(t, ty, i, versionId) {
        requireCount(versionId, 'versionId', 1, MAX_VERSION);
        return resources.readVersion(tenant(t), type(ty), id(i), versionId);
      },
      async history(t, ty, i) {
        return resources.history(tenant(t), type(ty), id(i));
      },
      async delete(t, ty, i, options) {
        if (options?.connection !== undefined) connection(options.connection);
        return resources.delete(tenant(t), type(ty), id(i), options);
      },
      async list(t, ty, page) {
        requireCount(page?.limit, 'limit', 1, MAX_PAGE);
        if (page.after !== undefined) requireString(page.after, 'cursor');
        return resources.list(tenant(t), type(ty), page);
      },
      async search(t, ty, query) {
        checkSearchSize(query);
        if (query.cursor !== null) requireString(query.cursor, 'cursor');
        return resources.search(tenant(t), type(ty), query);
      },
    },
    watermarks: {
      ...watermarks,
      async get(k) {
        return watermarks.get(key(k, 'watermark key'));
      },
      async set(k, value, held) {
        requireString(value, 'watermark value');
        if (held !== undefined) lease(held);
        return watermarks.set(key(k, 'watermark key'), value, held);
      },
    },
    leases: {
      ...leases,
      async acquire(name, holder, ttlMs) {
        requireCount(ttlMs, 'ttlMs', 1, MAX_TTL_MS);
        return leases.acquire(key(name, 'lease name'), key(holder, 'lease holder'), ttlMs);
      },
      async renew(held, ttlMs) {
        lease(held);
        requireCount(ttlMs, 'ttlMs', 1, MAX_TTL_MS);
        return leases.renew(held, ttlMs);
      },
      async release(held) {
        lease(held);
        return leases.release(held);
      },
      async current(name) {
        return leases.current(key(name, 'lease name'));
      },
    },
    budgets: {
      ...budgets,
      async reserve(k, window, want) {
        budgetWindow(window);
        requireCount(want, 'budget want', 1, window.limit);
        return budgets.reserve(key(k, 'budget key'), window, want);
      },
      async used(k, window) {
        budgetWindow(window);
        return budgets.used(key(k, 'budget key'), window);
      },
    },
    quarantine: {
      ...quarantine,
      async add(entry) {
        tenant(entry?.tenant);
        connection(entry.connection);
        requireString(entry.what, 'what');
        requireString(entry.reason, 'reason');
        return quarantine.add(entry);
      },
      async list(t, options) {
        if (options?.connection !== undefined) connection(options.connection);
        if (options?.limit !== undefined) requireCount(options.limit, 'limit', 1, MAX_QUARANTINE_PAGE);
        return quarantine.list(tenant(t), options);
      },
      async remove(t, entryId) {
        return quarantine.remove(tenant(t), requireMatch(own.quarantineId, entryId, 'quarantine id'));
      },
    },
    idempotency: {
      ...idempotency,
      async begin(t, k, requestHash) {
        requireString(requestHash, 'request hash');
        return idempotency.begin(tenant(t), requireId('idempotencyKey', k), requestHash);
      },
      async complete(t, k, response) {
        return idempotency.complete(tenant(t), requireId('idempotencyKey', k), response);
      },
      async abandon(t, k) {
        return idempotency.abandon(tenant(t), requireId('idempotencyKey', k));
      },
    },
    connections: {
      ...connections,
      async put(c, secrets) {
        tenant(c?.tenant);
        connection(c.id);
        requireString(c.source, 'connection source');
        if (
          typeof secrets !== 'object' ||
          secrets === null ||
          Object.values(secrets).some((v) => typeof v !== 'string')
        )
          throw new InvalidIdError('secrets', 'must be an object of strings');
        return connections.put(c, secrets);
      },
      async get(t, i) {
        return connections.get(tenant(t), connection(i));
      },
      async secrets(t, i) {
        return connections.secrets(tenant(t), connection(i));
      },
      async list(t) {
        return connections.list(tenant(t));
      },
      async remove(t, i) {
        return connections.remove(tenant(t), connection(i));
      },
      async resealSecrets(t, i) {
        return connections.resealSecrets(tenant(t), connection(i));
      },
    },
    // Secret names are checked by the adapters (checkSecretName, secret-contexts.ts).
    tenantSecrets: {
      ...tenantSecrets,
      async put(t, name, value) {
        requireString(value, 'secret value');
        return tenantSecrets.put(tenant(t), name, value);
      },
      async get(t, name) {
        return tenantSecrets.get(tenant(t), name);
      },
      async names(t) {
        return tenantSecrets.names(tenant(t));
      },
      async remove(t, name) {
        return tenantSecrets.remove(tenant(t), name);
      },
      async reseal(t, name) {
        return tenantSecrets.reseal(tenant(t), name);
      },
    },
  };
}

/**
 * The parser's limits (SEARCH_LIMITS, docs/search.md) again at the port, for a query built by
 * hand rather than parsed: what the stores can run quickly is decided in one place.
 */
function checkSearchSize(query: SearchQuery): void {
  if (
    typeof query !== 'object' ||
    query === null ||
    !Array.isArray(query.clauses) ||
    !Array.isArray(query.sort)
  )
    throw new InvalidSearchError('a search query needs clauses and sort');
  requireCount(query.count, '_count', 0, SEARCH_LIMITS.maxCount);
  const values = query.clauses.reduce((sum, c) => sum + (c.op === 'match' ? c.values.length : 1), 0);
  const widest = Math.max(0, ...query.clauses.map((c) => (c.op === 'match' ? c.values.length : 1)));
  const abovePrefixes = query.clauses
    .flatMap((c) => (c.op === 'match' ? c.values : []))
    .reduce((sum, v) => sum + (v.kind === 'uri' && v.match === 'above' ? v.value.length + 1 : 0), 0);
  if (
    query.clauses.length > SEARCH_LIMITS.maxParameters ||
    values > SEARCH_LIMITS.maxValuesPerSearch ||
    widest > SEARCH_LIMITS.maxValuesPerParameter ||
    query.sort.length > SEARCH_LIMITS.maxSortKeys ||
    abovePrefixes > SEARCH_LIMITS.maxAbovePrefixes
  )
    throw new InvalidSearchError(
      `search over the limits: at most ${SEARCH_LIMITS.maxParameters} clauses, ${SEARCH_LIMITS.maxValuesPerParameter} values in one, ${SEARCH_LIMITS.maxValuesPerSearch} in all, ${SEARCH_LIMITS.maxSortKeys} sort keys, ${SEARCH_LIMITS.maxAbovePrefixes} :above prefixes`,
    );
}
