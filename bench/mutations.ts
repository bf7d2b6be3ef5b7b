/**
 * Mutation latency and throughput: GraphQL over HTTP on 127.0.0.1 → gateway → Jane simulator
 * (limits off) → answer stored. Per mutation the gateway's HTTP client times the source's own
 * calls (the simulator's time, loopback included); gateway overhead = total − source time.
 * Usage: node bench/mutations.ts [--n 200] [--concurrent 8] [--concurrentN 400] [--json]
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createActionService } from '../src/actions/action-service.ts';
import { mutationSpec } from '../src/actions/write-targets.ts';
import { createApp } from '../src/app.ts';
import { createApiKeyService } from '../src/auth/api-keys.ts';
import { createSharedConnectorState } from '../src/connectors/common/connector-deps.ts';
import {
  buildAuthorizeUrl,
  createPkcePair,
  exchangeAuthorizationCode,
} from '../src/connectors/common/oauth-code-flow.ts';
import { saveOAuthConnection } from '../src/connectors/connection-setup.ts';
import { JANE_SCOPES } from '../src/connectors/jane/catalog.ts';
import { createConnectors } from '../src/connectors/registry.ts';
import { approveConsentLikeABrowser } from '../src/demo/consent-robot.ts';
import { loadFhirDefinitions } from '../src/fhir/definitions.ts';
import { createIdentityScheme } from '../src/fhir/identity.ts';
import { searchIndexer } from '../src/fhir/search-indexer.ts';
import { createLogger } from '../src/log/create-logger.ts';
import { loadMappingSet } from '../src/mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../src/mapping/mapping-definitions.ts';
import { createGatewayGraphQL } from '../src/server/gateway-graphql.ts';
import { startJaneSimulator } from '../src/simulators/jane/index.ts';
import { createSecretBox } from '../src/store/secret-box.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';
import { pollConnection } from '../src/sync/poll-connection.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '200' },
    concurrent: { type: 'string', default: '8' },
    concurrentN: { type: 'string', default: '400' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(values.n);
const CLIENTS = Number(values.concurrent);
const CONCURRENT_N = Number(values.concurrentN);

const log = createLogger({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'bench-mutations-'));
const definitions = loadFhirDefinitions();
const store = openSqliteStore(join(dir, 'gateway.db'), {
  maxResourceBytes: 1 << 20,
  secretBox: createSecretBox(Buffer.alloc(32, 3)),
  indexer: searchIndexer(definitions),
});
const jane = await startJaneSimulator({ seed: 7, patients: 20, rateLimits: false });

// The source's own time, per gateway request: the connectors' fetch is timed.
let sourceMs = 0;
const timedFetch: typeof fetch = async (input, init) => {
  const started = performance.now();
  try {
    return await fetch(input, init);
  } finally {
    sourceMs += performance.now() - started;
  }
};
const connectors = Object.values(
  createConnectors({ store, log, fetch: timedFetch, shared: createSharedConnectorState(), limits: 'off' }),
);
const mappings = loadMappingSet({
  dir: join(import.meta.dirname, '../mappings'),
  defs: loadMappingDefinitions(),
  scheme: createIdentityScheme(),
});

// Connect Jane as an integrator would (authorization code + PKCE), then sync once.
const pkce = createPkcePair();
const redirectUri = 'http://127.0.0.1:9/cb';
const granted = await approveConsentLikeABrowser(
  fetch,
  buildAuthorizeUrl({
    authorizeUrl: jane.oauth.authorizeUrl,
    clientId: jane.oauth.clientId,
    redirectUri,
    scope: JANE_SCOPES.filter((s) => jane.oauth.scopes.includes(s)).join(' '),
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
await store.tenants.ensure('bench');
const connection = await saveOAuthConnection(store, {
  tenant: 'bench',
  id: 'jane',
  source: 'jane',
  config: { clinicUrl: jane.rootClinic.url, tokenUrl: jane.oauth.tokenUrl, clientId: jane.oauth.clientId },
  clientSecret: jane.oauth.clientSecret,
  tokens,
  now: Date.now(),
});
const janeConnector = connectors.find((c) => c.source === 'jane');
if (!janeConnector) throw new Error('no jane connector');
await pollConnection(
  { store, mappings, log, leaseTtlMs: 60_000 },
  { connection, connector: janeConnector, session: await janeConnector.open(connection), holder: 'bench' },
);
const patient = (await store.resources.list('bench', 'Patient', { limit: 1 })).items[0];
if (!patient) throw new Error('no patient synced');

const actions = createActionService({
  store,
  mappings,
  connectors,
  definitions,
  scheme: createIdentityScheme(),
});
const keys = createApiKeyService({ store });
const graphql = createGatewayGraphQL({
  store,
  definitions,
  keys,
  log,
  actions,
  mutations: mutationSpec(connectors, mappings),
});
const server = createServer(createApp({ store, log, graphql }).handle);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
const token = (await keys.create({ tenant: 'bench', scopes: ['read', 'write'] })).token;

const CREATE = `mutation($res: ObservationInput!, $key: String!) {
  ObservationCreate(connection: "jane", idempotencyKey: $key, res: $res) { id }
}`;
const PATCH = `mutation($id: ID!, $key: String!, $patch: JSON!) {
  ObservationPatch(id: $id, idempotencyKey: $key, patch: $patch) { id }
}`;
const reading = (i: number) => ({
  status: 'final',
  category: [
    {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }],
    },
  ],
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
  subject: { reference: `Patient/${patient.id}` },
  valueQuantity: { value: 60 + (i % 40), unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

async function post(query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  if (body.errors) throw new Error(`mutation failed: ${JSON.stringify(body.errors).slice(0, 300)}`);
  return body.data ?? {};
}

type Sample = { total: number; source: number };
async function timed(fn: () => Promise<unknown>): Promise<Sample> {
  sourceMs = 0;
  const started = performance.now();
  await fn();
  return { total: performance.now() - started, source: sourceMs };
}
const pct = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
function summary(name: string, samples: Sample[]) {
  const total = samples.map((s) => s.total);
  const source = samples.map((s) => s.source);
  const overhead = samples.map((s) => s.total - s.source);
  return {
    name,
    n: samples.length,
    totalP50: pct(total, 50),
    totalP95: pct(total, 95),
    sourceP50: pct(source, 50),
    sourceP95: pct(source, 95),
    overheadP50: pct(overhead, 50),
    overheadP95: pct(overhead, 95),
  };
}

// Warm-up (JIT, first token use), not counted.
for (let i = 0; i < 20; i++) await post(CREATE, { key: `warm-${i}`, res: reading(i) });

const creates: Sample[] = [];
const ids: string[] = [];
for (let i = 0; i < N; i++) {
  creates.push(
    await timed(async () => {
      const data = await post(CREATE, { key: `c-${i}`, res: reading(i) });
      ids.push((data.ObservationCreate as { id: string }).id);
    }),
  );
}
const patches: Sample[] = [];
for (let i = 0; i < N; i++) {
  patches.push(
    await timed(() => post(PATCH, { id: ids[i], key: `p-${i}`, patch: { note: [{ text: `note ${i}` }] } })),
  );
}
const replays: Sample[] = [];
for (let i = 0; i < Math.min(N, 100); i++)
  replays.push(await timed(() => post(CREATE, { key: `c-${i}`, res: reading(i) })));

// Throughput: CLIENTS concurrent clients, each creating in a loop until CONCURRENT_N are done.
let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: CLIENTS }, async () => {
    for (let i = next++; i < CONCURRENT_N; i = next++) await post(CREATE, { key: `t-${i}`, res: reading(i) });
  }),
);
const seconds = (performance.now() - started) / 1000;

const rows = [
  summary('ObservationCreate', creates),
  summary('ObservationPatch', patches),
  summary('retry (same key, no source call)', replays),
];
const throughput = { clients: CLIENTS, creates: CONCURRENT_N, seconds, perSecond: CONCURRENT_N / seconds };
if (values.json) console.log(JSON.stringify({ rows, throughput }));
else {
  const f = (x: number) => x.toFixed(1);
  console.log('| mutation | n | total p50 | total p95 | Jane p50 | Jane p95 | gateway p50 | gateway p95 |');
  console.log('| --- | --: | --: | --: | --: | --: | --: | --: |');
  for (const r of rows)
    console.log(
      `| ${r.name} | ${r.n} | ${f(r.totalP50)} | ${f(r.totalP95)} | ${f(r.sourceP50)} | ${f(r.sourceP95)} | ${f(r.overheadP50)} | ${f(r.overheadP95)} |`,
    );
  console.log(
    `\n${CLIENTS} concurrent clients: ${CONCURRENT_N} creates in ${seconds.toFixed(1)} s = ${throughput.perSecond.toFixed(1)} creates/s`,
  );
}

server.closeAllConnections();
server.close();
await jane.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
