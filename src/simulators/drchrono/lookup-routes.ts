import type { Clock } from '../common/clock.ts';
import { json, type Router, type SimRequest, type SimResponse } from '../common/http-server.ts';
import type { AccessGate } from './access.ts';
import type { Catalog, Endpoint } from './catalog.ts';
import { drchronoErrors } from './errors.ts';
import type { ResourceStore } from './store.ts';
import { validateWrite } from './validation.ts';

type LookupDeps = {
  catalog: Catalog;
  stores: (resource: string) => ResourceStore | undefined;
  gate: AccessGate;
  clock: Clock;
};

/**
 * Endpoints that are one record per key rather than a list (`/api/yellow_notepad`): GET
 * answers the record matching all required params, POST creates or replaces it.
 */
export function addLookupRoutes(router: Router, deps: LookupDeps): void {
  for (const endpoint of deps.catalog.endpoints) {
    if (endpoint.kind !== 'lookup') continue;
    const handler = (req: SimRequest) => handle(deps, endpoint, req);
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      router.add(method, endpoint.path, handler);
      router.add(method, `${endpoint.path}/`, handler);
    }
  }
}

function handle(deps: LookupDeps, endpoint: Endpoint, req: SimRequest): SimResponse {
  const gated = deps.gate(req, endpoint);
  if (!('token' in gated)) return gated;
  const store = deps.stores(endpoint.resource);
  if (!store) return drchronoErrors.notFound();
  const keys = endpoint.requiredParams;
  const find = (source: Record<string, unknown>) => {
    for (const [id, entry] of store.scan()) {
      if (keys.every((k) => String(entry.record[k]) === String(source[k]))) return { id, entry };
    }
    return undefined;
  };
  if (req.method === 'GET') {
    const params = Object.fromEntries(req.url.searchParams);
    const missing = keys.filter((k) => !params[k]);
    if (missing.length)
      return drchronoErrors.badRequest(
        Object.fromEntries(missing.map((k) => [k, ['This field is required.']])),
      );
    const found = find(params);
    return found ? json(200, found.entry.record) : drchronoErrors.notFound();
  }
  if (req.method !== 'POST') return drchronoErrors.methodNotAllowed(req.method, endpoint.collectionMethods);
  const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
  // The key fields are read-only in the schema but are how a client addresses the record.
  const keyErrors = keys.filter((k) => body[k] === undefined || body[k] === '');
  const checked = validateWrite(deps.catalog.schemaOf(endpoint), body, 'create');
  const errors = {
    ...(checked.ok ? {} : checked.errors),
    ...Object.fromEntries(keyErrors.map((k) => [k, ['This field is required.']])),
  };
  if (Object.keys(errors).length || !checked.ok) return drchronoErrors.badRequest(errors);
  const existing = find(body);
  const id = existing?.id ?? store.allocateId();
  const record = { ...checked.values, ...Object.fromEntries(keys.map((k) => [k, Number(body[k])])) };
  store.put(id, { record, updatedAt: deps.clock() });
  return json(201, record);
}
