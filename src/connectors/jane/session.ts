import type { Connection } from '../../store/port.ts';
import { parseConnectionConfig } from '../common/config-error.ts';
import type { ConnectorDeps } from '../common/connector-deps.ts';
import { pageSizeFor } from '../common/connector-deps.ts';
import { createOAuthTokenKeeper } from '../common/oauth-tokens.ts';
import { createSessionTransport } from '../common/session-transport.ts';
import { type CatalogRow, type ConnectorSession, type RecordPage, SourceError } from '../connector.ts';
import { JANE_API_VERSION, type JaneCatalogRow } from './catalog.ts';
import { JANE_BUDGET, JANE_PAGE_LIMIT, JANE_REFRESH_AHEAD_MS, janeConfigSchema } from './config.ts';

/**
 * A Jane session. Polls of `updated-at-gte-second` rows ask `updated_at[gte]=<watermark>` sorted
 * by `updated_at`; payloads carry no `updated_at`, so the watermark is the source's own clock
 * (the `Date` header of the first page) minus 2 s, floored to the second: everything changed
 * after the query started is re-read next time, and the inclusive boundary re-reads are
 * deduped by the store's content hash.
 */
export function openJaneSession(deps: ConnectorDeps, connection: Connection): ConnectorSession {
  const config = parseConnectionConfig(janeConfigSchema, connection.config, 'jane');
  const apiBase = `${config.clinicUrl}/api/${JANE_API_VERSION}`;
  const pageLimit = pageSizeFor(deps, JANE_PAGE_LIMIT);
  const tokens = createOAuthTokenKeeper(
    {
      store: deps.store,
      fetch: deps.fetch,
      now: deps.now,
      inflight: deps.shared.refreshes,
      refreshAheadMs: JANE_REFRESH_AHEAD_MS,
    },
    {
      tenant: connection.tenant,
      connectionId: connection.id,
      source: 'jane',
      tokenUrl: config.tokenUrl,
      clientId: config.clientId,
    },
  );
  // Jane limits per clinic: two connections to one clinic share its budget.
  const { http, track, status, refreshStatus } = createSessionTransport(deps, {
    source: 'jane',
    connection,
    budgetKey: `jane:${config.clinicUrl}`,
    budget: JANE_BUDGET,
    tokens,
    // Jane's error code (`VALIDATION_ERROR`, `NOT_FOUND`…) travels with a refusal; its text never does.
    errors: { errorEnvelope: janeErrorEnvelope, errorCode: janeErrorEnvelope },
  });

  async function* poll(
    row: JaneCatalogRow,
    watermark: string | undefined,
    signal?: AbortSignal,
  ): AsyncGenerator<RecordPage> {
    if (row.polledBy) return;
    if (row.envelope === 'object') {
      const res = await track(() =>
        http.send({
          method: 'GET',
          url: `${apiBase}${row.path}`,
          endpoint: `GET ${row.path}`,
          check: isObject,
          ...sig(signal),
        }),
      );
      yield { records: [res.body], watermark: new Date(deps.now()).toISOString() };
      return;
    }
    const incremental = row.cursor === 'updated-at-gte-second';
    const query = new URLSearchParams({ 'page[limit]': String(pageLimit) });
    if (incremental) {
      query.set('sort', 'updated_at');
      if (watermark !== undefined) query.set('updated_at[gte]', watermark);
    }
    let url = `${apiBase}${row.path}?${query}`;
    let nextWatermark: string | undefined;
    for (;;) {
      const res = await track(() =>
        http.send({ method: 'GET', url, endpoint: `GET ${row.path}`, check: listCheck(row), ...sig(signal) }),
      );
      if (incremental && nextWatermark === undefined) nextWatermark = watermarkFrom(res.headers, deps.now());
      const page = readList(row, res.body);
      if (!page.next) {
        yield {
          records: page.items,
          watermark: incremental ? nextWatermark : new Date(deps.now()).toISOString(),
        };
        return;
      }
      yield { records: page.items, watermark: undefined };
      url = `${apiBase}${row.path}?${new URLSearchParams({ 'page[cursor]': page.next, 'page[limit]': String(pageLimit) })}`;
    }
  }

  return {
    connection,
    poll: (request) => poll(request.row as JaneCatalogRow, request.watermark, request.signal),
    async read(row, nativeId, signal) {
      try {
        const res = await track(() =>
          http.send({
            method: 'GET',
            url: `${apiBase}${row.path}/${encodeURIComponent(nativeId)}`,
            endpoint: `GET ${row.path}/{id}`,
            check: isObject,
            ...sig(signal),
          }),
        );
        return res.body;
      } catch (err) {
        if (err instanceof SourceError && err.code === 'not_found') return undefined;
        throw err;
      }
    },
    async write(row, operation, payload, signal) {
      const method = operation === 'create' ? 'POST' : operation === 'delete' ? 'DELETE' : 'PATCH';
      if (!allowed(row, operation))
        throw new SourceError('rejected', `jane ${row.key} does not support ${operation}`);
      const item = operation === 'create' ? '' : `/${encodeURIComponent(payload.nativeId ?? '')}`;
      // JDP update bodies are strict: only the row's update fields go (read-only ones never).
      const body =
        operation === 'create' || !row.updateFields
          ? (payload.body ?? {})
          : pick(payload.body ?? {}, row.updateFields);
      const res = await track(() =>
        http.send({
          method,
          url: `${apiBase}${row.path}${item}`,
          endpoint: `${method} ${row.path}${item ? '/{id}' : ''}`,
          headers: { 'content-type': 'application/json' },
          // JDP wraps write bodies in `data`.
          body: JSON.stringify({ data: body }),
          idempotent: method !== 'POST',
          ...sig(signal),
        }),
      );
      return res.body;
    },
    async invoke(operation, input, signal) {
      const path = operation.path
        .replace('{parentId}', encodeURIComponent(input.parentNativeId ?? ''))
        .replace('{id}', encodeURIComponent(input.nativeId ?? ''));
      const { id: _id, created_at: _c, updated_at: _u, ...body } = input.body ?? {};
      const res = await track(() =>
        http.send({
          method: operation.method,
          url: `${apiBase}${path}`,
          endpoint: `${operation.method} ${operation.path}`,
          headers: { 'content-type': 'application/json' },
          ...(operation.method === 'GET' ? {} : { body: JSON.stringify({ data: body }) }),
          idempotent: operation.method !== 'POST',
          ...sig(signal),
        }),
      );
      return res.body;
    },
    status,
    refreshStatus,
    async close() {},
  };
}

function pick(body: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([key]) => fields.includes(key)));
}

function allowed(row: CatalogRow, operation: 'create' | 'update' | 'patch' | 'delete'): boolean {
  return row.operations.includes(operation) || (operation === 'update' && row.operations.includes('patch'));
}

const sig = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

/** Jane's three error envelopes: `{errors:[{id}]}`, `{error}`, `{object:"error", code}`. */
function janeErrorEnvelope(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  if (b.object === 'error') return typeof b.code === 'string' ? b.code : 'error';
  if (Array.isArray(b.errors)) {
    const first = b.errors[0] as { id?: unknown } | undefined;
    return typeof first?.id === 'string' ? first.id : 'errors';
  }
  if (typeof b.error === 'string' && !('items' in b)) return 'error';
  return undefined;
}

const isObject = (body: unknown) =>
  body && typeof body === 'object' && !Array.isArray(body) ? undefined : 'a body that is not a JSON object';

function listCheck(row: JaneCatalogRow) {
  return (body: unknown) => {
    const b = body as Record<string, unknown> | undefined;
    if (!b || !Array.isArray(b.items)) return 'a list without items';
    if (row.envelope === 'medications' && (typeof b.pagination !== 'object' || b.pagination === null))
      return 'a medications list without pagination';
    return undefined;
  };
}

function readList(row: JaneCatalogRow, body: unknown): { items: unknown[]; next: string | undefined } {
  const b = body as {
    items: unknown[];
    cursor?: unknown;
    hasNextPage?: unknown;
    pagination?: Record<string, unknown>;
  };
  if (row.envelope === 'medications') {
    const p = b.pagination ?? {};
    return {
      items: b.items,
      next: p.has_next_page === true && typeof p.next_cursor === 'string' ? p.next_cursor : undefined,
    };
  }
  return {
    items: b.items,
    next: b.hasNextPage === true && typeof b.cursor === 'string' ? b.cursor : undefined,
  };
}

/** The source's clock at the first page, minus 2 s, to the second (Jane's filter precision). */
function watermarkFrom(headers: Headers, localNow: number): string {
  const date = Date.parse(headers.get('date') ?? '');
  const at = (Number.isNaN(date) ? localNow : date) - 2000;
  return `${new Date(at).toISOString().slice(0, 19)}Z`;
}
