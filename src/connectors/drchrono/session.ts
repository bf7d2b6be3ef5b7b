import type { Connection } from '../../store/port.ts';
import { parseConnectionConfig } from '../common/config-error.ts';
import { type ConnectorDeps, pageSizeFor } from '../common/connector-deps.ts';
import { createOAuthTokenKeeper } from '../common/oauth-tokens.ts';
import { sameOriginUrl } from '../common/same-origin.ts';
import { createSessionTransport } from '../common/session-transport.ts';
import { type ConnectorSession, type RecordPage, SourceError } from '../connector.ts';
import type { DrChronoCatalogRow } from './catalog.ts';
import {
  DRCHRONO_BUDGET,
  DRCHRONO_BULK_PAGE_SIZE,
  DRCHRONO_EPOCH_DATE,
  DRCHRONO_OVERLAP_DAYS,
  DRCHRONO_PAGE_SIZE,
  DRCHRONO_REFRESH_AHEAD_MS,
  drchronoConfigSchema,
} from './config.ts';

/**
 * A DrChrono session. `since-date-overlap` rows ask `since=<day before the watermark>`; the
 * watermark is the latest `updated_at` seen (a naive local timestamp), stored once the last page
 * of the poll is committed. `updated-since` (messages) asks `updated_since=<watermark>`.
 * Boundary re-reads are deduped by the store's content hash.
 */
export function openDrChronoSession(deps: ConnectorDeps, connection: Connection): ConnectorSession {
  const config = parseConnectionConfig(drchronoConfigSchema, connection.config, 'drchrono');
  const tokenUrl = config.tokenUrl ?? `${config.baseUrl}/o/token/`;
  const tokens = createOAuthTokenKeeper(
    {
      store: deps.store,
      fetch: deps.fetch,
      now: deps.now,
      inflight: deps.shared.refreshes,
      refreshAheadMs: DRCHRONO_REFRESH_AHEAD_MS,
    },
    {
      tenant: connection.tenant,
      connectionId: connection.id,
      source: 'drchrono',
      tokenUrl,
      clientId: config.clientId,
    },
  );
  // The limits are per API application: every connection of one app shares them.
  const { http, track, status, refreshStatus } = createSessionTransport(deps, {
    source: 'drchrono',
    connection,
    budgetKey: `drchrono:${new URL(config.baseUrl).origin}:${config.clientId}`,
    budget: DRCHRONO_BUDGET,
    tokens,
    errors: { errorCode: drchronoErrorCode },
  });

  async function* poll(
    row: DrChronoCatalogRow,
    watermark: string | undefined,
    signal?: AbortSignal,
  ): AsyncGenerator<RecordPage> {
    if (row.polledBy) return;
    if (watermark === undefined && row.bulkPath) {
      yield* bulkBackfill(row, row.bulkPath, signal);
      return;
    }
    const query = new URLSearchParams({
      page_size: String(pageSizeFor(deps, DRCHRONO_PAGE_SIZE)),
      ...row.listParams,
    });
    if (row.cursor === 'since-date-overlap') {
      // A backfill reads everything: no filter, unless the list requires one.
      if (watermark) query.set('since', dayBefore(watermark));
      else if (row.requiresSince) query.set('since', DRCHRONO_EPOCH_DATE);
    } else if (row.cursor === 'updated-since' && watermark) {
      query.set('updated_since', watermark);
    }
    let url = `${config.baseUrl}${row.path}?${query}`;
    let latest = watermark;
    for (;;) {
      const res = await track(() =>
        http.send({
          method: 'GET',
          url,
          endpoint: `GET ${row.path}`,
          check: listCheck,
          ...(signal ? { signal } : {}),
        }),
      );
      const body = res.body as { results?: unknown[]; data?: unknown[]; next?: unknown };
      const items = body.results ?? body.data ?? [];
      for (const item of items) {
        // Records never updated carry only created_at (deletion notices, prescription messages);
        // `since` is "created or updated on or after", so either moves the watermark safely.
        const stamps = item as { updated_at?: unknown; created_at?: unknown };
        const updated = stamps.updated_at ?? stamps.created_at;
        if (typeof updated === 'string' && (latest === undefined || updated > latest)) latest = updated;
      }
      const next =
        typeof body.next === 'string' && body.next
          ? sameOriginUrl(body.next, config.baseUrl, 'drchrono')
          : undefined;
      if (!next) {
        const done = row.cursor === 'full-scan' ? new Date(deps.now()).toISOString() : latest;
        yield { records: items, watermark: done };
        return;
      }
      yield { records: items, watermark: undefined };
      url = next;
    }
  }

  /**
   * A backfill through DrChrono's bulk list: POST starts a job over every record (1 h cache),
   * GET `?uuid=&page=N` reads its pages of up to 1,000. The watermark is the latest `updated_at`.
   */
  async function* bulkBackfill(
    row: DrChronoCatalogRow,
    bulkPath: string,
    signal?: AbortSignal,
  ): AsyncGenerator<RecordPage> {
    const pageSize = pageSizeFor(deps, DRCHRONO_BULK_PAGE_SIZE);
    const started = await track(() =>
      http.send({
        method: 'POST',
        url: `${config.baseUrl}${bulkPath}?${new URLSearchParams({ page_size: String(pageSize), order_by: 'updated_at', ...row.listParams })}`,
        endpoint: `POST ${bulkPath}`,
        // Starting a read job twice creates nothing in the practice: safe to retry.
        idempotent: true,
        check: (body) =>
          typeof (body as { uuid?: unknown })?.uuid === 'string' ? undefined : 'a bulk job without uuid',
        ...(signal ? { signal } : {}),
      }),
    );
    const uuid = (started.body as { uuid: string }).uuid;
    let latest: string | undefined;
    for (let page = 1, pages = 1; page <= pages; page++) {
      const res = await track(() =>
        http.send({
          method: 'GET',
          url: `${config.baseUrl}${bulkPath}?${new URLSearchParams({ uuid, page: String(page) })}`,
          endpoint: `GET ${bulkPath}`,
          check: bulkPageCheck,
          ...(signal ? { signal } : {}),
        }),
      );
      const body = res.body as { results: unknown[]; pagination: { pages: number } };
      pages = body.pagination.pages;
      for (const item of body.results) {
        // Records never updated carry only created_at (deletion notices, prescription messages);
        // `since` is "created or updated on or after", so either moves the watermark safely.
        const stamps = item as { updated_at?: unknown; created_at?: unknown };
        const updated = stamps.updated_at ?? stamps.created_at;
        if (typeof updated === 'string' && (latest === undefined || updated > latest)) latest = updated;
      }
      yield { records: body.results, watermark: page >= pages ? latest : undefined };
    }
  }

  /** The practice of the connected account (`/api/users/current` → its user), read once per session. */
  let practice: Promise<number> | undefined;
  const practiceGroup = (signal?: AbortSignal): Promise<number> => {
    const get = (url: string, endpoint: string) =>
      track(() => http.send({ method: 'GET', url, endpoint, ...(signal ? { signal } : {}) }));
    practice ??= (async () => {
      // DrChrono answers `/api/users/current` with a 302 to the user's own record.
      const current = await get(`${config.baseUrl}/api/users/current`, 'GET /api/users/current');
      const location = current.headers.get('location');
      const user = location
        ? await get(sameOriginUrl(location, config.baseUrl, 'drchrono'), 'GET /api/users/{id}')
        : current;
      const group = String((user.body as { practice_group?: unknown } | undefined)?.practice_group ?? '');
      if (!/^\d+$/.test(group))
        throw new SourceError(
          'bad_response',
          'drchrono GET /api/users/{id} answered a user without practice_group',
        );
      return Number(group);
    })();
    practice.catch(() => {
      practice = undefined;
    });
    return practice;
  };

  /** What a create needs that FHIR input does not carry (see the row flags). */
  const completeCreate = async (
    row: DrChronoCatalogRow,
    body: Record<string, unknown> | undefined,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown> | undefined> => {
    if (!body) return body;
    const out = { ...body };
    if (row.practiceGroupOnCreate && out.practice_group === undefined)
      out.practice_group = await practiceGroup(signal);
    if (row.examRoomOnCreate && out.exam_room === undefined && /^\d+$/.test(String(out.office ?? ''))) {
      const office = (await track(() =>
        http.send({
          method: 'GET',
          url: `${config.baseUrl}/api/offices/${encodeURIComponent(String(out.office))}`,
          endpoint: 'GET /api/offices/{id}',
          ...(signal ? { signal } : {}),
        }),
      )) as { body: { exam_rooms?: Array<{ index?: unknown }> } };
      const first = office.body.exam_rooms?.find((r) => Number.isInteger(r.index))?.index;
      // No room: DrChrono's own 400 (exam_room required) says so.
      if (first !== undefined) out.exam_room = first;
    }
    return out;
  };

  /**
   * A signed consent form's update: DrChrono PATCHes the collection, filtered by the signature's id
   * and patient, with the body naming its consent form; the record is read first for those two.
   */
  const patchOnCollection = async (
    row: DrChronoCatalogRow,
    id: string,
    body: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<unknown> => {
    const read = async () => {
      const res = await track(() =>
        http.send({
          method: 'GET',
          url: itemUrl(row, id),
          endpoint: `GET ${row.path}/{id}`,
          ...(signal ? { signal } : {}),
        }),
      );
      return res.body as Record<string, unknown>;
    };
    const current = await read();
    const query = new URLSearchParams({ id, patient: String(current.patient ?? '') });
    await track(() =>
      http.send({
        method: 'PATCH',
        url: `${config.baseUrl}${row.path}?${query}`,
        endpoint: `PATCH ${row.path}`,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, id: Number(id), consent_form: current.consent_form }),
        // Setting the same fields twice is harmless.
        idempotent: true,
        expect: 'none',
        ...(signal ? { signal } : {}),
      }),
    );
    return read();
  };

  const itemUrl = (row: DrChronoCatalogRow, id: string | undefined) =>
    `${config.baseUrl}${row.path}${id === undefined ? '' : `/${encodeURIComponent(id)}`}`;

  return {
    connection,
    poll: (request) => poll(request.row as DrChronoCatalogRow, request.watermark, request.signal),
    async read(row, nativeId, signal) {
      const keys = (row as DrChronoCatalogRow).lookupKeys;
      const values = keys ? nativeId.split('-') : [];
      if (keys && values.length !== keys.length) return undefined;
      try {
        const res = await track(() =>
          http.send({
            method: 'GET',
            // The list's switches (verbose) too, so a read maps as a poll of the same record does.
            url: keys
              ? withQuery(
                  itemUrl(row as DrChronoCatalogRow, undefined),
                  Object.fromEntries(keys.map((k, i) => [k, values[i] ?? ''])),
                )
              : withQuery(
                  itemUrl(row as DrChronoCatalogRow, nativeId),
                  (row as DrChronoCatalogRow).listParams,
                ),
            endpoint: keys ? `GET ${row.path}` : `GET ${row.path}/{id}`,
            ...(signal ? { signal } : {}),
          }),
        );
        return res.body;
      } catch (err) {
        if (err instanceof SourceError && err.code === 'not_found') return undefined;
        throw err;
      }
    },
    async write(row, operation, payload, signal) {
      if (!row.operations.includes(operation))
        throw new SourceError('rejected', `drchrono ${row.key} does not support ${operation}`);
      const method = ({ create: 'POST', update: 'PUT', patch: 'PATCH', delete: 'DELETE' } as const)[
        operation
      ];
      const id = operation === 'create' ? undefined : payload.nativeId;
      if (operation !== 'create' && !id)
        throw new SourceError('rejected', `drchrono ${row.key} ${operation} needs a native id`);
      const drow = row as DrChronoCatalogRow;
      if (drow.patchOnCollection && (operation === 'update' || operation === 'patch'))
        return patchOnCollection(drow, id ?? '', payload.body ?? {}, signal);
      const body = operation === 'create' ? await completeCreate(drow, payload.body, signal) : payload.body;
      const res = await track(() =>
        http.send({
          method,
          url: itemUrl(drow, id),
          endpoint: `${method} ${row.path}${id === undefined ? '' : '/{id}'}`,
          headers: { 'content-type': 'application/json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
          // No idempotency key at DrChrono: a retried POST would create a second record.
          idempotent: method !== 'POST',
          expect: method === 'POST' ? 'json' : 'none',
          ...(signal ? { signal } : {}),
        }),
      );
      // PUT/PATCH answer 204 with no body: read the record back as it now stands. DELETE answers
      // 204 too; where DrChrono deletes softly (appointments, documents) the record still reads.
      if (method === 'PUT' || method === 'PATCH' || method === 'DELETE')
        return this.read(row, id ?? '', signal);
      return res.body;
    },
    async invoke(operation, input, signal) {
      const path = operation.path.replace(/\{(id|parentId)\}/g, (_m, key: string) => {
        const value = key === 'id' ? input.nativeId : input.parentNativeId;
        if (!value) throw new SourceError('rejected', `drchrono ${operation.id} needs ${key}`);
        return encodeURIComponent(value);
      });
      const endpoint = `${operation.method} ${operation.path}`;
      const res = await track(() =>
        http.send({
          method: operation.method,
          url: `${config.baseUrl}${path}`,
          endpoint,
          ...(input.body
            ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(input.body) }
            : {}),
          // Sending an invite twice sends two e-mails: only reads and removals are retried.
          idempotent: operation.method !== 'POST',
          ...(signal ? { signal } : {}),
        }),
      );
      return res.body;
    },
    status,
    refreshStatus,
    async close() {},
  };
}

function withQuery(url: string, params: Readonly<Record<string, string>> | undefined): string {
  return params && Object.keys(params).length ? `${url}?${new URLSearchParams(params)}` : url;
}

/**
 * A code for a DrChrono refusal: DRF answers 400 with `{"<field>": ["<message>"]}`; the first
 * field's name is kept (`field:exam_room`), never the message (it may quote the value).
 */
export function drchronoErrorCode(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const field = Object.entries(body).find(([key, value]) => key !== 'detail' && Array.isArray(value))?.[0];
  return field ? `field:${field}` : undefined;
}

function bulkPageCheck(body: unknown): string | undefined {
  const b = body as { status?: unknown; results?: unknown; pagination?: { pages?: unknown } } | undefined;
  if (b?.status !== 'Complete') return 'a bulk job that is not complete';
  if (!Array.isArray(b.results) || typeof b.pagination?.pages !== 'number')
    return 'a bulk page without results';
  return undefined;
}

function listCheck(body: unknown): string | undefined {
  const b = body as Record<string, unknown> | undefined;
  if (!b || typeof b !== 'object') return 'a body that is not a JSON object';
  if (!Array.isArray(b.results) && !Array.isArray(b.data)) return 'a list without results';
  return undefined;
}

/** The date (YYYY-MM-DD) a day before a DrChrono timestamp or date. */
function dayBefore(watermark: string): string {
  const day = Date.parse(`${watermark.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(day)) return DRCHRONO_EPOCH_DATE;
  return new Date(day - DRCHRONO_OVERLAP_DAYS * 86_400_000).toISOString().slice(0, 10);
}
