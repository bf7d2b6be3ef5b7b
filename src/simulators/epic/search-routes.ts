import type { Clock } from '../common/clock.ts';
import type { FaultInjector } from '../common/faults.ts';
import type { SimRequest, SimResponse } from '../common/http-server.ts';
import type { Rng } from '../common/rng.ts';
import { EpicHttpError, epicIssue, fhirJson } from './epic-outcome.ts';
import type { Bundle, Resource } from './fhir-types.ts';
import { corruptRecord } from './malformed-record.ts';
import type { ResourceStore } from './resource-store.ts';
import type { SearchEngine } from './search-engine.ts';
import type { SearchSessions } from './search-sessions.ts';

export type SearchRouteDeps = {
  store: ResourceStore;
  engine: SearchEngine;
  sessions: SearchSessions;
  faults: FaultInjector;
  rng: Rng;
  clock: Clock;
  fhirBasePath: string;
  /** Default and maximum page size (`_count`). */
  defaultPageSize: number;
  maxPageSize: number;
  /** Builds records computed on read (the bulk Group lists the current patients). */
  readVirtual?(type: string, id: string): Resource | undefined;
};

/** GET [type]/[id] */
export function readRecord(deps: SearchRouteDeps, type: string, id: string): SimResponse {
  const record = deps.readVirtual?.(type, id) ?? deps.store.get(type, id);
  if (!record) throw new EpicHttpError('4102', `No ${type} with that id`);
  return fhirJson(200, maybeCorrupt(deps, record), lastModified(record));
}

/** GET [type]?… and POST [type]/_search, with Epic's sessionID paging. */
export function searchRecords(deps: SearchRouteDeps, type: string, req: SimRequest): SimResponse {
  const query = new URLSearchParams(req.url.search);
  if (req.method === 'POST' && req.body && typeof req.body === 'object') {
    for (const [k, v] of Object.entries(req.body as Record<string, string>)) query.append(k, String(v));
  }
  const count = parseCount(query.get('_count'), deps);
  const sessionID = query.get('sessionID');
  const queryKey = canonicalQuery(query);
  const base = `${req.baseUrl}${deps.fhirBasePath}/${type}`;

  let refs: string[];
  let offset: number;
  let sessionOf: (offset: number) => string;
  if (sessionID) {
    const page = deps.sessions.resume(sessionID, queryKey);
    refs = page.refs;
    offset = page.offset;
    sessionOf = page.sessionOf;
  } else {
    const matches = deps.engine.search(type, query);
    refs = matches.map((r) => `${r.resourceType}/${r.id}`);
    offset = 0;
    sessionOf = (o) => deps.sessions.open(queryKey, refs, o);
  }

  const page: Resource[] = [];
  for (const ref of refs.slice(offset, offset + count)) {
    const [t = '', id = ''] = ref.split('/');
    const record = deps.store.get(t, id);
    if (record) page.push(record);
  }
  const link: NonNullable<Bundle['link']> = [
    { relation: 'self', url: `${base}?${req.url.searchParams.toString()}` },
  ];
  if (offset + count < refs.length)
    link.push({
      relation: 'next',
      url: `${base}?${queryKey}${queryKey ? '&' : ''}sessionID=${sessionOf(offset + count)}`,
    });

  const corruptAt =
    page.length > 0 && deps.faults.roll('malformedRecord') ? deps.rng.int(0, page.length - 1) : -1;
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    total: refs.length,
    link,
    entry: page.map((r, i) => ({
      link: [{ relation: 'self', url: `${req.baseUrl}${deps.fhirBasePath}/${r.resourceType}/${r.id}` }],
      fullUrl: `${req.baseUrl}${deps.fhirBasePath}/${r.resourceType}/${r.id}`,
      resource: i === corruptAt ? corruptRecord(r) : r,
      search: { mode: 'match' },
    })),
  };
  if (refs.length === 0) {
    // Epic answers an empty search with a 4101 warning entry rather than an empty Bundle.
    bundle.entry = [
      {
        resource: { resourceType: 'OperationOutcome', issue: [epicIssue('4101')] },
        search: { mode: 'outcome' },
      },
    ];
  }
  return fhirJson(200, bundle);
}

function maybeCorrupt(deps: SearchRouteDeps, record: Resource): Resource {
  return deps.faults.roll('malformedRecord') ? corruptRecord(record) : record;
}

function lastModified(record: Resource): Record<string, string> {
  const headers: Record<string, string> = {};
  if (record.meta?.lastUpdated) headers['last-modified'] = new Date(record.meta.lastUpdated).toUTCString();
  if (record.meta?.versionId) headers.etag = `W/"${record.meta.versionId}"`;
  return headers;
}

function parseCount(raw: string | null, deps: SearchRouteDeps): number {
  if (raw === null) return deps.defaultPageSize;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new EpicHttpError('4100', '_count must be a positive integer');
  return Math.min(n, deps.maxPageSize);
}

/** The query without its paging token, in a stable order, so a next link can be checked. */
function canonicalQuery(query: URLSearchParams): string {
  const copy = new URLSearchParams([...query].filter(([k]) => k !== 'sessionID'));
  copy.sort();
  return copy.toString();
}
