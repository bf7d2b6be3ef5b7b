import type { Clock } from '../common/clock.ts';
import type { FaultInjector } from '../common/faults.ts';
import { json, type Router, type SimRequest, type SimResponse } from '../common/http-server.ts';
import type { AccessGate } from './access.ts';
import type { Catalog, Endpoint } from './catalog.ts';
import { drchronoErrors } from './errors.ts';
import { encodeCursor, type ListQuery, parseListQuery } from './list-query.ts';
import { corruptRecord } from './malformed.ts';
import { completeRecord, presentRecord } from './shape.ts';
import type { Entry, ResourceStore } from './store.ts';
import { formatDateTime } from './time-format.ts';
import { validateWrite } from './validation.ts';
import { createRules, deriveRules } from './write-rules.ts';

export type ResourceDeps = {
  catalog: Catalog;
  stores: (resource: string) => ResourceStore | undefined;
  clock: Clock;
  faults: FaultInjector;
  gate: AccessGate;
  /** Called after every successful write (webhook-like hooks, tests). */
  onWrite?: (resource: string, id: number, kind: 'create' | 'update' | 'delete') => void;
};

/**
 * One generic handler serves every catalog row: list (cursor pages), get, create (one or an
 * array), PUT/PATCH (204) and DELETE (204, soft where the row says so). Which methods exist,
 * which filters apply and which scopes guard them all come from the row.
 */
export function addResourceRoutes(router: Router, deps: ResourceDeps): void {
  for (const endpoint of deps.catalog.endpoints) {
    if (endpoint.kind !== 'paged') continue;
    const collection = (req: SimRequest) => handleCollection(deps, endpoint, req);
    const item = (req: SimRequest) => handleItem(deps, endpoint, req);
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      router.add(method, endpoint.path, collection);
      router.add(method, `${endpoint.path}/`, collection);
      router.add(method, `${endpoint.path}/:id`, item);
      router.add(method, `${endpoint.path}/:id/`, item);
    }
  }
}

function storeOf(deps: ResourceDeps, endpoint: Endpoint): ResourceStore {
  const store = deps.stores(deps.catalog.dataResource(endpoint));
  if (!store) throw new Error(`no store for ${endpoint.resource}`);
  return store;
}

function handleCollection(deps: ResourceDeps, endpoint: Endpoint, req: SimRequest): SimResponse {
  const gated = deps.gate(req, endpoint);
  if (!('token' in gated)) return gated;
  if (!endpoint.collectionMethods.includes(req.method as never)) {
    return drchronoErrors.methodNotAllowed(req.method, endpoint.collectionMethods);
  }
  if (req.method === 'GET') return list(deps, endpoint, req);
  if (req.method === 'POST') return create(deps, endpoint, req);
  return collectionUpdate(deps, endpoint, req);
}

function handleItem(deps: ResourceDeps, endpoint: Endpoint, req: SimRequest): SimResponse {
  const gated = deps.gate(req, endpoint);
  if (!('token' in gated)) return gated;
  if (!endpoint.itemMethods.includes(req.method as never)) {
    return drchronoErrors.methodNotAllowed(req.method, endpoint.itemMethods);
  }
  const raw = req.params.id ?? '';
  const id = /^\d+$/.test(raw) ? Number(raw) : undefined;
  const store = storeOf(deps, endpoint);
  const entry = id === undefined ? undefined : store.get(id);
  if (id === undefined || !entry) return drchronoErrors.notFound();
  const schema = deps.catalog.schemaOf(endpoint);
  switch (req.method) {
    case 'GET': {
      const verbose = req.url.searchParams.get('verbose') === 'true';
      return json(200, presentRecord(schema, entry.record, verbose));
    }
    case 'DELETE': {
      const soft = endpoint.softDelete;
      if (soft) store.put(id, touch(deps, { ...entry.record, [soft.field]: true }));
      else {
        store.remove(id);
        logDeletion(deps, endpoint, id, entry);
      }
      deps.onWrite?.(endpoint.resource, id, 'delete');
      return { status: 204 };
    }
    default: {
      const checked = validateWrite(schema, req.body, req.method === 'PUT' ? 'replace' : 'patch');
      if (!checked.ok) return drchronoErrors.badRequest(checked.errors);
      const merged = completeRecord(schema, { ...entry.record, ...checked.values });
      deriveRules[deps.catalog.dataResource(endpoint)]?.(merged);
      store.put(id, touch(deps, merged));
      deps.onWrite?.(endpoint.resource, id, 'update');
      return { status: 204 };
    }
  }
}

/** Stamps a write: `updated_at` (where the schema has one) and the `since` clock. */
function touch(deps: ResourceDeps, record: Record<string, unknown>): Entry {
  const now = Math.floor(deps.clock() / 1000) * 1000;
  const out = { ...record };
  if ('updated_at' in out) out.updated_at = formatDateTime(now);
  if ('timestamp' in out) out.timestamp = formatDateTime(now);
  return { record: out, updatedAt: now };
}

function create(deps: ResourceDeps, endpoint: Endpoint, req: SimRequest): SimResponse {
  const schema = deps.catalog.schemaOf(endpoint);
  const store = storeOf(deps, endpoint);
  const many = Array.isArray(req.body);
  const bodies: unknown[] = many ? (req.body as unknown[]) : [req.body];
  if (bodies.length === 0)
    return drchronoErrors.badRequest({ non_field_errors: ['Expected a non-empty list.'] });
  // Validate everything first: a bad item in an array body creates nothing.
  const checked = bodies.map((b) => validateWrite(schema, b, 'create'));
  const failures = checked.map((c) => (c.ok ? {} : c.errors));
  if (checked.some((c) => !c.ok)) return drchronoErrors.badRequest(many ? failures : failures[0]);
  const created: Record<string, unknown>[] = [];
  const rule = createRules[deps.catalog.dataResource(endpoint)];
  for (const c of checked) {
    if (!c.ok) continue;
    const id = store.allocateId();
    const values = { ...c.values };
    const refused = rule?.({ values, id, params: req.url.searchParams, stores: deps.stores });
    if (refused) return refused;
    const now = formatDateTime(deps.clock());
    const base: Record<string, unknown> = { ...values, id: endpoint.idType === 'string' ? String(id) : id };
    const record = completeRecord(schema, base);
    deriveRules[deps.catalog.dataResource(endpoint)]?.(record);
    if ('created_at' in record) record.created_at = now;
    const entry = touch(deps, record);
    store.put(id, entry);
    deps.onWrite?.(endpoint.resource, id, 'create');
    created.push(entry.record);
  }
  return json(201, many ? created : created[0]);
}

/**
 * A PATCH on a collection (DrChrono's signed consent forms: "update an existing consent form
 * signature", filtered by `patient`): the body's `consent_form` and the patient name the
 * signature(s); the other writable values are applied to them. 204, or 404 when none matches.
 */
function collectionUpdate(deps: ResourceDeps, endpoint: Endpoint, req: SimRequest): SimResponse {
  const schema = deps.catalog.schemaOf(endpoint);
  const checked = validateWrite(schema, req.body, 'patch');
  if (!checked.ok) return drchronoErrors.badRequest(checked.errors);
  const patient = req.url.searchParams.get('patient');
  // `id` (DrChrono's OpenAPI: required) narrows the update to that one signature.
  const only = req.url.searchParams.get('id');
  const form = checked.values.consent_form;
  const errors: Record<string, string[]> = {};
  if (!patient || !/^\d+$/.test(patient)) errors.patient = ['This field is required.'];
  if (form === undefined || form === null || form === '') errors.consent_form = ['This field is required.'];
  if (Object.keys(errors).length) return drchronoErrors.badRequest(errors);
  const store = storeOf(deps, endpoint);
  const matches = [...store.scan()].filter(
    ([id, e]) =>
      String(e.record.patient) === patient &&
      String(e.record.consent_form) === String(form) &&
      (only === null || String(id) === only),
  );
  if (matches.length === 0) return drchronoErrors.notFound();
  for (const [id, entry] of matches) {
    store.put(id, touch(deps, completeRecord(schema, { ...entry.record, ...checked.values })));
    deps.onWrite?.(endpoint.resource, id, 'update');
  }
  return { status: 204 };
}

function list(deps: ResourceDeps, endpoint: Endpoint, req: SimRequest): SimResponse {
  const parsed = parseListQuery(endpoint, req.url.searchParams);
  if (!parsed.ok) return drchronoErrors.badRequest(parsed.body);
  const { query } = parsed;
  // Id order; for generated appointments that is also scheduled order, as DrChrono sorts them.
  const page = idOrderPage(deps, endpoint, query);
  const schema = deps.catalog.schemaOf(endpoint);
  const results = page.entries.map((e) => presentRecord(schema, e.record, query.verbose));
  if (results.length && deps.faults.roll('malformedRecord')) {
    const at = Math.floor(deps.clock() % results.length);
    results[at] = corruptRecord(results[at] ?? {});
  }
  const link = (cursor: string | undefined) => {
    if (!cursor) return null;
    const url = new URL(`${req.baseUrl}${req.url.pathname}${req.url.search}`);
    url.searchParams.set('cursor', cursor);
    return url.toString();
  };
  return json(200, { previous: link(page.previous), results, next: link(page.next) });
}

type Page = { entries: Entry[]; previous?: string; next?: string };

/** Streams the store in id order and stops once the page (plus one look-ahead) is full. */
function idOrderPage(deps: ResourceDeps, endpoint: Endpoint, query: ListQuery): Page {
  const store = storeOf(deps, endpoint);
  const backwards = query.cursor?.b !== undefined;
  const from = backwards ? { beforeId: query.cursor?.b } : { afterId: query.cursor?.a };
  const found: [number, Entry][] = [];
  let more = false;
  for (const pair of store.scan(from)) {
    if (!query.matches(pair[1])) continue;
    if (found.length === query.pageSize) {
      more = true;
      break;
    }
    found.push(pair);
  }
  if (backwards) found.reverse();
  const first = found[0]?.[0];
  const last = found.at(-1)?.[0];
  const hasBefore = backwards ? more : query.cursor?.a !== undefined && first !== undefined;
  const hasAfter = backwards ? last !== undefined : more;
  return {
    entries: found.map(([, e]) => e),
    ...(hasBefore && first !== undefined ? { previous: encodeCursor({ b: first }) } : {}),
    ...(hasAfter && last !== undefined ? { next: encodeCursor({ a: last }) } : {}),
  };
}

/** Deletes are invisible to `since`; DrChrono lists line item deletions separately. */
function logDeletion(deps: ResourceDeps, endpoint: Endpoint, id: number, entry: Entry): void {
  const log = endpoint.deletionLog ? deps.stores(endpoint.deletionLog) : undefined;
  if (!log) return;
  const now = Math.floor(deps.clock() / 1000) * 1000;
  const logId = log.allocateId();
  log.put(logId, {
    record: {
      id: logId,
      billing_line_item_id: id,
      appointment_id: Number(entry.record.appointment ?? 0),
      created_at: formatDateTime(now),
    },
    updatedAt: now,
  });
}
