import { json, type SimResponse } from '../common/http-server.ts';
import type { createApiRoutes } from './api-guard.ts';
import { PAGE_LIMITS, RESOURCES, type ResourceSpec } from './catalog.ts';
import { listEnvelope, toPayload } from './envelopes.ts';
import { janeError } from './errors.ts';
import { parseListQuery, readPage } from './query.ts';
import type { Entry } from './store.ts';

export type ReadRouteDeps = {
  api: ReturnType<typeof createApiRoutes>;
  /** Decides, per list response, whether to corrupt one item (malformed-record fault). */
  corruptIndex(count: number): number | undefined;
};

/** Lists and single reads of every catalog resource, `POST /patients/search` and `GET /company`. */
export function addReadRoutes({ api, corruptIndex }: ReadRouteDeps): void {
  for (const spec of Object.values(RESOURCES)) {
    if (spec.list && spec.kind !== 'document_uploads') {
      api.route('GET', spec.path, spec.readScope, ({ req, clinic, apiPrefix }) => {
        const query = parseListQuery(spec, req.url.searchParams);
        if (!query.ok) {
          return janeError(400, spec.errors.badRequest, {
            id: 'INVALID_PARAMETER',
            message: query.message,
            ...(query.path ? { path: query.path } : {}),
          });
        }
        const page = readPage(clinic.store, spec, query.value);
        const items = corrupt(
          spec,
          page.items.map((e) => toPayload(spec, e)),
          corruptIndex,
        );
        return json(
          200,
          listEnvelope(
            spec,
            page,
            {
              limit: query.value.limit,
              collectionPath: `${apiPrefix}${spec.path}`,
              currentCursor: req.url.searchParams.get('page[cursor]'),
              withLinks: true,
            },
            items,
          ),
        );
      });
    }
    if (spec.kind === 'document_uploads') continue;
    api.route('GET', `${spec.path}/:${spec.idParam}`, spec.readScope, ({ req, clinic }) => {
      const entry = clinic.store.get(spec.kind, req.params[spec.idParam] ?? '');
      return entry ? json(200, toPayload(spec, entry)) : notFound(spec);
    });
  }

  const patients = RESOURCES.patients;
  api.route('POST', '/patients/search', patients.readScope, ({ req, clinic }) => {
    const parsed = parseSearchBody(req.body);
    if (typeof parsed === 'string')
      return janeError(400, 'errors', { id: 'INVALID_PARAMETER', message: parsed });
    const params = new URLSearchParams();
    if (parsed.sort) params.set('sort', parsed.sort);
    if (parsed.cursor) params.set('page[cursor]', parsed.cursor);
    if (parsed.limit !== undefined) params.set('page[limit]', String(parsed.limit));
    const query = parseListQuery(patients, params);
    if (!query.ok) return janeError(400, 'errors', { id: 'INVALID_PARAMETER', message: query.message });
    const needle = parsed.term.toLowerCase();
    const page = readPage(clinic.store, patients, query.value, (e) => searchText(e).includes(needle));
    const items = corrupt(
      patients,
      page.items.map((e) => toPayload(patients, e)),
      corruptIndex,
    );
    // No links here: GET-style URLs would put the search term back into query strings.
    return json(
      200,
      listEnvelope(
        patients,
        page,
        { limit: query.value.limit, collectionPath: '', currentCursor: null, withLinks: false },
        items,
      ),
    );
  });

  api.route('GET', '/company', 'companies:read', ({ clinic }) => json(200, clinic.company));
}

function notFound(spec: ResourceSpec): SimResponse {
  const label = spec.kind.replace(/_/g, ' ').replace(/s$/, '');
  return janeError(404, spec.errors.notFound, { id: 'NOT_FOUND', message: `The ${label} was not found` });
}

/** A copy of the page with one item given a wrong-typed field, so consumers can test quarantine. */
function corrupt(
  spec: ResourceSpec,
  items: Record<string, unknown>[],
  corruptIndex: (count: number) => number | undefined,
): Record<string, unknown>[] {
  const index = items.length ? corruptIndex(items.length) : undefined;
  if (index === undefined) return items;
  return items.map((item, i) =>
    i === index ? { ...item, [spec.malformed.field]: spec.malformed.value } : item,
  );
}

function searchText(entry: Entry): string {
  const r = entry.record;
  const phones = Array.isArray(r.phone_numbers)
    ? r.phone_numbers.map((p) => (p as { number?: string }).number)
    : [];
  return [
    r.first_name,
    r.preferred_name,
    r.last_name,
    `${r.first_name} ${r.last_name}`,
    r.email,
    r.patient_number,
    ...phones,
  ]
    .filter((v) => typeof v === 'string' && v !== '')
    .join('\n')
    .toLowerCase();
}

type SearchBody = { term: string; sort?: string; cursor?: string; limit?: number };

/** `{search:{co}, sort?, page?:{cursor?, limit?}}`, nothing else (structured filters belong to GET). */
function parseSearchBody(body: unknown): SearchBody | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return 'The body must be a JSON object';
  const { search, sort, page, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length)
    return `Unsupported field(s) in search body: ${extra.join(', ')}; use GET /patients for structured filters`;
  if (typeof search !== 'object' || search === null)
    return 'search is required, e.g. {"search": {"co": "smith"}}';
  const { co, ...otherOps } = search as Record<string, unknown>;
  if (Object.keys(otherOps).length) return 'search supports only the co (contains) operator';
  if (typeof co !== 'string' || co.length === 0 || co.length > 255)
    return 'search.co must be a string of 1 to 255 characters';
  if (sort !== undefined && typeof sort !== 'string') return 'sort must be a string';
  const out: SearchBody = { term: co, ...(sort ? { sort } : {}) };
  if (page !== undefined) {
    if (typeof page !== 'object' || page === null) return 'page must be an object';
    const { cursor, limit, ...pageRest } = page as Record<string, unknown>;
    if (Object.keys(pageRest).length) return 'page supports only cursor and limit';
    if (cursor !== undefined && typeof cursor !== 'string') return 'page.cursor must be a string';
    if (
      limit !== undefined &&
      (!Number.isInteger(limit) || (limit as number) < 1 || (limit as number) > PAGE_LIMITS.max)
    ) {
      return `page.limit must be an integer between 1 and ${PAGE_LIMITS.max}`;
    }
    if (cursor) out.cursor = cursor;
    if (limit !== undefined) out.limit = limit as number;
  }
  return out;
}
