/**
 * GraphQL benchmark over HTTP on loopback: the gateway app with its FHIR GraphQL server, a real
 * API key and a SQLite store loaded with synthetic Patients, Practitioners, Appointments and
 * Observations. Measures p50/p95 of
 *   (a) a patient by id with names and identifiers (and requests/s at 16 concurrent clients),
 *   (b) a 100-patient page with each patient's appointments and latest 3 observations, and the
 *       practitioners those reference,
 *   (c) observations by code and month, three pages by cursor.
 * Usage: node bench/graphql.ts [--patients N] [--observations-per-patient N] [--runs N] [--db FILE]
 *        [--store sqlite|mongo] [--mongo-url URL]
 *        (--db keeps the SQLite load in FILE; a later run with the same FILE only queries. The mongo
 *        store uses --mongo-url, else FerretDB from FERRETDB_BIN / scripts/ferretdb.sh).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { Appointment, Observation, Patient, Practitioner, Resource } from 'fhir/r4';
import { createApp } from '../src/app.ts';
import { createApiKeyService } from '../src/auth/api-keys.ts';
import { loadFhirDefinitions } from '../src/fhir/definitions.ts';
import { searchIndexer } from '../src/fhir/search-indexer.ts';
import { createLogger } from '../src/log/create-logger.ts';
import { createGatewayGraphQL } from '../src/server/gateway-graphql.ts';
import { openMongoStore } from '../src/store/mongo/open-mongo-store.ts';
import { createSecretBox } from '../src/store/secret-box.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';
import { ferretdbBinary, startFerretdb } from '../test/support/ferretdb.ts';

const { values: args } = parseArgs({
  options: {
    patients: { type: 'string', default: '10000' },
    'observations-per-patient': { type: 'string', default: '10' },
    runs: { type: 'string', default: '100' },
    db: { type: 'string' },
    store: { type: 'string', default: 'sqlite' },
    'mongo-url': { type: 'string' },
  },
});
const PATIENTS = Number(args.patients);
const OBS_PER_PATIENT = Number(args['observations-per-patient']);
const RUNS = Number(args.runs);
const PRACTITIONERS = Math.max(20, Math.round(PATIENTS / 500));
const TENANT = 'bench';
const BATCH = 1000;
const LOINC = ['8867-4', '8480-6', '8462-4', '29463-7', '8302-2', '2339-0'];

function hash(n: number): number {
  let x = (n ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}
const pid = (i: number) => `pt-${i}`;
const day = (n: number) =>
  new Date(Date.UTC(2019, 0, 1) + (n % (6 * 365)) * 86_400_000).toISOString().slice(0, 10);

function* resources(): Generator<Resource> {
  for (let p = 0; p < PRACTITIONERS; p++)
    yield {
      resourceType: 'Practitioner',
      id: `pr-${p}`,
      name: [{ family: `Doc${p}`, given: ['A'] }],
    } as Practitioner;
  for (let i = 0; i < PATIENTS; i++) {
    const h = hash(i);
    yield {
      resourceType: 'Patient',
      id: pid(i),
      active: true,
      gender: h % 2 === 0 ? 'female' : 'male',
      birthDate: day(h).replace(/^20\d\d/, String(1935 + (h % 85))),
      name: [{ use: 'official', family: `Fam${h % 15000}`, given: [`Giv${(h >>> 8) % 3000}`] }],
      identifier: [{ system: 'urn:mrn', value: `MRN${i}` }],
    } as Patient;
    for (let a = 0; a < 2; a++)
      yield {
        resourceType: 'Appointment',
        id: `ap-${i}-${a}`,
        status: 'booked',
        start: `${day(h + a * 40)}T09:00:00Z`,
        end: `${day(h + a * 40)}T09:30:00Z`,
        participant: [
          { actor: { reference: `Patient/${pid(i)}` }, status: 'accepted' },
          { actor: { reference: `Practitioner/pr-${(h + a) % PRACTITIONERS}` }, status: 'accepted' },
        ],
      } as Appointment;
    for (let o = 0; o < OBS_PER_PATIENT; o++) {
      const ho = hash(i * 31 + o);
      yield {
        resourceType: 'Observation',
        id: `ob-${i}-${o}`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: LOINC[ho % LOINC.length] as string }] },
        subject: { reference: `Patient/${pid(i)}` },
        performer: [{ reference: `Practitioner/pr-${ho % PRACTITIONERS}` }],
        effectiveDateTime: `${day(ho)}T10:00:00Z`,
        valueQuantity: { value: 50 + (ho % 100), unit: 'x' },
      } as Observation;
    }
  }
}

const QUERY_A = `query($id: id!) { Patient(id: $id) { id name { family given } identifier { system value } } }`;
const QUERY_B = `query($ids: [SearchValue!]) { PatientList(_id: $ids, _count: 100) {
  id name { family }
  AppointmentList(_reference: patient) { id start participant { actor { resource { ... on Practitioner { id name { family } } } } } }
  ObservationList(_reference: patient, _sort: "-date", _count: 3) {
    id effectiveDateTime code { coding { code } } valueQuantity { value }
    performer { resource { ... on Practitioner { id name { family } } } }
  }
} }`;
const QUERY_C = `query($code: [SearchValue!], $month: [SearchValue!], $cursor: String) {
  ObservationConnection(code: $code, date: $month, _sort: "-date", _count: 20, _cursor: $cursor) {
    next edges { resource { id effectiveDateTime valueQuantity { value } } }
  }
}`;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
const fmt = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

async function main(): Promise<void> {
  const definitions = loadFhirDefinitions();
  const dir = args.db ? undefined : mkdtempSync(join(tmpdir(), 'bench-graphql-'));
  const path = args.db ?? join(dir as string, 'gateway.db');
  const loaded = args.store !== 'mongo' && args.db !== undefined && existsSync(args.db);
  const options = {
    maxResourceBytes: 1 << 20,
    secretBox: createSecretBox(Buffer.alloc(32, 9)),
    indexer: searchIndexer(definitions),
  };
  const ferret = args.store === 'mongo' && !args['mongo-url'] ? await startFerret() : undefined;
  const mongoUrl = args['mongo-url'] ?? ferret?.url;
  const store = mongoUrl
    ? await openMongoStore(mongoUrl, { ...options, dbName: `bench_graphql_${Date.now()}` })
    : openSqliteStore(path, options);
  await store.tenants.ensure(TENANT);
  if (!loaded) {
    const started = performance.now();
    let batch: Resource[] = [];
    let count = 0;
    for (const resource of resources()) {
      batch.push(resource);
      if (batch.length === BATCH) {
        await store.resources.putMany(TENANT, batch);
        count += batch.length;
        batch = [];
        if (count % 100_000 === 0) console.error(`… ${count} loaded`);
      }
    }
    if (batch.length) await store.resources.putMany(TENANT, batch);
    count += batch.length;
    const seconds = (performance.now() - started) / 1000;
    console.log(`load: ${count} resources in ${seconds.toFixed(0)} s (${Math.round(count / seconds)}/s)`);
  }

  const log = createLogger({
    level: 'error',
    destination: new Writable({ write: (_c, _e, done) => done() }),
  });
  const keys = createApiKeyService({ store });
  const token = (await keys.create({ tenant: TENANT, scopes: ['read'] })).token;
  const app = createApp({ store, log, graphql: createGatewayGraphQL({ store, definitions, keys, log }) });
  const server = createServer(app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  const post = async (query: string, variables: Record<string, unknown>) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as {
      data?: Record<string, unknown>;
      errors?: { message: string }[];
    };
    if (body.errors) throw new Error(`query failed: ${body.errors.map((e) => e.message).join('; ')}`);
    return body.data as Record<string, unknown>;
  };
  const time = async (runs: number, once: (run: number) => Promise<void>) => {
    await once(-1); // warm-up
    const ms: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      await once(run);
      ms.push(performance.now() - started);
    }
    return ms.sort((x, y) => x - y);
  };

  const rows: string[] = [];
  const row = (text: string) => {
    rows.push(text);
    console.error(text);
  };
  const a = await time(RUNS * 3, async (run) => {
    await post(QUERY_A, { id: pid(hash(run + 7) % PATIENTS) });
  });
  row(
    `| (a) Patient(id) with names and identifiers | ${RUNS * 3} | ${fmt(percentile(a, 50))} | ${fmt(percentile(a, 95))} |`,
  );

  let children = 0;
  const b = await time(RUNS, async (run) => {
    const first = hash(run + 1000) % Math.max(1, PATIENTS - 100);
    const ids = Array.from({ length: 100 }, (_, k) => pid(first + k));
    const data = await post(QUERY_B, { ids });
    const list = data.PatientList as { AppointmentList: unknown[]; ObservationList: unknown[] }[];
    if (list.length !== 100) throw new Error(`page had ${list.length} patients`);
    children = list.reduce((sum, p) => sum + p.AppointmentList.length + p.ObservationList.length, 0);
  });
  row(
    `| (b) 100 patients + appointments + latest 3 observations + practitioners | ${RUNS} | ${fmt(percentile(b, 50))} | ${fmt(percentile(b, 95))} |`,
  );

  let hits = 0;
  const cRuns = Math.max(3, Math.round(RUNS / 3));
  const c = await time(cRuns, async (run) => {
    const code = `http://loinc.org|${LOINC[hash(run) % LOINC.length]}`;
    const month = day(hash(run + 3) % 2000).slice(0, 7);
    let cursor: string | null = null;
    hits = 0;
    for (let page = 0; page < 3; page++) {
      const data = await post(QUERY_C, { code, month, cursor });
      const connection = data.ObservationConnection as { next: string | null; edges: unknown[] };
      hits += connection.edges.length;
      cursor = connection.next;
      if (!cursor) break;
    }
  });
  row(
    `| (c) Observations by code and month, 3 pages by cursor | ${cRuns} | ${fmt(percentile(c, 50))} | ${fmt(percentile(c, 95))} |`,
  );

  // Requests/s for (a) at 16 concurrent clients.
  const total = Math.max(100, RUNS * 20);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < total) {
        const run = next++;
        await post(QUERY_A, { id: pid(hash(run + 99) % PATIENTS) });
      }
    }),
  );
  const rps = total / ((performance.now() - started) / 1000);

  console.log(
    `\n${mongoUrl ? 'MongoDB wire protocol' : 'SQLite'}, ${PATIENTS} patients, ${PATIENTS * OBS_PER_PATIENT} observations, ${PATIENTS * 2} appointments, ${PRACTITIONERS} practitioners`,
  );
  console.log('| query | runs | p50 ms | p95 ms |\n| --- | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
  console.log(
    `(b) returned ${children} appointments + observations per page; (c) last run returned ${hits} hits`,
  );
  console.log(`(a) at 16 concurrent clients: ${Math.round(rps)} requests/s over ${total} requests`);

  server.closeAllConnections();
  server.close();
  await store.close();
  await ferret?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

async function startFerret() {
  const binary = ferretdbBinary();
  if (!binary)
    throw new Error('--store mongo needs --mongo-url or FerretDB (FERRETDB_BIN, bash scripts/ferretdb.sh)');
  return startFerretdb(binary);
}

await main();
