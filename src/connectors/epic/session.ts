import type { Connection } from '../../store/port.ts';
import { sleep } from '../common/backoff.ts';
import { parseConnectionConfig } from '../common/config-error.ts';
import { type ConnectorDeps, pageSizeFor } from '../common/connector-deps.ts';
import type { HttpClient } from '../common/http-client.ts';
import { retryAfterMs } from '../common/retry-after.ts';
import { sameOriginUrl } from '../common/same-origin.ts';
import { createSessionTransport } from '../common/session-transport.ts';
import { type ConnectorSession, type RecordPage, SourceError } from '../connector.ts';
import { createEpicTokenSource } from './backend-token.ts';
import type { EpicCatalogRow } from './catalog.ts';
import {
  EPIC_BUDGET,
  EPIC_EXPORT_PAGE,
  EPIC_MAX_STATUS_POLLS,
  EPIC_MAX_STATUS_WAIT_MS,
  EPIC_PAGE_COUNT,
  type EpicConfig,
  epicConfigSchema,
} from './config.ts';
import { EPIC_OPERATIONS } from './operations.ts';

/** Epic answers these when a search matches more than it will return (Patient / others). */
const TOO_MANY = new Set(['4127', '59133']);
const EARLIEST = Date.parse('1900-01-01T00:00:00Z');

/**
 * An Epic session. `bulk-export-since` rows run `Group/[id]/$export?_type=<T>[&_since=<wm>]`
 * (kick-off, status polls honouring Retry-After, NDJSON files streamed as pages); the watermark
 * is the export's transactionTime minus 1 s. `last-updated` rows (DocumentReference) search
 * `_lastUpdated=ge<wm>`, following `sessionID` next links, and split the time range in halves
 * when Epic refuses more than 100 matches.
 */
export function openEpicSession(deps: ConnectorDeps, connection: Connection): ConnectorSession {
  const config = parseConnectionConfig(epicConfigSchema, connection.config, 'epic');
  const tokens = createEpicTokenSource(deps, connection, config);
  const { http, track, status, refreshStatus } = createSessionTransport(deps, {
    source: 'epic',
    connection,
    budgetKey: `epic:${connection.tenant}/${connection.id}`,
    budget: EPIC_BUDGET,
    tokens,
    errors: { errorCode: operationOutcomeCode },
  });
  const fhirHeaders = { accept: 'application/fhir+json' };

  async function* poll(
    row: EpicCatalogRow,
    watermark: string | undefined,
    signal?: AbortSignal,
  ): AsyncGenerator<RecordPage> {
    if (row.polledBy) return;
    if (row.cursor === 'last-updated') yield* pollLastUpdated(row, watermark, signal);
    else yield* pollExport(http, config, row, watermark, track, pageSizeFor(deps, EPIC_EXPORT_PAGE), signal);
  }

  async function* pollLastUpdated(
    row: EpicCatalogRow,
    watermark: string | undefined,
    signal?: AbortSignal,
  ): AsyncGenerator<RecordPage> {
    let latest = watermark;
    // Windows still to read, earliest first: [from, to) with `to` open-ended at first.
    const windows: Array<[number, number | undefined]> = [
      [watermark ? Date.parse(watermark) : EARLIEST, undefined],
    ];
    while (windows.length > 0) {
      const [from, to] = windows.shift() as [number, number | undefined];
      const query = new URLSearchParams({ _count: String(pageSizeFor(deps, EPIC_PAGE_COUNT)) });
      query.append('_lastUpdated', `ge${new Date(from).toISOString()}`);
      if (to !== undefined) query.append('_lastUpdated', `lt${new Date(to).toISOString()}`);
      let url: string | undefined = `${config.fhirBaseUrl}/${row.fhirType}?${query}`;
      const pages: unknown[][] = [];
      try {
        while (url) {
          const pageUrl: string = url;
          const res = await track(() =>
            http.send({
              method: 'GET',
              url: pageUrl,
              endpoint: `GET ${row.fhirType}`,
              headers: fhirHeaders,
              check: bundleCheck,
              ...sig(signal),
            }),
          );
          const bundle = res.body as Bundle;
          pages.push(resourcesOf(bundle));
          const next = bundle.link?.find((l) => l.relation === 'next')?.url;
          url = next ? sameOriginUrl(next, config.fhirBaseUrl, 'epic') : undefined;
        }
      } catch (err) {
        if (!(err instanceof SourceError && err.sourceCode && TOO_MANY.has(err.sourceCode))) throw err;
        const end = to ?? deps.now() + 60_000;
        if (end - from < 2000)
          throw new SourceError('bad_response', `epic ${row.fhirType}: over 100 changes within one second`);
        const mid = from + Math.floor((end - from) / 2);
        windows.unshift([from, mid], [mid, to]);
        continue;
      }
      for (const records of pages) {
        for (const r of records) {
          const at = (r as { meta?: { lastUpdated?: unknown } }).meta?.lastUpdated;
          if (typeof at === 'string' && (latest === undefined || Date.parse(at) > Date.parse(latest)))
            latest = at;
        }
        yield { records, watermark: undefined };
      }
    }
    yield { records: [], watermark: latest };
  }

  const read = async (row: { path: string }, nativeId: string, signal?: AbortSignal) => {
    try {
      const res = await track(() =>
        http.send({
          method: 'GET',
          url: `${config.fhirBaseUrl}/${row.path}/${encodeURIComponent(nativeId)}`,
          endpoint: `GET ${row.path}/{id}`,
          headers: fhirHeaders,
          ...sig(signal),
        }),
      );
      return res.body;
    } catch (err) {
      if (err instanceof SourceError && err.code === 'not_found') return undefined;
      throw err;
    }
  };

  return {
    connection,
    poll: (request) => poll(request.row as EpicCatalogRow, request.watermark, request.signal),
    read,
    async write(row, operation, payload, signal) {
      // Epic has no PATCH: a partial update is the current record with the changed elements, PUT back.
      const partial = operation === 'patch' && row.operations.includes('update');
      if ((!row.operations.includes(operation) && !partial) || operation === 'delete')
        throw new SourceError('rejected', `epic ${row.key} does not support ${operation}`);
      const id = operation === 'create' ? '' : `/${encodeURIComponent(payload.nativeId ?? '')}`;
      const method = operation === 'create' ? 'POST' : 'PUT';
      let body: Record<string, unknown> = payload.body ?? {};
      if (partial) {
        const current = await read(row, payload.nativeId ?? '', signal);
        if (current === undefined)
          throw new SourceError('not_found', `epic ${row.key}: no record to update`, { status: 404 });
        body = withChanges(current as Record<string, unknown>, body);
      }
      // An update replaces the record: Epic wants the body's id to be the one in the URL.
      if (method === 'PUT') body = { ...body, id: payload.nativeId };
      const res = await track(() =>
        http.send({
          method,
          url: `${config.fhirBaseUrl}/${row.path}${id}`,
          endpoint: `${method} ${row.path}${id ? '/{id}' : ''}`,
          headers: { ...fhirHeaders, 'content-type': 'application/fhir+json' },
          body: JSON.stringify(body),
          idempotent: method === 'PUT',
          expect: 'text',
          ...sig(signal),
        }),
      );
      const text = String(res.body ?? '');
      if (text) return JSON.parse(text);
      // A create may answer only a Location header: read the record it names.
      const location = res.headers.get('location') ?? '';
      const createdId = /\/([A-Za-z0-9.-]{1,64})(?:\/_history\/[^/]+)?$/.exec(location)?.[1];
      return createdId ? read(row, createdId, signal) : undefined;
    },
    async invoke(operation, input, signal) {
      const known = EPIC_OPERATIONS.find((o) => o.id === operation.id);
      if (!known) throw new SourceError('rejected', `epic has no operation ${operation.id}`);
      // Resolved against the R4 base: `../STU3/…` stays on the connection's server (checked).
      const url = sameOriginUrl(
        new URL(known.path, `${config.fhirBaseUrl}/`).toString(),
        config.fhirBaseUrl,
        'epic',
      );
      const res = await track(() =>
        http.send({
          method: known.method,
          url,
          endpoint: `${known.method} ${known.path.replace(/^(\.\.\/)+/, '')}`,
          headers: { ...fhirHeaders, 'content-type': 'application/fhir+json' },
          body: JSON.stringify(input.body ?? {}),
          // $book books a slot: never sent twice by a retry (the idempotency layer decides).
          idempotent: false,
          ...sig(signal),
        }),
      );
      return known.outputType === 'Bundle' ? res.body : bookedResource(res.body, known.outputType);
    },
    status,
    refreshStatus,
    async close() {},
  };
}

/** A merge of changed top-level elements into the current record (null removes one); Epic's version metadata dropped. */
function withChanges(
  current: Record<string, unknown>,
  changes: Record<string, unknown>,
): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  delete next.meta;
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** The booked resource in `$book`'s answer (a Bundle with it as its match). */
function bookedResource(body: unknown, type: string): unknown {
  const bundle = body as Bundle | undefined;
  if (bundle?.resourceType !== 'Bundle')
    throw new SourceError(
      'bad_response',
      `epic $book answered ${bundle?.resourceType ?? 'no resource'}, not a Bundle`,
    );
  const found = resourcesOf(bundle).filter((r) => (r as { resourceType?: string }).resourceType === type);
  if (found.length !== 1)
    throw new SourceError('bad_response', `epic $book answered ${found.length} ${type} resources, not one`);
  return found[0];
}

type Bundle = {
  resourceType?: string;
  entry?: { resource?: { resourceType?: string }; search?: { mode?: string } }[];
  link?: { relation?: string; url?: string }[];
};

const sig = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

function bundleCheck(body: unknown): string | undefined {
  const b = body as Bundle | undefined;
  if (b?.resourceType !== 'Bundle')
    return b && (b as { resourceType?: unknown }).resourceType === 'OperationOutcome'
      ? 'an OperationOutcome instead of a Bundle'
      : 'a body that is not a Bundle';
  return undefined;
}

/** The search's matches; Epic's informational OperationOutcome entries (4101 "no results") are not records. */
function resourcesOf(bundle: Bundle): unknown[] {
  return (bundle.entry ?? [])
    .filter(
      (e) => e.search?.mode !== 'outcome' && e.resource && e.resource.resourceType !== 'OperationOutcome',
    )
    .map((e) => e.resource);
}

/** Epic's numeric error code in an OperationOutcome. */
function operationOutcomeCode(body: unknown): string | undefined {
  const code = (body as { issue?: { details?: { coding?: { code?: unknown }[] } }[] } | undefined)?.issue?.[0]
    ?.details?.coding?.[0]?.code;
  return typeof code === 'string' ? code : undefined;
}

type Track = <T>(work: () => Promise<T>) => Promise<T>;

/** One Bulk Data export of one type since the watermark, its NDJSON files streamed as pages. */
async function* pollExport(
  http: HttpClient,
  config: EpicConfig,
  row: EpicCatalogRow,
  watermark: string | undefined,
  track: Track,
  pageSize: number,
  signal?: AbortSignal,
): AsyncGenerator<RecordPage> {
  const query = new URLSearchParams({ _type: row.fhirType, _outputFormat: 'application/fhir+ndjson' });
  if (watermark) query.set('_since', watermark);
  const kickOff = await track(() =>
    http.send({
      method: 'GET',
      url: `${config.fhirBaseUrl}/Group/${encodeURIComponent(config.groupId)}/$export?${query}`,
      endpoint: 'GET Group/{id}/$export',
      headers: { accept: 'application/fhir+json', prefer: 'respond-async' },
      expect: 'none',
      ...sig(signal),
    }),
  );
  const location = kickOff.headers.get('content-location');
  if (kickOff.status !== 202 || !location)
    throw new SourceError(
      'bad_response',
      `epic $export answered ${kickOff.status} without a status location`,
    );
  const statusUrl = sameOriginUrl(location, config.fhirBaseUrl, 'epic');
  let manifest: { transactionTime?: unknown; output?: { type?: unknown; url?: unknown }[] } | undefined;
  for (let polls = 0; polls < EPIC_MAX_STATUS_POLLS && !manifest; polls++) {
    const res = await track(() =>
      http.send({
        method: 'GET',
        url: statusUrl,
        endpoint: 'GET BulkRequest/{id}',
        expect: 'text',
        ...sig(signal),
      }),
    );
    if (res.status === 202) {
      const wait = retryAfterMs(res.headers, '', Date.now()) ?? 1000;
      await sleep(Math.min(wait, EPIC_MAX_STATUS_WAIT_MS), signal);
      continue;
    }
    try {
      manifest = JSON.parse(String(res.body));
    } catch {
      throw new SourceError('bad_response', 'epic $export manifest is not JSON');
    }
  }
  if (!manifest) throw new SourceError('unavailable', 'epic $export did not complete in time');
  if (typeof manifest.transactionTime !== 'string' || !Array.isArray(manifest.output))
    throw new SourceError('bad_response', 'epic $export manifest lacks transactionTime or output');
  for (const file of manifest.output) {
    if (file.type !== row.fhirType || typeof file.url !== 'string') continue;
    const fileUrl = sameOriginUrl(file.url, config.fhirBaseUrl, 'epic');
    const res = await track(() =>
      http.send({
        method: 'GET',
        url: fileUrl,
        endpoint: 'GET BulkRequest/{id}/{file}',
        headers: { accept: 'application/fhir+ndjson' },
        expect: 'text',
        ...sig(signal),
      }),
    );
    const lines = String(res.body)
      .split('\n')
      .filter((l) => l.trim() !== '');
    for (let i = 0; i < lines.length; i += pageSize) {
      // A line that is not JSON is handed on as text: the sync quarantines it with the reason.
      yield { records: lines.slice(i, i + pageSize).map(parseLine), watermark: undefined };
    }
  }
  // `_since` excludes records updated at exactly the instant given: step back a second.
  const next = new Date(Date.parse(manifest.transactionTime) - 1000).toISOString();
  yield { records: [], watermark: next };
}

function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return line;
  }
}
