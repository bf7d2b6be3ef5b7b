/**
 * Connector throughput: native records per second read through each connector from its
 * simulator over real HTTP on 127.0.0.1, limits off (simulator) and no store writes — the
 * ceiling the sync can reach on the read side. Usage: node bench/connectors.ts [--patients N]
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { createApp } from '../src/app.ts';
import { createSharedConnectorState } from '../src/connectors/common/connector-deps.ts';
import { ensureEpicConnection, saveOAuthConnection } from '../src/connectors/connection-setup.ts';
import type { CatalogRow, ConnectorSession } from '../src/connectors/connector.ts';
import { createConnectors } from '../src/connectors/registry.ts';
import { createLogger } from '../src/log/create-logger.ts';
import { startDrChronoSimulator } from '../src/simulators/drchrono/index.ts';
import { startEpicSimulator } from '../src/simulators/epic/index.ts';
import { startJaneSimulator } from '../src/simulators/jane/index.ts';
import { createSecretBox } from '../src/store/secret-box.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';

const { values } = parseArgs({ options: { patients: { type: 'string', default: '20000' } } });
const patients = Number(values.patients);
const log = createLogger({ level: 'silent' });
const store = openSqliteStore(':memory:', {
  maxResourceBytes: 1 << 20,
  secretBox: createSecretBox(Buffer.alloc(32, 9)),
});
await store.tenants.ensure('bench');
// Limits off on both sides, as the issue's throughput figures ask (the budgets are tested elsewhere).
const connectors = createConnectors({ store, log, shared: createSharedConnectorState(), limits: 'off' });

async function timePoll(label: string, session: ConnectorSession, row: CatalogRow) {
  const started = performance.now();
  let records = 0;
  let pages = 0;
  for await (const page of session.poll({ row, watermark: undefined })) {
    records += page.records.length;
    pages++;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${label.padEnd(28)} ${String(records).padStart(8)} records ${String(pages).padStart(5)} pages ${seconds.toFixed(2).padStart(7)} s ${Math.round(
      records / seconds,
    )
      .toLocaleString('en-US')
      .padStart(9)} records/s`,
  );
}

const drchrono = await startDrChronoSimulator({ seed: 1, patients, rateLimits: false });
const drcToken = drchrono.issueAccessToken();
const drcConnection = await saveOAuthConnection(store, {
  tenant: 'bench',
  id: 'drc',
  source: 'drchrono',
  config: { baseUrl: drchrono.url, clientId: drchrono.client.clientId },
  clientSecret: drchrono.client.clientSecret,
  tokens: {
    accessToken: drcToken.accessToken,
    refreshToken: drcToken.refreshToken,
    expiresInSeconds: 172_800,
  },
  now: Date.now(),
});
const drcSession = await connectors.drchrono.open(drcConnection);
await timePoll(
  'drchrono patients (limits off)',
  drcSession,
  connectors.drchrono.catalog.find((r) => r.key === 'patients') as CatalogRow,
);
await drchrono.close();

const jane = await startJaneSimulator({ seed: 1, patients: Math.min(patients, 20_000), rateLimits: false });
const { approveConsentLikeABrowser } = await import('../src/demo/consent-robot.ts');
const { buildAuthorizeUrl, createPkcePair, exchangeAuthorizationCode } = await import(
  '../src/connectors/common/oauth-code-flow.ts'
);
const pkce = createPkcePair();
const redirectUri = 'http://127.0.0.1:9/cb';
const granted = await approveConsentLikeABrowser(
  fetch,
  buildAuthorizeUrl({
    authorizeUrl: jane.oauth.authorizeUrl,
    clientId: jane.oauth.clientId,
    redirectUri,
    scope: 'patients:read',
    state: 'b',
    codeChallenge: pkce.challenge,
    resource: jane.rootClinic.url,
  }),
);
const tokens = await exchangeAuthorizationCode(fetch, {
  source: 'jane',
  tokenUrl: jane.oauth.tokenUrl,
  clientId: jane.oauth.clientId,
  clientSecret: jane.oauth.clientSecret,
  code: granted.code,
  redirectUri,
  codeVerifier: pkce.verifier,
});
const janeConnection = await saveOAuthConnection(store, {
  tenant: 'bench',
  id: 'jane',
  source: 'jane',
  config: { clinicUrl: jane.rootClinic.url, tokenUrl: jane.oauth.tokenUrl, clientId: jane.oauth.clientId },
  clientSecret: jane.oauth.clientSecret,
  tokens,
  now: Date.now(),
});
await timePoll(
  'jane patients (limits off)',
  await connectors.jane.open(janeConnection),
  connectors.jane.catalog.find((r) => r.key === 'patients') as CatalogRow,
);
await jane.close();

const epic = await startEpicSimulator({
  seed: 1,
  patients: Math.min(patients, 5_000),
  rateLimits: false,
  bulkPollsBeforeComplete: 0,
});
const gateway = createServer(createApp({ store, log }).handle);
await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
epic.registerClient({
  clientId: 'bench',
  jwksUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/.well-known/jwks.json`,
});
const epicConnection = await ensureEpicConnection(store, {
  tenant: 'bench',
  id: 'epic',
  fhirBaseUrl: epic.fhirBaseUrl,
  tokenUrl: epic.tokenUrl,
  clientId: 'bench',
  groupId: epic.groupId,
  now: Date.now(),
});
const epicSession = await connectors.epic.open(epicConnection);
for (const key of ['Patient', 'Observation'])
  await timePoll(
    `epic ${key} ($export)`,
    epicSession,
    connectors.epic.catalog.find((r) => r.key === key) as CatalogRow,
  );
gateway.closeAllConnections();
gateway.close();
await epic.close();
await store.close();
