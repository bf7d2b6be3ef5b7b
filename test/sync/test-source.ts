import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  CatalogRow,
  Connector,
  ConnectorSession,
  TriggerDefinition,
} from '../../src/connectors/connector.ts';
import { SourceError } from '../../src/connectors/connector.ts';
import type { Connection } from '../../src/store/port.ts';

/**
 * A small source over real HTTP for the engine's tests (the real connectors are tested against the
 * simulators). Every write bumps a global modification sequence; `GET /<entity>?after=<seq>&limit=n`
 * answers the records modified after `seq` in sequence order, so a cursor is "the last seq seen".
 */
export type TestSource = {
  readonly url: string;
  /** Creates or replaces a record; answers its modification seq. */
  put(entity: string, record: { id: string | number } & Record<string, unknown>): number;
  /** Appends something that is not a record to an entity's feed (bad input). */
  putRaw(entity: string, key: string, value: unknown): void;
  records(entity: string): unknown[];
  /** Requests served, by entity. */
  readonly requests: Map<string, number>;
  /** The entity of every request, in arrival order. */
  readonly arrivals: string[];
  /** After `afterOk` more good answers, `n` requests to an entity answer this status with an HTML page. */
  failNext(entity: string, n: number, status: number, afterOk?: number): void;
  /** The next request to `entity` gets no answer until the returned function is called (a stalled source). */
  holdNext(entity: string): () => void;
  close(): Promise<void>;
};

type Entry = { seq: number; key: string; value: unknown };

export async function startTestSource(): Promise<TestSource> {
  const data = new Map<string, Map<string, Entry>>();
  /** Per entity, every write in seq order (a record's older writes are skipped when read). */
  const logs = new Map<string, Entry[]>();
  const logOf = (entity: string) => {
    const found = logs.get(entity) ?? [];
    logs.set(entity, found);
    return found;
  };
  const write = (entity: string, key: string, value: unknown) => {
    seq++;
    const entry = { seq, key, value };
    table(entity).set(key, entry);
    logOf(entity).push(entry);
    return seq;
  };
  const requests = new Map<string, number>();
  const arrivals: string[] = [];
  const failures = new Map<string, { ok: number; left: number; status: number }>();
  const holds = new Map<string, Promise<void>>();
  let seq = 0;
  const table = (entity: string) => {
    const found = data.get(entity) ?? new Map<string, Entry>();
    data.set(entity, found);
    return found;
  };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://source');
    const entity = url.pathname.slice(1);
    requests.set(entity, (requests.get(entity) ?? 0) + 1);
    arrivals.push(entity);
    const held = holds.get(entity);
    if (held) {
      holds.delete(entity);
      await held;
      if (res.destroyed) return;
    }
    const failure = failures.get(entity);
    if (failure && failure.ok > 0) failure.ok--;
    else if (failure && failure.left > 0) {
      failure.left--;
      res.writeHead(failure.status, { 'content-type': 'text/html' });
      res.end('<html>oops</html>');
      return;
    }
    const after = Number(url.searchParams.get('after') ?? '0');
    const limit = Number(url.searchParams.get('limit') ?? '100');
    const log = logOf(entity);
    const current = table(entity);
    let low = 0;
    let high = log.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((log[mid] as Entry).seq <= after) low = mid + 1;
      else high = mid;
    }
    const page: Entry[] = [];
    let more = false;
    for (let i = low; i < log.length; i++) {
      const entry = log[i] as Entry;
      if (current.get(entry.key) !== entry) continue;
      if (page.length === limit) {
        more = true;
        break;
      }
      page.push(entry);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        results: page.map((e) => e.value),
        last: page.at(-1)?.seq ?? after,
        more,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    put: (entity, record) => write(entity, String(record.id), record),
    putRaw(entity, key, value) {
      write(entity, key, value);
    },
    records: (entity) => [...table(entity).values()].map((e) => e.value),
    requests,
    arrivals,
    failNext(entity, n, status, afterOk = 0) {
      failures.set(entity, { ok: afterOk, left: n, status });
    },
    holdNext(entity) {
      let release = () => {};
      holds.set(
        entity,
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      );
      return () => release();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A catalog row of the test source (DrChrono-shaped names so the test mappings apply). */
export function testRow(key: string, options: Partial<CatalogRow> = {}): CatalogRow {
  return {
    key,
    source: 'drchrono',
    path: `/${key}`,
    idField: 'id',
    entity: key,
    fhirTypes: [],
    paging: 'next-url',
    cursor: 'updated-since',
    operations: ['read', 'search'],
    scopes: [],
    triggers: [],
    actions: [],
    ...options,
  };
}

export type TestConnectorOptions = {
  pageSize?: number;
  /** true: the source refuses the connection's credentials for good. */
  reauth?: () => boolean;
  /** Runs before each page is handed to the sync (to interleave other work). */
  beforePage?: (row: string, index: number) => Promise<void>;
  /** Sees each page's request as it is sent (before the answer). */
  beforeFetch?: (row: string, index: number) => void;
};

/**
 * A connector over the test source's HTTP API. `pageSize` records per page; the watermark of a
 * page is the last modification seq it holds. `reauth` makes every poll fail for good.
 */
export function testConnector(
  source: Pick<TestSource, 'url'>,
  catalog: readonly CatalogRow[],
  triggers: readonly TriggerDefinition[],
  options: TestConnectorOptions = {},
): Connector {
  const pageSize = options.pageSize ?? 2;
  return {
    source: 'drchrono',
    catalog,
    triggers,
    async open(connection: Connection): Promise<ConnectorSession> {
      return {
        connection,
        async *poll({ row, watermark, signal }) {
          let after = watermark ?? '0';
          for (let index = 0; ; index++) {
            if (options.reauth?.())
              throw new SourceError('needs_reauth', 'refresh token revoked', { status: 400 });
            options.beforeFetch?.(row.key, index);
            const res = await fetch(`${source.url}${row.path}?after=${after}&limit=${pageSize}`, {
              ...(signal ? { signal } : {}),
            });
            if (!res.ok)
              throw new SourceError('unavailable', `source answered ${res.status}`, { status: res.status });
            const body = (await res.json()) as { results: unknown[]; last: number; more: boolean };
            after = String(body.last);
            await options.beforePage?.(row.key, index);
            yield { records: body.results, watermark: after };
            if (!body.more) return;
          }
        },
        async read() {
          return undefined;
        },
        async write() {
          throw new SourceError('rejected', 'read-only test source');
        },
        status: () => ({ state: 'active', requestsUsed: [{ window: '1h', used: 0, limit: 500 }] }),
        async close() {},
      };
    },
  };
}
