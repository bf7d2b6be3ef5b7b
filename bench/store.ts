/**
 * Store benchmark: puts with change-log append (single and batched), reads by id, and
 * change-log tailing, on SQLite and (when a server is reachable) MongoDB/FerretDB.
 * Prints resources/s. Usage: node bench/store.ts [--mongo-url URL] [--mongo-only] [--scale N]
 * [--indexer]: on SQLite, runs the writes twice, without and with the search indexer (every R4
 * search parameter of Observation), and prints the with/without ratio of each write figure; the
 * indexed figures include a search after each phase, which writes any deferred index rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Resource } from 'fhir/r4';
import { loadFhirDefinitions } from '../src/fhir/definitions.ts';
import { parseSearch } from '../src/fhir/parse-search.ts';
import { searchIndexer } from '../src/fhir/search-indexer.ts';
import { openMongoStore } from '../src/store/mongo/open-mongo-store.ts';
import type { Store } from '../src/store/port.ts';
import { createSecretBox } from '../src/store/secret-box.ts';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.ts';
import { ferretdbBinary, startFerretdb } from '../test/support/ferretdb.ts';

const { values } = parseArgs({
  options: {
    'mongo-url': { type: 'string' },
    'mongo-only': { type: 'boolean', default: false },
    scale: { type: 'string', default: '1' },
    indexer: { type: 'boolean', default: false },
    rounds: { type: 'string', default: '3' },
  },
});
const scale = Number(values.scale);
const options = { maxResourceBytes: 1 << 20, secretBox: createSecretBox(Buffer.alloc(32, 5)) };

const observation = (i: number, round = 0): Resource =>
  ({
    resourceType: 'Observation',
    id: `obs-${i}`,
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/p-${i % 1000}` },
    effectiveDateTime: '2026-01-01T10:00:00Z',
    valueQuantity: {
      value: 60 + ((i + round) % 40),
      unit: 'beats/minute',
      system: 'http://unitsofmeasure.org',
      code: '/min',
    },
    meta: {
      source: 'urn:fhir-gateway:connection:bench',
      tag: [{ system: 'urn:fhir-gateway:source', code: 'epic' }],
    },
  }) as Resource;

async function timed(label: string, count: number, work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  const seconds = (performance.now() - start) / 1000;
  const rate = count / seconds;
  console.log(
    `  ${label.padEnd(38)} ${String(count).padStart(8)} in ${seconds.toFixed(2).padStart(6)} s  ${Math.round(rate).toLocaleString('en-US').padStart(9)} /s`,
  );
  return rate;
}

async function benchStore(
  name: string,
  store: Store,
  sizes: { single: number; batched: number; batch: number },
  only?: 'writes',
  /** Run inside each timed write phase, after the writes: what a reader waits for before it sees them. */
  settle: () => Promise<void> = async () => {},
): Promise<Record<string, number>> {
  console.log(`\n${name}`);
  const rates: Record<string, number> = {};
  const time = async (label: string, count: number, work: () => Promise<void>) => {
    rates[label] = await timed(label, count, work);
  };
  await store.tenants.ensure('bench');
  await time('put, one at a time (created)', sizes.single, async () => {
    for (let i = 0; i < sizes.single; i++) await store.resources.put('bench', observation(1_000_000 + i));
    await settle();
  });
  await time(`putMany, batches of ${sizes.batch} (created)`, sizes.batched, async () => {
    for (let i = 0; i < sizes.batched; i += sizes.batch) {
      await store.resources.putMany(
        'bench',
        Array.from({ length: sizes.batch }, (_, k) => observation(i + k)),
      );
    }
    await settle();
  });
  await time(`putMany, batches of ${sizes.batch} (updated)`, sizes.batched, async () => {
    for (let i = 0; i < sizes.batched; i += sizes.batch) {
      await store.resources.putMany(
        'bench',
        Array.from({ length: sizes.batch }, (_, k) => observation(i + k, 1)),
      );
    }
    await settle();
  });
  await time(`putMany, batches of ${sizes.batch} (unchanged)`, sizes.batched, async () => {
    for (let i = 0; i < sizes.batched; i += sizes.batch) {
      await store.resources.putMany(
        'bench',
        Array.from({ length: sizes.batch }, (_, k) => observation(i + k, 1)),
      );
    }
    await settle();
  });
  if (only === 'writes') return rates;
  const reads = Math.min(sizes.batched, 20_000);
  await time('read by id', reads, async () => {
    for (let i = 0; i < reads; i++)
      await store.resources.read('bench', 'Observation', `obs-${(i * 7919) % sizes.batched}`);
  });
  await time('readMany, 100 keys a call', reads, async () => {
    for (let i = 0; i < reads; i += 100) {
      await store.resources.readMany(
        'bench',
        Array.from({ length: 100 }, (_, k) => ({
          type: 'Observation',
          id: `obs-${(i + k) % sizes.batched}`,
        })),
      );
    }
  });
  const total = await store.changes.highWaterMark();
  await time('changes.after tailing, pages of 1000', total, async () => {
    let cursor: string | undefined;
    for (;;) {
      const page = await store.changes.after(cursor, 1000, { allTenants: true });
      if (page.cursor === cursor) break;
      cursor = page.cursor;
    }
  });
  return rates;
}

/**
 * The write figures without and with the search indexer, alternating over fresh databases
 * (`rounds` each, median taken, since a 2-core machine's figures wander by ±10% run to run).
 */
async function benchIndexerRatio(rounds: number) {
  const defs = loadFhirDefinitions({ resourceTypes: ['Observation'] });
  const indexer = searchIndexer(defs);
  // A search drains the rows the SQLite index defers (search-index.ts): the indexed figures
  // include it, so deferred work is counted, not hidden.
  const probe = parseSearch(defs, 'Observation', new URLSearchParams('status=final&_count=1'));
  const sizes = { single: 2_000 * scale, batched: 50_000 * scale, batch: 1000 };
  const runs: { plain: Array<Record<string, number>>; indexed: Array<Record<string, number>> } = {
    plain: [],
    indexed: [],
  };
  for (let round = 0; round < rounds; round++) {
    for (const mode of ['plain', 'indexed'] as const) {
      const store = openSqliteStore(join(dir, `ratio-${round}-${mode}.db`), {
        ...options,
        ...(mode === 'indexed' ? { indexer } : {}),
      });
      const settle = async () => {
        if (mode === 'indexed') await store.resources.search('bench', 'Observation', probe);
      };
      runs[mode].push(
        await benchStore(`sqlite, ${mode}, round ${round + 1}`, store, sizes, 'writes', settle),
      );
      await store.close();
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  console.log(`\nwith / without the indexer (median of ${rounds} rounds):`);
  for (const label of Object.keys(runs.plain[0] ?? {})) {
    const plain = median(runs.plain.map((r) => r[label] ?? 0));
    const indexed = median(runs.indexed.map((r) => r[label] ?? 0));
    console.log(
      `  ${label.padEnd(38)} ${Math.round(indexed).toLocaleString('en-US').padStart(9)} vs ${Math.round(plain).toLocaleString('en-US').padStart(9)} /s  ${(indexed / plain).toFixed(2)}x`,
    );
  }
}

const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
try {
  if (values.indexer) await benchIndexerRatio(Number(values.rounds));
  else await benchAll();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

async function benchAll() {
  const sqlite = openSqliteStore(join(dir, 'bench.db'), options);
  if (!values['mongo-only'])
    await benchStore('sqlite (node:sqlite, WAL, synchronous=NORMAL)', sqlite, {
      single: 5_000 * scale,
      batched: 100_000 * scale,
      batch: 1000,
    });
  await sqlite.close();

  let mongoUrl = values['mongo-url'] ?? process.env.MONGODB_URL;
  let stop: (() => Promise<void>) | undefined;
  const binary = ferretdbBinary();
  if (!mongoUrl && binary) {
    const ferret = await startFerretdb(binary);
    mongoUrl = ferret.url;
    stop = ferret.stop;
  }
  if (mongoUrl) {
    const mongo = await openMongoStore(mongoUrl, { ...options, dbName: `bench_${Date.now()}` });
    await benchStore(
      `mongo (${binary && !values['mongo-url'] ? 'FerretDB v1.24.2, SQLite handler' : mongoUrl})`,
      mongo,
      // FerretDB's SQLite handler scans whole collections (no index pushdown), so its
      // figures fall as collections grow: the load is kept small and RESULTS.md says so.
      { single: 300 * scale, batched: 3_000 * scale, batch: 500 },
    );
    await mongo.close();
    await stop?.();
  } else {
    console.log('\nmongo: skipped (no MONGODB_URL and no FerretDB; run bash scripts/ferretdb.sh)');
  }
}
