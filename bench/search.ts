/**
 * Search benchmark: loads synthetic Patients and Observations with the search indexer and measures
 * search latency (p50/p95) for the common query shapes, plus putMany throughput with and without
 * the indexer. SQLite at full size; MongoDB/FerretDB at a much smaller size (FerretDB's SQLite
 * handler scans every document on every query, so its figures are not index figures).
 * Usage: node bench/search.ts [--patients N] [--observations N] [--mongo-patients N]
 *        [--mongo-observations N] [--runs N] [--mongo-runs N] [--mongo-url URL] [--skip-mongo] [--skip-sqlite]
 *        [--db FILE]: keep the SQLite load in FILE; a later run with the same FILE only queries.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Observation, Patient, Resource } from 'fhir/r4';
import { loadFhirDefinitions } from '../src/fhir/definitions.ts';
import { parseSearch } from '../src/fhir/parse-search.ts';
import { searchIndexer } from '../src/fhir/search-indexer.ts';
import { openMongoStore } from '../src/store/mongo/open-mongo-store.ts';
import type { Store } from '../src/store/port.ts';
import { createSecretBox } from '../src/store/secret-box.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';
import type { StoreOptions } from '../src/store/store-options.ts';
import { ferretdbBinary, startFerretdb } from '../test/support/ferretdb.ts';

const { values: args } = parseArgs({
  options: {
    patients: { type: 'string', default: '100000' },
    observations: { type: 'string', default: '1000000' },
    'mongo-patients': { type: 'string', default: '2000' },
    'mongo-observations': { type: 'string', default: '20000' },
    runs: { type: 'string', default: '200' },
    'mongo-runs': { type: 'string', default: '5' },
    'mongo-url': { type: 'string' },
    'skip-mongo': { type: 'boolean', default: false },
    'skip-sqlite': { type: 'boolean', default: false },
    db: { type: 'string' },
  },
});

const defs = loadFhirDefinitions({ resourceTypes: ['Patient', 'Observation'] });
const indexer = searchIndexer(defs);
const base = { maxResourceBytes: 1 << 20, secretBox: createSecretBox(Buffer.alloc(32, 5)) };
const TENANT = 'bench';
const BATCH = 1000;

/** Integer hash (deterministic, well spread) so the data is the same on every run. */
function hash(n: number): number {
  let x = (n ^ 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

const SYLLABLES = [
  'an',
  'ber',
  'cor',
  'dal',
  'el',
  'fen',
  'gar',
  'hol',
  'is',
  'jor',
  'kel',
  'lin',
  'mor',
  'nor',
  'ol',
  'par',
  'quin',
  'ros',
  'sal',
  'tor',
  'ul',
  'van',
  'wes',
  'yor',
  'zel',
];
const syllable = (n: number) => SYLLABLES[n % SYLLABLES.length] as string;
/** ~15,600 distinct family names, so a 4-letter prefix selects tens to hundreds of patients. */
const family = (i: number) => {
  const h = hash(i);
  const name = syllable(h) + syllable(h >>> 5) + syllable(h >>> 10);
  return name[0]?.toUpperCase() + name.slice(1);
};
const GIVEN = ['Anna', 'Liam', 'Noah', 'Olivia', 'Wei', 'José', 'Chloé', 'Mohammed', 'Zoë', 'Jan'];
const DAY = 86_400_000;
const BIRTH_FROM = Date.UTC(1935, 0, 1);
const OBS_FROM = Date.UTC(2019, 0, 1);
const CODES = [
  { code: '8867-4', display: 'Heart rate', unit: '/min' },
  { code: '29463-7', display: 'Body weight', unit: 'kg' },
  { code: '8310-5', display: 'Body temperature', unit: 'Cel' },
  { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]' },
  { code: '2339-0', display: 'Glucose', unit: 'mg/dL' },
  { code: '718-7', display: 'Hemoglobin', unit: 'g/dL' },
];
const meta = (n: number) => ({
  source: `urn:fhir-gateway:connection:${['jane-main', 'drchrono-1', 'epic-org'][n % 3]}`,
  tag: [{ system: 'urn:fhir-gateway:source', code: ['jane', 'drchrono', 'epic'][n % 3] as string }],
});

function patient(i: number): Patient {
  const h = hash(i + 7);
  return {
    resourceType: 'Patient',
    id: `p${i}`,
    meta: meta(i),
    identifier: [{ system: 'urn:mrn', value: `MRN${i}` }],
    name: [{ family: family(i), given: [GIVEN[h % GIVEN.length] as string] }],
    gender: h % 2 === 0 ? 'female' : 'male',
    birthDate: new Date(BIRTH_FROM + (h % (85 * 365)) * DAY).toISOString().slice(0, 10),
    address: [
      { city: ['Springfield', 'Vancouver', 'Portland'][h % 3] as string, postalCode: `${10000 + (h % 900)}` },
    ],
  };
}

function observation(j: number, patients: number): Observation {
  const h = hash(j + 13);
  const test = CODES[h % CODES.length] as (typeof CODES)[number];
  return {
    resourceType: 'Observation',
    id: `o${j}`,
    meta: meta(j),
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: test.code, display: test.display }] },
    subject: { reference: `Patient/p${hash(j) % patients}` },
    effectiveDateTime: new Date(OBS_FROM + (h % (6 * 365 * 24)) * 3_600_000).toISOString(),
    valueQuantity: {
      value: 40 + (h % 1200) / 10,
      unit: test.unit,
      system: 'http://unitsofmeasure.org',
      code: test.unit,
    },
  };
}

async function load(
  store: Store,
  count: number,
  make: (i: number) => Resource,
  label: string,
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - i) }, (_, k) => make(i + k));
    await store.resources.putMany(TENANT, batch);
    if ((i / BATCH) % 100 === 99) {
      const rate = (i + BATCH) / ((performance.now() - start) / 1000);
      console.log(`    ${label}: ${i + BATCH} loaded (${Math.round(rate)} /s)`);
    }
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `  load ${label.padEnd(14)} ${String(count).padStart(8)} in ${seconds.toFixed(1)} s  (${Math.round(count / seconds)} /s)`,
  );
  return count / seconds;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] as number;

async function measure(label: string, runs: number, work: (run: number) => Promise<number>): Promise<void> {
  const times: number[] = [];
  let hits = 0;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    hits += await work(run);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(
    `  ${label.padEnd(62)} p50 ${percentile(times, 0.5).toFixed(2).padStart(8)} ms  p95 ${percentile(times, 0.95).toFixed(2).padStart(8)} ms  (${runs} runs, avg ${(hits / runs).toFixed(1)} hits)`,
  );
}

async function queries(store: Store, sizes: { patients: number; observations: number }, runs: number) {
  const heavyRuns = Math.max(3, Math.floor(runs / 10));
  const search = async (type: string, text: string) => {
    const page = await store.resources.search(
      TENANT,
      type,
      parseSearch(defs, type, new URLSearchParams(text)),
    );
    return page;
  };
  const month = (run: number) => {
    const d = new Date(BIRTH_FROM + (hash(run) % (80 * 12)) * 30 * DAY);
    return {
      from: d.toISOString().slice(0, 7),
      to: new Date(d.getTime() + 31 * DAY).toISOString().slice(0, 7),
    };
  };
  await measure('Patient?name=<4-letter prefix>', runs, async (run) => {
    return (await search('Patient', `name=${family(run * 31).slice(0, 4)}`)).items.length;
  });
  await measure('Patient?birthdate=ge<month>&birthdate=lt<next month>', runs, async (run) => {
    const { from, to } = month(run);
    return (await search('Patient', `birthdate=ge${from}-01&birthdate=lt${to}-01`)).items.length;
  });
  await measure('Patient?birthdate=<month> (eq on a month)', runs, async (run) => {
    return (await search('Patient', `birthdate=${month(run).from}`)).items.length;
  });
  await measure('Patient?identifier=urn:mrn|MRN<n>', runs, async (run) => {
    return (await search('Patient', `identifier=urn:mrn|MRN${hash(run) % sizes.patients}`)).items.length;
  });
  await measure('Observation?subject=<p>&date=ge2021&date=lt2024&code=loinc|<c>', runs, async (run) => {
    const code = (CODES[run % CODES.length] as (typeof CODES)[number]).code;
    const subject = `Patient/p${hash(run * 3) % sizes.patients}`;
    return (
      await search(
        'Observation',
        `subject=${subject}&date=ge2021-01-01&date=lt2024-01-01&code=http://loinc.org|${code}`,
      )
    ).items.length;
  });
  const paged = async (type: string, text: string) => {
    let query = parseSearch(defs, type, new URLSearchParams(text));
    let hits = 0;
    for (let page = 0; page < 3; page++) {
      const result = await store.resources.search(TENANT, type, query);
      hits += result.items.length;
      if (!result.next) break;
      query = { ...query, cursor: result.next };
    }
    return hits;
  };
  await measure('Observation?subject=<p>&_sort=-date&_count=3, 3 pages (a timeline)', runs, async (run) => {
    return paged('Observation', `subject=Patient/p${hash(run * 5) % sizes.patients}&_sort=-date&_count=3`);
  });
  // A hard shape: the code selects a sixth of all Observations and the week is two open-ended ranges.
  await measure(
    'Observation?code=<c>&date=ge<d>&date=lt<d+7>&_sort=-date&_count=20, 3 pages',
    heavyRuns,
    async (run) => {
      const code = (CODES[run % CODES.length] as (typeof CODES)[number]).code;
      const start = new Date(OBS_FROM + (hash(run) % (5 * 52)) * 7 * DAY);
      const end = new Date(start.getTime() + 7 * DAY);
      return paged(
        'Observation',
        `code=${code}&date=ge${start.toISOString().slice(0, 10)}&date=lt${end.toISOString().slice(0, 10)}&_sort=-date&_count=20`,
      );
    },
  );
  await measure(
    'Patient?name=<2-letter prefix>&_sort=birthdate,family&_count=20, 3 pages',
    runs,
    async (run) => {
      return paged('Patient', `name=${family(run * 17).slice(0, 2)}&_sort=birthdate,family&_count=20`);
    },
  );
  await measure(
    'Patient?gender=female&_total=accurate&_count=20 (count over all hits)',
    Math.max(3, Math.floor(runs / 20)),
    async () => {
      return (await search('Patient', 'gender=female&_total=accurate&_count=20')).total ?? 0;
    },
  );
}

/** putMany with and without the indexer, alternating over fresh stores, median of `rounds`. */
async function throughput(
  open: (options: Partial<StoreOptions>) => Promise<Store>,
  count: number,
  rounds = 3,
) {
  const rates: { plain: number[]; indexed: number[] } = { plain: [], indexed: [] };
  for (let round = 0; round < rounds; round++) {
    for (const withIndexer of [false, true]) {
      const store = await open(withIndexer ? { indexer } : {});
      await store.tenants.ensure(TENANT);
      const label = withIndexer ? 'indexed' : 'not indexed';
      rates[withIndexer ? 'indexed' : 'plain'].push(
        await load(store, count, (j) => observation(j, 1000), label),
      );
      await store.close();
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 1;
  const [plain, indexed] = [median(rates.plain), median(rates.indexed)];
  console.log(
    `  putMany throughput with the indexer: ${(indexed / plain).toFixed(2)}x of without (${Math.round(indexed)} vs ${Math.round(plain)} Observations/s, median of ${rounds})`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'bench-search-'));
let n = 0;
try {
  if (!args['skip-sqlite']) {
    const patients = Number(args.patients);
    const observations = Number(args.observations);
    console.log(`\nsqlite: ${patients} Patients, ${observations} Observations`);
    const kept = args.db !== undefined && existsSync(args.db);
    if (!kept)
      await throughput(
        async (o) => openSqliteStore(join(dir, `throughput-${n++}.db`), { ...base, ...o }),
        20_000,
      );
    const sqlite = openSqliteStore(args.db ?? join(dir, 'search.db'), { ...base, indexer });
    await sqlite.tenants.ensure(TENANT);
    if (kept) {
      console.log(`  queries only: ${args.db} is loaded already (same sizes assumed)`);
    } else {
      await load(sqlite, patients, patient, 'Patients');
      await load(sqlite, observations, (j) => observation(j, patients), 'Observations');
    }
    await queries(sqlite, { patients, observations }, Number(args.runs));
    await sqlite.close();
  }

  if (!args['skip-mongo']) {
    let mongoUrl = args['mongo-url'] ?? process.env.MONGODB_URL;
    let stop: (() => Promise<void>) | undefined;
    const binary = ferretdbBinary();
    if (!mongoUrl && binary) {
      const ferret = await startFerretdb(binary);
      mongoUrl = ferret.url;
      stop = ferret.stop;
    }
    if (mongoUrl) {
      const mp = Number(args['mongo-patients']);
      const mo = Number(args['mongo-observations']);
      console.log(
        `\nmongo (${binary && !args['mongo-url'] ? 'FerretDB v1.24.2, SQLite handler: no index pushdown' : mongoUrl}): ${mp} Patients, ${mo} Observations`,
      );
      await throughput(
        async (o) => openMongoStore(mongoUrl, { ...base, ...o, dbName: `bench_tp_${n++}_${Date.now()}` }),
        5_000,
      );
      const mongo = await openMongoStore(mongoUrl, {
        ...base,
        indexer,
        dbName: `bench_search_${Date.now()}`,
      });
      await mongo.tenants.ensure(TENANT);
      await load(mongo, mp, patient, 'Patients');
      await load(mongo, mo, (j) => observation(j, mp), 'Observations');
      await queries(mongo, { patients: mp, observations: mo }, Number(args['mongo-runs']));
      await mongo.close();
      await stop?.();
    } else {
      console.log('\nmongo: skipped (no MONGODB_URL and no FerretDB; run bash scripts/ferretdb.sh)');
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
