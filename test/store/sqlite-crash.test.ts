import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, type SQLOutputValue } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from '../../src/fhir/definitions.ts';
import type { IndexEntry } from '../../src/fhir/index-entry.ts';
import { parseSearch } from '../../src/fhir/parse-search.ts';
import { searchIndexer } from '../../src/fhir/search-indexer.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { ENTRY_BITS, SEARCH_INDEX_TABLES } from '../../src/store/sqlite/search-index.ts';
import { TEST_KEY } from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'store-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the writer, lets it run `ms` after its first commit, then kills it with SIGKILL. */
async function killMidBurst(path: string, ms: number, indexed = false): Promise<void> {
  const args = [join(import.meta.dirname, 'crash-writer.ts'), path, ...(indexed ? ['--indexed'] : [])];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
  });
  await new Promise((r) => setTimeout(r, ms));
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe('sqlite crash safety', () => {
  it('after kill -9 mid-burst, every version has its change and every change its version', async () => {
    const path = join(dir, 'crash.db');
    for (const ms of [150, 420, 730]) await killMidBurst(path, ms);

    // Reopening runs recovery (WAL replay) exactly as a restarted gateway would.
    const store = openSqliteStore(path, {
      maxResourceBytes: 1024 * 1024,
      secretBox: createSecretBox(TEST_KEY),
    });
    await store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      const versions = count('SELECT COUNT(*) AS n FROM resource_versions');
      expect(versions).toBeGreaterThan(100);
      expect(count('SELECT COUNT(*) AS n FROM changes')).toBe(versions);
      expect(
        count(`SELECT COUNT(*) AS n FROM resource_versions v LEFT JOIN changes c
          ON c.tenant = v.tenant AND c.type = v.type AND c.id = v.id AND c.version_id = v.version_id WHERE c.seq IS NULL`),
      ).toBe(0);
      expect(
        count(`SELECT COUNT(*) AS n FROM changes c LEFT JOIN resource_versions v
          ON c.tenant = v.tenant AND c.type = v.type AND c.id = v.id AND c.version_id = v.version_id WHERE v.id IS NULL`),
      ).toBe(0);
      // The current row is always the newest version.
      expect(
        count(`SELECT COUNT(*) AS n FROM resources r WHERE r.version_id <>
          (SELECT MAX(version_id) FROM resource_versions v WHERE v.tenant = r.tenant AND v.type = r.type AND v.id = r.id)`),
      ).toBe(0);
      // Seqs have no holes: a torn transaction left nothing behind.
      expect(count('SELECT MAX(seq) - MIN(seq) + 1 AS n FROM changes')).toBe(versions);
      expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
    } finally {
      db.close();
    }
  }, 60_000);

  it('after kill -9 with index rows still deferred, the index is rebuilt to match every current body', async () => {
    const path = join(dir, 'crash-indexed.db');
    for (const ms of [150, 420, 730]) await killMidBurst(path, ms, true);

    const defs = loadFhirDefinitions({ resourceTypes: ['Observation', 'Patient'] });
    const indexer = searchIndexer(defs);
    const pending = () => {
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM index_pending').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    // The writer defers the rows of small batches; a kill almost always leaves some behind (not
    // when it lands between a drain's commit and the next write): kill again until it has.
    for (let tries = 0; pending() === 0 && tries < 5; tries++) await killMidBurst(path, 150, true);
    expect(pending()).toBeGreaterThan(0);
    const store = openSqliteStore(path, {
      maxResourceBytes: 1024 * 1024,
      secretBox: createSecretBox(TEST_KEY),
      indexer,
    });
    try {
      const parse = (type: string, text: string) => parseSearch(defs, type, new URLSearchParams(text));
      const total = async (type: string, text: string) =>
        (await store.resources.search('crash', type, parse(type, `${text}&_total=accurate&_count=1`))).total;
      // A search first writes what was deferred, from the stored bodies.
      expect(await total('Patient', 'gender=other')).toBeGreaterThan(0);
      expect(pending()).toBe(0);
    } finally {
      await store.close();
    }
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const live = db.prepare('SELECT rid, body FROM resources WHERE deleted = 0').all() as Array<{
        rid: number;
        body: string;
      }>;
      const expected = new Map<number, string[]>();
      for (const { rid, body } of live) {
        const entries = indexer(JSON.parse(body), { derived: false });
        expected.set(
          rid,
          entries.map((entry) => rowKey(entry.param, entry.kind, entryColumns(entry))).sort(),
        );
      }
      const actual = new Map<number, string[]>();
      for (const [kind, { table, columns }] of Object.entries(SEARCH_INDEX_TABLES)) {
        const names = columns.split(',').map((c) => c.trim().split(' ')[0] as string);
        const rows = db
          .prepare(`SELECT x.k >> ${ENTRY_BITS} AS rid, p.param, ${names.map((n) => `x.${n}`).join(', ')}
            FROM ${table} x JOIN search_params p ON p.pid = x.pid`)
          .all() as Array<Record<string, SQLOutputValue>>;
        for (const row of rows) {
          const list = actual.get(row.rid as number) ?? [];
          list.push(
            rowKey(
              row.param as string,
              kind,
              names.map((n) => row[n] ?? null),
            ),
          );
          actual.set(row.rid as number, list);
        }
      }
      for (const list of actual.values()) list.sort();
      // Every live resource has exactly the rows of its current body; deleted ones have none.
      expect(new Map([...actual].filter(([, list]) => list.length > 0))).toEqual(
        new Map([...expected].filter(([, list]) => list.length > 0)),
      );
    } finally {
      db.close();
    }
  }, 60_000);
});

const rowKey = (param: string, kind: string, values: unknown[]) => JSON.stringify([param, kind, ...values]);

/** An entry's values in its table's column order (ref_type → refType). */
function entryColumns(entry: IndexEntry): unknown[] {
  const { columns } = SEARCH_INDEX_TABLES[entry.kind];
  return columns.split(',').map((c) => {
    const name = (c.trim().split(' ')[0] as string).replace(/_(\w)/g, (_, letter: string) =>
      letter.toUpperCase(),
    );
    return (entry as Record<string, unknown>)[name] ?? null;
  });
}
