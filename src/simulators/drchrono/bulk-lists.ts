import { randomUUID } from 'node:crypto';
import type { Clock } from '../common/clock.ts';
import { json, type Router, type SimRequest, type SimResponse } from '../common/http-server.ts';
import type { AccessGate } from './access.ts';
import type { Catalog, Endpoint } from './catalog.ts';
import { drchronoErrors } from './errors.ts';
import { parseListQuery } from './list-query.ts';
import { presentRecord } from './shape.ts';
import type { ResourceStore } from './store.ts';

/** Bulk `*_list` jobs: POST starts one (201 + uuid), GET `?uuid=` answers its page; kept 1 hour. */
const JOB_TTL_MS = 3_600_000;
const MAX_BULK_PAGE_SIZE = 1000;

type Job = { createdAt: number; records: Record<string, unknown>[]; pageSize: number; page: number };

export function addBulkListRoutes(
  router: Router,
  deps: {
    catalog: Catalog;
    stores: (resource: string) => ResourceStore | undefined;
    clock: Clock;
    gate: AccessGate;
  },
): void {
  const jobs = new Map<string, Job>();
  for (const endpoint of deps.catalog.endpoints) {
    if (endpoint.kind !== 'bulk' || !endpoint.bulkOf) continue;
    const target = deps.catalog.endpoint(endpoint.bulkOf);
    if (!target) continue;
    const handler = (req: SimRequest): SimResponse => {
      const gated = deps.gate(req, endpoint, 'read');
      if (!('token' in gated)) return gated;
      if (req.method === 'POST') return start(deps, endpoint, target, req, jobs);
      if (req.method === 'GET') return fetchJob(deps.clock, req, jobs);
      return drchronoErrors.methodNotAllowed(req.method, endpoint.collectionMethods);
    };
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      router.add(method, endpoint.path, handler);
      router.add(method, `${endpoint.path}/`, handler);
    }
  }
}

function start(
  deps: { catalog: Catalog; stores: (resource: string) => ResourceStore | undefined; clock: Clock },
  endpoint: Endpoint,
  target: Endpoint,
  req: SimRequest,
  jobs: Map<string, Job>,
): SimResponse {
  const params = new URLSearchParams(req.url.searchParams);
  const pageSize = Number(params.get('page_size') ?? MAX_BULK_PAGE_SIZE);
  const page = Number(params.get('page') ?? 1);
  if (!Number.isInteger(pageSize) || pageSize < 1)
    return drchronoErrors.badRequest({ page_size: ['A valid positive integer is required.'] });
  if (!Number.isInteger(page) || page < 1)
    return drchronoErrors.badRequest({ page: ['A valid positive integer is required.'] });
  const orderBy = params.get('order_by') ?? 'id';
  if (!['id', 'updated_at'].includes(orderBy))
    return drchronoErrors.badRequest({ order_by: [`"${orderBy}" is not a valid choice.`] });
  params.delete('page_size');
  const parsed = parseListQuery({ ...target, requireOneOf: [], requiredParams: [] }, params);
  if (!parsed.ok) return drchronoErrors.badRequest(parsed.body);
  const store = deps.stores(deps.catalog.dataResource(target));
  const schema = deps.catalog.schemaOf(target);
  const matched: { updatedAt: number; record: Record<string, unknown> }[] = [];
  for (const [, entry] of store?.scan() ?? []) if (parsed.query.matches(entry)) matched.push(entry);
  if (orderBy === 'updated_at') matched.sort((a, b) => a.updatedAt - b.updatedAt);
  const uuid = randomUUID();
  jobs.set(uuid, {
    createdAt: deps.clock(),
    records: matched.map((e) => presentRecord(schema, e.record, parsed.query.verbose)),
    pageSize: Math.min(pageSize, MAX_BULK_PAGE_SIZE),
    page,
  });
  return json(201, {
    status: 'In progress',
    uuid,
    description: `Call ${req.baseUrl}${endpoint.path}?uuid=${uuid} to get the list`,
  });
}

function fetchJob(clock: Clock, req: SimRequest, jobs: Map<string, Job>): SimResponse {
  const uuid = req.url.searchParams.get('uuid') ?? '';
  const job = jobs.get(uuid);
  if (!job || clock() - job.createdAt > JOB_TTL_MS) {
    jobs.delete(uuid);
    return drchronoErrors.badRequest({ detail: 'Invalid uuid specified' });
  }
  const page = Number(req.url.searchParams.get('page') ?? job.page);
  const pages = Math.max(1, Math.ceil(job.records.length / job.pageSize));
  const safePage = Number.isInteger(page) && page >= 1 ? page : 1;
  return json(200, {
    status: 'Complete',
    uuid,
    pagination: { count: job.records.length, pages, page_size: job.pageSize, page: safePage },
    results: job.records.slice((safePage - 1) * job.pageSize, safePage * job.pageSize),
  });
}
