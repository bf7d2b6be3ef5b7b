import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from '../../src/fhir/definitions.ts';
import { parseSearch } from '../../src/fhir/parse-search.ts';
import { searchIndexer } from '../../src/fhir/search-indexer.ts';
import { createCursorSealer, deriveCursorKey } from '../../src/store/cursor-sealer.ts';
import type { Store } from '../../src/store/port.ts';
import { createSecretBox } from '../../src/store/secret-box.ts';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.ts';
import { createSqliteSearch } from '../../src/store/sqlite/sqlite-search.ts';
import { searchFixtures } from '../support/search-fixtures.ts';
import { TEST_KEY } from './harness.ts';

const defs = loadFhirDefinitions({
  resourceTypes: ['Patient', 'Observation', 'Appointment', 'Encounter', 'ChargeItem'],
});
const TENANT = 'plan';

/**
 * Index use, read from EXPLAIN QUERY PLAN of the statement the store runs for a page: the query is
 * driven by a value-index range, every other table is reached by key, nothing is scanned.
 */
describe('sqlite search query plans', () => {
  let dir: string;
  let store: Store;
  let db: DatabaseSync;
  let plan: (type: string, text: string, cursor?: string, tenant?: string) => string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'search-plan-'));
    const path = join(dir, 'gateway.db');
    store = openSqliteStore(path, {
      maxResourceBytes: 1 << 20,
      secretBox: createSecretBox(TEST_KEY),
      cursorKey: deriveCursorKey(TEST_KEY),
      indexer: searchIndexer(defs),
    });
    await store.tenants.ensure(TENANT);
    await store.resources.putMany(TENANT, searchFixtures());
    // A search writes the rows of a small batch, deferred until then (search-index.ts).
    await store.resources.search(TENANT, 'Patient', parseSearch(defs, 'Patient', new URLSearchParams('')));
    db = new DatabaseSync(path, { readOnly: true });
    const { pageStatement } = createSqliteSearch(db, true, {
      cursors: createCursorSealer(deriveCursorKey(TEST_KEY)),
    });
    plan = (type, text, cursor, tenant = TENANT) => {
      const query = { ...parseSearch(defs, type, new URLSearchParams(text)), cursor: cursor ?? null };
      const statement = pageStatement(tenant, type, query);
      const rows = db.prepare(`EXPLAIN QUERY PLAN ${statement.text}`).all(...statement.params) as Array<{
        detail: string;
      }>;
      return rows.map((row) => row.detail);
    };
  });
  afterAll(async () => {
    db?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** No full scan of a table, and no read of a whole tenant/type range. */
  function expectNoScans(details: string[]): void {
    expect(details.filter((d) => /^SCAN (?!d$)/.test(d))).toEqual([]);
    expect(details.filter((d) => /\(tenant=\? AND type=\?\)$/.test(d))).toEqual([]);
    for (const d of details.filter((line) => /^SEARCH (x|r|idx_|resources)/.test(line))) {
      expect(d).toMatch(/pid=\?|rowid[=<>]\?|tenant=\? AND type=\? AND \w+[=<>]/);
    }
  }

  it('name prefix: a range on the string value index', () => {
    const details = plan('Patient', 'name=smi');
    expectNoScans(details);
    expect(details).toContain(
      'SEARCH idx_string USING COVERING INDEX idx_string_v0 (pid=? AND value>? AND value<?)',
    );
    expect(details).toContain('SEARCH r USING INTEGER PRIMARY KEY (rowid=?)');
  });

  it('many reference values (a batched reverse lookup): one index seek per id, not a scan of the parameter', () => {
    const refs = Array.from({ length: 50 }, (_, i) => `Patient/pat-${String(i).padStart(3, '0')}`).join(',');
    const details = plan('Observation', `subject=${refs}`);
    expectNoScans(details);
    expect(details).toContainEqual(
      expect.stringMatching(/idx_reference USING (COVERING )?INDEX idx_reference_v0 \(pid=\? AND ref_id=\?/),
    );
  });

  it('birthdate range: a bounded range on the date low index', () => {
    const details = plan('Patient', 'birthdate=1980-03');
    expectNoScans(details);
    expect(details.some((d) => /idx_date_v0 \(pid=\? AND low>\? AND low<\?\)/.test(d))).toBe(true);
  });

  it('birthdate as two open-ended clauses: merged into one bounded range on the low index', () => {
    const details = plan('Patient', 'birthdate=ge1980-03-01&birthdate=lt1980-04-01');
    expectNoScans(details);
    expect(details).toContainEqual(
      expect.stringMatching(/USING INDEX idx_date_v0 \(pid=\? AND low>\? AND low<\?\)/),
    );
    // The second clause is part of the driver's range, not a probe per candidate.
    expect(details.some((d) => d.startsWith('SEARCH x'))).toBe(false);
  });

  it('Observation date (multi-valued by definition): merged into one range while the data has one entry each', async () => {
    const text = 'date=ge2020-03-01&date=lt2020-04-01';
    const merged = plan('Observation', text);
    expectNoScans(merged);
    // Every fixture Observation has one effective instant: one bounded range on `low` drives.
    expect(merged).toContainEqual(
      expect.stringMatching(/USING INDEX idx_date_v0 \(pid=\? AND low>\? AND low<\?\)/),
    );
    // The second clause is part of the driver's range, not a probe per candidate.
    expect(merged.some((d) => d.startsWith('SEARCH x'))).toBe(false);
    await store.tenants.ensure('timing');
    await store.resources.putMany('timing', [
      {
        resourceType: 'Observation',
        id: 'timed',
        status: 'final',
        code: { text: 'bp' },
        effectiveTiming: { event: ['2020-01-15', '2020-06-15'] },
      } as Resource,
    ]);
    await store.resources.search(
      'timing',
      'Observation',
      parseSearch(defs, 'Observation', new URLSearchParams('')),
    );
    const apart = plan('Observation', text, undefined, 'timing');
    expectNoScans(apart);
    // Once one has several entries, one clause drives and the other is checked on each candidate's rows.
    expect(apart).toContain('SEARCH x EXISTS USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)');
  });

  it('two clauses over the first estimate cap: counted again higher, and the smaller drives', async () => {
    const tenant = 'estimates';
    await store.tenants.ensure(tenant);
    await store.resources.putMany(
      tenant,
      Array.from(
        { length: 6 },
        (_, n) =>
          ({
            resourceType: 'Patient',
            id: `e${n}`,
            gender: 'female',
            name: [{ family: n < 3 ? 'Able' : 'Baker' }],
          }) as Resource,
      ),
    );
    await store.resources.search(tenant, 'Patient', parseSearch(defs, 'Patient', new URLSearchParams('')));
    const { pageStatement } = createSqliteSearch(db, true, { estimateCap: 2 });
    const query = { ...parseSearch(defs, 'Patient', new URLSearchParams('gender=female&family=able')) };
    const statement = pageStatement(tenant, 'Patient', query);
    const details = (
      db.prepare(`EXPLAIN QUERY PLAN ${statement.text}`).all(...statement.params) as Array<{ detail: string }>
    ).map((row) => row.detail);
    // gender (6 rows) is counted first, but family (3) drives once the cap of 2 is raised to 20.
    expect(details).toContain(
      'SEARCH idx_string USING COVERING INDEX idx_string_v0 (pid=? AND value>? AND value<?)',
    );
  });

  it('identifier token: an equality on the token code index', () => {
    const details = plan('Patient', 'identifier=https://jane.example/mrn|MRN1005');
    expectNoScans(details);
    expect(details).toContain(
      'SEARCH idx_token USING COVERING INDEX idx_token_v0 (pid=? AND code=? AND system=?)',
    );
  });

  it('Observations by subject + date range + code, sorted and on a later page', async () => {
    const text =
      'subject=Patient/pat-044&date=ge2020&code=http://loinc.org|8480-6,http://loinc.org|8867-4&_sort=-date&_count=1';
    const first = await store.resources.search(
      TENANT,
      'Observation',
      parseSearch(defs, 'Observation', new URLSearchParams(text)),
    );
    expect(first.next).toBeDefined();
    const details = plan('Observation', text, first.next);
    expectNoScans(details);
    // The subject (fewest rows) drives; date and code are probed per candidate and the sort value
    // read, each over the candidate's own rows.
    expect(details).toContain(
      'SEARCH idx_reference USING COVERING INDEX idx_reference_v0 (pid=? AND ref_id=? AND ref_type=?)',
    );
    expect(
      details.filter((d) => d === 'SEARCH x EXISTS USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)'),
    ).toHaveLength(2);
    expect(details).toContain('SEARCH x USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)');
  });

  it('a derived parameter reads its source: patient is subject restricted to Patients, combo-code is code', () => {
    const details = plan('Observation', 'patient=pat-044&combo-code=8480-6');
    expectNoScans(details);
    expect(details).toContain(
      'SEARCH idx_reference USING COVERING INDEX idx_reference_v0 (pid=? AND ref_id=? AND ref_type=?)',
    );
    expect(details).toContain('SEARCH x EXISTS USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)');
  });

  it('_id and _lastUpdated: ranges over the resources table indexes', () => {
    expect(plan('Patient', '_id=pat-044')).toContain(
      'SEARCH resources USING COVERING INDEX sqlite_autoindex_resources_1 (tenant=? AND type=? AND id=?)',
    );
    const details = plan('Patient', '_lastUpdated=gt2020&_sort=-_lastUpdated');
    expectNoScans(details);
    expect(details).toContain(
      'SEARCH resources USING COVERING INDEX resources_updated (tenant=? AND type=? AND last_updated>?)',
    );
  });
});
