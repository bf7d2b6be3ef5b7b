/**
 * How fast the GraphQL server refuses bad input, next to a normal query (npm run bench, or
 * `node bench/graphql-hardening.ts [--runs N]`): the product server (FHIR schema, API keys,
 * limits) on SQLite, over HTTP on 127.0.0.1, one request at a time. Prints a markdown table of
 * p50/p95 milliseconds per kind of request.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import type { Patient } from 'fhir/r4';
import { createApp } from '../src/app.ts';
import { createApiKeyService } from '../src/auth/api-keys.ts';
import { loadFhirDefinitions } from '../src/fhir/definitions.ts';
import { searchIndexer } from '../src/fhir/search-indexer.ts';
import { createLogger } from '../src/log/create-logger.ts';
import { createGatewayGraphQL } from '../src/server/gateway-graphql.ts';
import { createSecretBox } from '../src/store/secret-box.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '200' } }, strict: false });
const runs = Number(values.runs);

const definitions = loadFhirDefinitions();
const store = openSqliteStore(':memory:', {
  maxResourceBytes: 1 << 20,
  secretBox: createSecretBox(Buffer.alloc(32, 1)),
  indexer: searchIndexer(definitions),
});
await store.tenants.ensure('bench');
const patient: Patient = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Bench', given: ['A'] }] };
await store.resources.put('bench', patient);
const keys = createApiKeyService({ store });
const key = (await keys.create({ tenant: 'bench', scopes: ['read'] })).token;
const revoked = (await keys.create({ tenant: 'bench', scopes: ['read'] })).token;
await keys.revoke(revoked.slice(4, 20));
const log = createLogger({ level: 'silent' });
const graphql = createGatewayGraphQL({ store, definitions, keys, log });
const server = createServer(createApp({ store, log, graphql }).handle);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

const post = (token: string | undefined, body: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  }).then(async (r) => ({ status: r.status, text: await r.text() }));
const q = (query: string) => JSON.stringify({ query });
const aliases = Array.from({ length: 10_000 }, (_, i) => `a${i}: __typename`).join(' ');

const cases: Array<[string, string | undefined, string]> = [
  ['Patient by id with names (normal)', key, q('{ Patient(id: "p1") { id name { family given } } }')],
  ['`{ __typename }` (normal, smallest)', key, q('{ __typename }')],
  ['missing key → 401', undefined, q('{ __typename }')],
  ['revoked key → 401', revoked, q('{ __typename }')],
  ['syntax error', key, q('{ Patient(id: "p1") { id ')],
  ['unknown field', key, q('{ Patient(id: "p1") { ssn } }')],
  ['10,000 aliases → token limit', key, q(`{ ${aliases} }`)],
  [
    'depth 42 → depth limit',
    key,
    q(
      `{ Patient(id: "p1") { ${'link { other { reference } } '.repeat(1)}${'managingOrganization { resource { ... on Organization { partOf { '.repeat(10)}id${' } } } }'.repeat(10)} } }`,
    ),
  ],
  ['`_count: 5000` → count limit', key, q('{ PatientList(_count: 5000) { id } }')],
  [
    'nested pages → cost budget',
    key,
    q('{ PatientList(_count: 1000) { ObservationList(_reference: subject, _count: 1000) { id } } }'),
  ],
  ['3 MB body → 413', key, JSON.stringify({ query: `{ __typename } # ${'x'.repeat(3_000_000)}` })],
];

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
console.log(`| request | status | first error | p50 ms | p95 ms |\n| --- | ---: | --- | ---: | ---: |`);
for (const [name, token, body] of cases) {
  for (let i = 0; i < 5; i++) await post(token, body); // warm-up
  const times: number[] = [];
  let status = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    status = (await post(token, body)).status;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const last = await post(token, body);
  const why = (/"message":"((?:[^"\\]|\\.){0,70})/.exec(last.text)?.[1] ?? '')
    .replaceAll('\\"', '"')
    .replaceAll('|', '\\|');
  console.log(
    `| ${name} | ${status} | ${why} | ${pct(times, 50).toFixed(2)} | ${pct(times, 95).toFixed(2)} |`,
  );
}
server.closeAllConnections();
server.close();
await store.close();
