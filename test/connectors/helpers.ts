import {
  createSharedConnectorState,
  type SharedConnectorState,
} from '../../src/connectors/common/connector-deps.ts';
import {
  buildAuthorizeUrl,
  createPkcePair,
  exchangeAuthorizationCode,
} from '../../src/connectors/common/oauth-code-flow.ts';
import { saveOAuthConnection } from '../../src/connectors/connection-setup.ts';
import type { CatalogRow, ConnectorSession, RecordPage } from '../../src/connectors/connector.ts';
import { DRCHRONO_SCOPES } from '../../src/connectors/drchrono/catalog.ts';
import { JANE_SCOPES } from '../../src/connectors/jane/catalog.ts';
import { createConnectors } from '../../src/connectors/registry.ts';
import { approveConsentLikeABrowser } from '../../src/demo/consent-robot.ts';
import { createLogger } from '../../src/log/create-logger.ts';
import type { RunningDrChronoSimulator } from '../../src/simulators/drchrono/index.ts';
import type { RunningJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Connection as _Connection, Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';

export type Connection = _Connection;
export const REDIRECT_URI = 'http://127.0.0.1:9/oauth/callback';
export const silentLog = createLogger({ level: 'silent' });

export function memoryStore(): Store {
  return openSqliteStore(':memory:', {
    maxResourceBytes: 1 << 20,
    secretBox: createSecretBox(Buffer.alloc(32, 7)),
  });
}

/** Connectors with short retry waits (tests), sharing one state. */
export function testConnectors(
  store: Store,
  options: {
    now?: () => number;
    fetch?: typeof fetch;
    pageSize?: number;
    shared?: SharedConnectorState;
  } = {},
) {
  return createConnectors({
    store,
    log: silentLog,
    shared: options.shared ?? createSharedConnectorState(),
    retry: { baseDelayMs: 5, maxDelayMs: 40, maxWaitMs: 5_000, timeoutMs: 5_000 },
    ...options,
  });
}

/** Jane's authorization code + PKCE flow, the consent approved as a browser would. */
export async function connectJane(
  store: Store,
  sim: RunningJaneSimulator,
  opts: { tenant: string; id: string; clinicUrl?: string; now?: number },
): Promise<Connection> {
  const pkce = createPkcePair();
  const clinicUrl = opts.clinicUrl ?? sim.rootClinic.url;
  const granted = await approveConsentLikeABrowser(
    fetch,
    buildAuthorizeUrl({
      authorizeUrl: sim.oauth.authorizeUrl,
      clientId: sim.oauth.clientId,
      redirectUri: REDIRECT_URI,
      scope: JANE_SCOPES.filter((s) => sim.oauth.scopes.includes(s)).join(' '),
      state: 's1',
      codeChallenge: pkce.challenge,
      resource: clinicUrl,
    }),
  );
  const tokens = await exchangeAuthorizationCode(fetch, {
    source: 'jane',
    tokenUrl: sim.oauth.tokenUrl,
    clientId: sim.oauth.clientId,
    clientSecret: sim.oauth.clientSecret,
    code: granted.code,
    redirectUri: REDIRECT_URI,
    codeVerifier: pkce.verifier,
  });
  await store.tenants.ensure(opts.tenant);
  return saveOAuthConnection(store, {
    tenant: opts.tenant,
    id: opts.id,
    source: 'jane',
    config: { clinicUrl, tokenUrl: sim.oauth.tokenUrl, clientId: sim.oauth.clientId },
    clientSecret: sim.oauth.clientSecret,
    tokens,
    now: opts.now ?? Date.now(),
  });
}

export async function connectDrChrono(
  store: Store,
  sim: RunningDrChronoSimulator,
  opts: { tenant: string; id: string; now?: number },
): Promise<Connection> {
  const granted = await approveConsentLikeABrowser(
    fetch,
    buildAuthorizeUrl({
      authorizeUrl: `${sim.url}/o/authorize/`,
      clientId: sim.client.clientId,
      redirectUri: REDIRECT_URI,
      scope: DRCHRONO_SCOPES.join(' '),
      state: 's1',
    }),
  );
  const tokens = await exchangeAuthorizationCode(fetch, {
    source: 'drchrono',
    tokenUrl: `${sim.url}/o/token/`,
    clientId: sim.client.clientId,
    clientSecret: sim.client.clientSecret,
    code: granted.code,
    redirectUri: REDIRECT_URI,
  });
  await store.tenants.ensure(opts.tenant);
  return saveOAuthConnection(store, {
    tenant: opts.tenant,
    id: opts.id,
    source: 'drchrono',
    config: { baseUrl: sim.url, clientId: sim.client.clientId },
    clientSecret: sim.client.clientSecret,
    tokens,
    now: opts.now ?? Date.now(),
  });
}

/** Every record of a poll, and the watermark of its last page. */
export async function drain(
  session: ConnectorSession,
  row: CatalogRow,
  watermark?: string,
): Promise<{ records: unknown[]; pages: RecordPage[]; watermark: string | undefined }> {
  const pages: RecordPage[] = [];
  for await (const page of session.poll({ row, watermark })) pages.push(page);
  return { records: pages.flatMap((p) => p.records), pages, watermark: pages.at(-1)?.watermark };
}

export function rowOf(catalog: readonly CatalogRow[], key: string): CatalogRow {
  const row = catalog.find((r) => r.key === key);
  if (!row) throw new Error(`no row ${key}`);
  return row;
}

/**
 * Polls every catalog row twice, with the default page size and with tiny pages, and answers
 * per row: records, pages with tiny pages, and whether both runs saw the same ids.
 */
export async function pageEveryRow(
  connector: { catalog: readonly CatalogRow[]; open(c: Connection): Promise<ConnectorSession> },
  small: { open(c: Connection): Promise<ConnectorSession> },
  connection: Connection,
  options: { skip?: (row: CatalogRow) => boolean } = {},
): Promise<Array<{ row: string; records: number; smallPages: number; sameIds: boolean; unique: boolean }>> {
  const [big, tiny] = [await connector.open(connection), await small.open(connection)];
  const out = [];
  for (const row of connector.catalog) {
    if (row.polledBy || options.skip?.(row)) continue;
    const ids = (records: unknown[]) => records.map((r) => String((r as { id: unknown }).id));
    const a = ids((await drain(big, row)).records);
    const tinyRun = await drain(tiny, row);
    const b = ids(tinyRun.records);
    out.push({
      row: row.key,
      records: a.length,
      smallPages: tinyRun.pages.filter((p) => p.records.length > 0).length,
      sameIds: JSON.stringify([...a].sort()) === JSON.stringify([...b].sort()),
      unique: new Set(b).size === b.length,
    });
  }
  return out;
}
