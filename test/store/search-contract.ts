import { randomUUID } from 'node:crypto';
import type { Observation, Patient, Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from '../../src/fhir/definitions.ts';
import { extractIndexEntries } from '../../src/fhir/extract-index-entries.ts';
import type { IndexEntry } from '../../src/fhir/index-entry.ts';
import { matchesQuery } from '../../src/fhir/match-search.ts';
import { parseSearch } from '../../src/fhir/parse-search.ts';
import { SearchError } from '../../src/fhir/search-error.ts';
import { searchIndexer } from '../../src/fhir/search-indexer.ts';
import type { MatchClause, SearchQuery } from '../../src/fhir/search-query.ts';
import { CursorError, InvalidSearchError, SearchUnavailableError } from '../../src/store/errors.ts';
import type { SearchPage, Store } from '../../src/store/port.ts';
import { compareCodePoints, compareSortValues, sortValueOf } from '../../src/store/search-sort.ts';
import type { StoreOptions } from '../../src/store/store-options.ts';
import { searchFixtures } from '../support/search-fixtures.ts';
import { leakedValues } from '../support/value-encodings.ts';

/** How the search suite reaches one adapter; every `open` sees the same database. */
export type SearchHarness = {
  /** Opens with the suite's cursor key unless `cursorKey` says otherwise. */
  open(options: Pick<StoreOptions, 'indexer' | 'now' | 'cursorKey'>): Promise<Store>;
  cleanup(): Promise<void>;
};

const defs = loadFhirDefinitions({
  resourceTypes: ['Patient', 'Observation', 'Appointment', 'Encounter', 'ChargeItem'],
});
/** "Now" for `ap` date tolerance, fixed so the expectations do not drift. */
const NOW = Date.parse('2025-06-01T00:00:00Z');
/** The fixtures are written in three batches an hour apart, so _lastUpdated has something to tell apart. */
const LOADED_AT = Date.parse('2025-03-01T00:00:00Z');
const HOUR = 3_600_000;

/**
 * Queries over the fixtures, each checked against the reference semantics (matchesQuery, and the
 * sort order of search-sort.ts). Together they cover every clause kind, modifier and prefix.
 */
const QUERIES: ReadonlyArray<readonly [type: string, query: string]> = [
  ['Patient', ''],
  ['Patient', 'family=smi'],
  ['Patient', 'family=ALV'],
  ['Patient', 'family=mü'],
  ['Patient', 'family:exact=Álvarez'],
  ['Patient', 'family:contains=son'],
  ['Patient', 'name=jose'],
  ['Patient', 'given=zo,eve'],
  ['Patient', 'name=smith&given=anna'],
  ['Patient', 'address-city=spring'],
  ['Patient', 'address:contains=elm st'],
  ['Patient', 'address=spring'],
  ['Patient', 'birthdate=1980'],
  ['Patient', 'birthdate=ge1980-01-01&birthdate=lt1990-01-01'],
  // AND-ed clauses on a single short date (merged into one bounded range by the SQLite store)
  ['Patient', 'birthdate=ge1980-03&birthdate=lt1982-04'],
  ['Patient', 'birthdate=gt1970&birthdate=le1975-06'],
  ['Patient', 'birthdate=sa1960&birthdate=eb1970-01-01'],
  ['Patient', 'birthdate=ap1975-06-15&birthdate=ge1975'],
  ['Patient', 'birthdate=1980&birthdate=ge1980-06'],
  ['Patient', 'birthdate=ge1950&birthdate=lt1990&birthdate=ne1980'],
  ['Patient', 'birthdate=ge1980,lt1950&birthdate=lt1985'],
  ['Patient', 'birthdate=ge1985-01-01&birthdate=lt1984-01-01'],
  ['Patient', 'birthdate=lt1950'],
  ['Patient', 'birthdate=gt2000-06'],
  ['Patient', 'birthdate=sa1990'],
  ['Patient', 'birthdate=eb1950-01-01'],
  ['Patient', 'birthdate=ne1980'],
  ['Patient', 'birthdate=ap1975-06-15'],
  ['Patient', 'birthdate=le1960-03-04'],
  ['Patient', 'birthdate=ge1990'],
  ['Patient', 'birthdate:missing=true'],
  ['Patient', 'gender:missing=false&_sort=family'],
  ['Patient', 'gender=female'],
  ['Patient', 'gender:not=male'],
  ['Patient', 'gender=male,other'],
  ['Patient', 'identifier=MRN1005'],
  ['Patient', 'identifier=https://jane.example/mrn|MRN1010,https://jane.example/mrn|MRN1011'],
  ['Patient', 'identifier=|LEGACY-3'],
  ['Patient', 'identifier=https://jane.example/mrn|'],
  ['Patient', 'identifier:text=legacy'],
  ['Patient', 'active=false'],
  ['Patient', 'active:missing=true'],
  ['Patient', 'email=patient2@example.org,patient9@example.org'],
  ['Patient', 'telecom=phone|%2B1-555-0102'],
  ['Patient', 'general-practitioner=Practitioner/pr-2'],
  ['Patient', 'general-practitioner=pr-3'],
  ['Patient', 'general-practitioner:Practitioner=pr-1'],
  ['Patient', '_id=pat-001,pat-050,pat-999'],
  ['Patient', '_tag=urn:fhir-gateway:source|jane'],
  ['Patient', '_source=urn:fhir-gateway:connection:epic-org'],
  ['Patient', '_connection=drchrono-1'],
  ['Patient', '_profile=http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'],
  ['Patient', '_profile:below=http://hl7.org/fhir/us/core'],
  ['Patient', '_source:above=urn:fhir-gateway:connection:jane-main/extra'],
  ['Patient', '_profile:missing=true&gender=female'],
  ['Patient', '_lastUpdated=gt2025-03-01T00:30:00Z'],
  ['Patient', '_lastUpdated=2025-03-01T01:00:00Z'],
  // Parameters SQLite answers from resource columns (parameter-sources.ts), every form.
  ['Patient', '_id:not=pat-001'],
  ['Patient', '_id=|pat-002'],
  ['Patient', '_connection:not=jane-main'],
  ['Patient', '_connection:missing=true'],
  ['Patient', '_connection:missing=false&gender=male'],
  ['Patient', '_connection=jane-main,epic-org&_sort=-_connection,_id'],
  ['Patient', '_source:below=urn:fhir-gateway:connection:&_sort=_source'],
  ['Patient', '_source:missing=true'],
  ['Patient', '_lastUpdated=le2025-03-01T01:00:00Z&_lastUpdated=ge2025-03-01'],
  ['Patient', '_lastUpdated=ap2025-03-01T02:00:00Z'],
  ['Patient', '_lastUpdated=sa2025-03-01T00:59:59Z&_sort=_lastUpdated'],
  ['Patient', '_lastUpdated=eb2025-03-01T01:00:00Z'],
  ['Patient', '_lastUpdated=ne2025-03-01T01:00:00Z'],
  // Derived from other parameters' entries: restriction, union and alias.
  ['Observation', 'patient=pat-044'],
  ['Observation', 'patient:missing=true'],
  ['Observation', 'combo-code=http://loinc.org|8480-6&_sort=combo-code'],
  ['Observation', 'combo-value-quantity=gt100'],
  ['Patient', 'phonetic=sm&_sort=-phonetic'],
  ['Appointment', 'practitioner:missing=false&_sort=patient'],
  ['Patient', '_sort=birthdate'],
  ['Patient', '_sort=-birthdate'],
  ['Patient', 'family=s&_sort=family,-birthdate'],
  ['Patient', 'gender=female&_sort=-family,given'],
  ['Patient', '_sort=-_lastUpdated,gender'],
  ['Patient', '_sort=identifier'],
  ['Patient', '_sort=-general-practitioner'],
  ['Observation', 'code=8867-4'],
  ['Observation', 'code=http://loinc.org|29463-7'],
  ['Observation', 'code=urn:drchrono:lab-code|'],
  ['Observation', 'code:text=blood'],
  ['Observation', 'code:text=pressure'],
  ['Observation', 'code:not=8867-4'],
  ['Observation', 'subject=Patient/pat-003'],
  ['Observation', 'patient=pat-053'],
  ['Observation', 'subject:Patient=pat-020'],
  ['Observation', 'subject=https://epic.example/fhir/Patient/pat-045'],
  ['Observation', 'subject:missing=true'],
  ['Observation', 'date=2021'],
  ['Observation', 'date=ge2022-03-01&date=lt2022-09-01'],
  ['Observation', 'date=gt2024-06-01T00:00:00Z'],
  ['Observation', 'date=ap2020-06-01'],
  ['Observation', 'date=eb2019-06'],
  ['Observation', 'date=sa2023'],
  ['Observation', 'date=le2019-09'],
  ['Observation', 'date:missing=true'],
  ['Observation', 'value-quantity=gt100'],
  ['Observation', 'value-quantity=le37.5|http://unitsofmeasure.org|Cel'],
  ['Observation', 'value-quantity=ap70||kg'],
  ['Observation', 'value-quantity=ne80'],
  ['Observation', 'value-quantity=lt60,gt200'],
  ['Observation', 'value-quantity=eb50&value-quantity=sa40'],
  ['Observation', 'value-string=neg'],
  ['Observation', 'value-concept=http://snomed.info/sct|260385009'],
  ['Observation', 'category=laboratory&status=final,amended'],
  ['Observation', 'identifier=urn:epic:result|R-22,R-33'],
  ['Observation', 'subject=Patient/pat-044&date=ge2020&code=8480-6,8867-4&_sort=-date'],
  ['Observation', 'code=8867-4&_sort=-date'],
  ['Observation', 'category=vital-signs&_sort=value-quantity'],
  ['Observation', '_sort=code,-date'],
  ['Observation', '_sort=subject,date'],
  ['Observation', '_sort=-_id'],
  ['Appointment', 'date=ge2024-06-01'],
  ['Appointment', 'status=booked,arrived'],
  ['Appointment', 'actor=Practitioner/pr-1'],
  ['Appointment', 'patient=pat-007,pat-008,pat-009,pat-010,pat-011'],
  ['Appointment', 'practitioner:missing=true'],
  ['Appointment', 'service-type=physio-initial&_sort=date'],
  ['Encounter', 'date=2023'],
  ['Encounter', 'date=ge2024-01-01'],
  ['Encounter', 'length=gt40'],
  ['Encounter', 'length=45|http://unitsofmeasure.org|min'],
  ['Encounter', 'class=AMB&_sort=-date'],
  ['Encounter', 'participant:missing=true'],
  ['ChargeItem', 'factor-override=1'],
  ['ChargeItem', 'factor-override=gt1'],
  ['ChargeItem', 'factor-override=ap100'],
  ['ChargeItem', 'factor-override=1.25'],
  ['ChargeItem', 'factor-override=le0.8'],
  ['ChargeItem', 'factor-override=ne1'],
  ['ChargeItem', 'price-override=gt80|urn:iso:std:iso:4217|USD'],
  ['ChargeItem', 'price-override=85.5,120'],
  ['ChargeItem', 'quantity=2'],
  ['ChargeItem', '_sort=-factor-override'],
  ['ChargeItem', '_sort=price-override'],
];

/** Queries whose reference answer is legitimately empty (they prove a clause can exclude everything). */
/** Queries whose right answer on the fixtures is nothing (every fixture has a meta.source). */
const EMPTY_ANSWERS = new Set<string>([
  'Patient?birthdate=ge1985-01-01&birthdate=lt1984-01-01',
  'Patient?_connection:missing=true',
  'Patient?_source:missing=true',
]);

const parse = (type: string, query: string): SearchQuery =>
  parseSearch(defs, type, new URLSearchParams(query), { now: NOW });

type Indexed = { type: string; id: string; entries: IndexEntry[] };

/** The reference answer: the stored resources that match, in the order the query asks for. */
function expectedIds(stored: readonly Indexed[], query: SearchQuery): string[] {
  const rows = stored
    .filter((s) => s.type === query.resourceType)
    .filter((row) => matchesQuery(row.entries, query))
    .map((row) => ({ id: row.id, values: query.sort.map((key) => sortValueOf(row.entries, key)) }));
  rows.sort((a, b) => {
    for (const [k, key] of query.sort.entries()) {
      const order = compareSortValues(a.values[k] ?? null, b.values[k] ?? null);
      if (order !== 0) return key.descending ? -order : order;
    }
    return compareCodePoints(a.id, b.id);
  });
  return rows.map((row) => row.id);
}

/** Follows `next` to the end; answers the ids in order and every page (the first carries the total). */
async function searchAll(
  store: Store,
  tenant: string,
  query: SearchQuery,
): Promise<{ ids: string[]; pages: SearchPage[] }> {
  const pages: SearchPage[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 1000; n++) {
    // The total is the same on every page: ask for it once (each ask is a count over all hits).
    const total = n === 0 ? query.total : 'none';
    const page = await store.resources.search(tenant, query.resourceType, { ...query, total, cursor });
    pages.push(page);
    if (page.next === undefined) break;
    cursor = page.next;
  }
  return { ids: pages.flatMap((p) => p.items.map((item) => item.id)), pages };
}

const patient = (id: string, extra: Partial<Patient> = {}): Resource =>
  ({ resourceType: 'Patient', id, ...extra }) as Resource;

/**
 * The search contract both adapters pass with identical expectations: every query's hits equal
 * the in-memory reference over the same resources, page by page.
 */
export function searchContract(makeHarness: () => Promise<SearchHarness>): void {
  let h: SearchHarness;
  let store: Store;
  let clock = LOADED_AT;
  const fixtureTenant = `fx-${randomUUID().slice(0, 8)}`;
  const stored: Indexed[] = [];

  beforeAll(async () => {
    h = await makeHarness();
    store = await h.open({ indexer: searchIndexer(defs), now: () => clock });
    await store.tenants.ensure(fixtureTenant);
    const fixtures = searchFixtures();
    for (let batch = 0; batch < 3; batch++) {
      clock = LOADED_AT + batch * HOUR;
      const results = await store.resources.putMany(
        fixtureTenant,
        fixtures.filter((_, k) => k % 3 === batch),
      );
      for (const { stored: s } of results)
        stored.push({ type: s.type, id: s.id, entries: extractIndexEntries(defs, s.resource) });
    }
    // Another tenant with the same resources: nothing of it may show up.
    await store.tenants.ensure(`${fixtureTenant}-other`);
    await store.resources.putMany(`${fixtureTenant}-other`, fixtures.slice(0, 20));
  });
  afterAll(async () => {
    await store?.close();
    await h?.cleanup();
  });
  const newTenant = async () => {
    const tenant = `t-${randomUUID().slice(0, 8)}`;
    await store.tenants.ensure(tenant);
    return tenant;
  };

  describe('hits equal the reference semantics', () => {
    it.each(QUERIES)('%s?%s', async (type, text) => {
      const query = parse(type, `${text}${text ? '&' : ''}_count=40&_total=accurate`);
      const expected = expectedIds(stored, query);
      if (!EMPTY_ANSWERS.has(`${type}?${text}`)) expect(expected.length).toBeGreaterThan(0);
      const { ids, pages } = await searchAll(store, fixtureTenant, query);
      expect(ids).toEqual(expected);
      expect(pages[0]?.total).toBe(expected.length);
      for (const page of pages.slice(0, -1)) expect(page.items).toHaveLength(40);
    });
  });

  describe('sort', () => {
    let tenant: string;
    beforeAll(async () => {
      tenant = await newTenant();
      await store.resources.putMany(tenant, [
        patient('a', { birthDate: '1990-05-01', name: [{ family: 'Zed' }, { family: 'Able' }] }),
        patient('b', { birthDate: '1990', name: [{ family: 'Young' }] }),
        patient('c', { name: [{ family: 'Moss' }] }),
        patient('d', { birthDate: '1985-12-31', name: [{ family: 'Moss' }] }),
        patient('e', { birthDate: '1990-05-01', name: [{ family: 'Baker' }] }),
      ]);
    });
    const order = async (sort: string) =>
      (await store.resources.search(tenant, 'Patient', parse('Patient', sort && `_sort=${sort}`))).items.map(
        (i) => i.id,
      );

    it('ascending puts a resource without the value first and uses the start of a date range', async () => {
      // b is "1990": the whole year, so it starts before a and e; a and e tie and break on id.
      expect(await order('birthdate')).toEqual(['c', 'd', 'b', 'a', 'e']);
    });
    it('descending uses the end of a date range and puts a resource without the value last', async () => {
      expect(await order('-birthdate')).toEqual(['b', 'a', 'e', 'd', 'c']);
    });
    it('a multi-valued key sorts by its lowest value ascending and its highest descending', async () => {
      expect(await order('family')).toEqual(['a', 'e', 'c', 'd', 'b']);
      expect(await order('-family')).toEqual(['a', 'b', 'c', 'd', 'e']);
    });
    it('sorts on several keys, each in its own direction', async () => {
      expect(await order('family,-birthdate')).toEqual(['a', 'e', 'd', 'c', 'b']);
    });
    it('without _sort, orders by id', async () => {
      expect(await order('')).toEqual(['a', 'b', 'c', 'd', 'e']);
    });
  });

  describe('paging', () => {
    it('keyset cursors stay correct while resources are inserted and deleted between pages', async () => {
      const tenant = await newTenant();
      const born = (k: number) => `1980-01-${String(10 + k).padStart(2, '0')}`;
      await store.resources.putMany(
        tenant,
        Array.from({ length: 10 }, (_, k) => patient(`p-${k}`, { birthDate: born(k), gender: 'female' })),
      );
      const query = parse('Patient', 'gender=female&_sort=birthdate&_count=4');
      const first = await store.resources.search(tenant, 'Patient', query);
      expect(first.items.map((i) => i.id)).toEqual(['p-0', 'p-1', 'p-2', 'p-3']);

      await store.resources.put(tenant, patient('early', { birthDate: '1970-01-01', gender: 'female' }));
      await store.resources.put(
        tenant,
        patient('late', { birthDate: '1980-01-15T12:00:00Z', gender: 'female' }),
      );
      const second = await store.resources.search(tenant, 'Patient', {
        ...query,
        cursor: first.next ?? null,
      });
      // "early" sorts before the cursor: not shown; "late" lands after p-5 (born 1980-01-15, which starts earlier).
      expect(second.items.map((i) => i.id)).toEqual(['p-4', 'p-5', 'late', 'p-6']);

      await store.resources.delete(tenant, 'Patient', 'p-8');
      const third = await store.resources.search(tenant, 'Patient', {
        ...query,
        cursor: second.next ?? null,
      });
      expect(third.items.map((i) => i.id)).toEqual(['p-7', 'p-9']);
      expect(third.next).toBeUndefined();
    });

    it('answers no next cursor when the last page is exactly full', async () => {
      const tenant = await newTenant();
      await store.resources.putMany(tenant, [patient('x1'), patient('x2')]);
      const page = await store.resources.search(tenant, 'Patient', parse('Patient', '_count=2'));
      expect(page.items).toHaveLength(2);
      expect(page.next).toBeUndefined();
    });
  });

  describe('_total', () => {
    it('is computed only when asked, and with _count=0 alone', async () => {
      const query = parse('Patient', 'gender=female&_count=3');
      const expected = expectedIds(stored, query).length;
      const plain = await store.resources.search(fixtureTenant, 'Patient', query);
      expect(plain).not.toHaveProperty('total');
      const counted = await store.resources.search(
        fixtureTenant,
        'Patient',
        parse('Patient', 'gender=female&_count=0&_total=accurate'),
      );
      expect(counted.items).toEqual([]);
      expect(counted.next).toBeUndefined();
      expect(counted.total).toBe(expected);
      expect(expected).toBeGreaterThan(3);
    });
  });

  describe('what never matches', () => {
    it('finds an updated resource by its new values only, and a deleted one not at all', async () => {
      const tenant = await newTenant();
      await store.resources.put(tenant, patient('u', { name: [{ family: 'Before' }], gender: 'male' }));
      await store.resources.put(tenant, patient('u', { name: [{ family: 'After' }], gender: 'male' }));
      const ids = async (q: string) =>
        (await store.resources.search(tenant, 'Patient', parse('Patient', q))).items.map((i) => i.id);
      expect(await ids('family=before')).toEqual([]);
      expect(await ids('family=after')).toEqual(['u']);
      await store.resources.delete(tenant, 'Patient', 'u');
      expect(await ids('family=after')).toEqual([]);
      expect(await ids('_id=u')).toEqual([]);
      // A tombstone has no index entries, yet :missing must not resurrect it.
      expect(await ids('gender:missing=true')).toEqual([]);
      expect(await ids('')).toEqual([]);
      // Recreated after the delete: found again.
      await store.resources.put(tenant, patient('u', { name: [{ family: 'Again' }] }));
      expect(await ids('family=again')).toEqual(['u']);
    });

    it('is scoped to the tenant', async () => {
      const tenant = await newTenant();
      await store.resources.put(tenant, patient('pat-001', { name: [{ family: 'Elsewhere' }] }));
      const inFixtures = await store.resources.search(
        fixtureTenant,
        'Patient',
        parse('Patient', 'family=elsewhere'),
      );
      expect(inFixtures.items).toEqual([]);
      const own = await store.resources.search(tenant, 'Patient', parse('Patient', '_id=pat-001'));
      expect(own.items.map((i) => [i.tenant, i.resource.id])).toEqual([[tenant, 'pat-001']]);
      const unknown = await store.resources.search('no-such-tenant', 'Patient', parse('Patient', ''));
      expect(unknown.items).toEqual([]);
    });
  });

  describe('AND-ed date clauses on one parameter', () => {
    const observation = (id: string, effective: Partial<Observation>): Resource =>
      ({ resourceType: 'Observation', id, status: 'final', code: { text: 'bp' }, ...effective }) as Resource;
    const march = 'date=ge2024-03-01&date=lt2024-04-01';
    const ids = async (tenant: string, q: string) =>
      (await store.resources.search(tenant, 'Observation', parse('Observation', q))).items
        .map((i) => i.id)
        .sort();

    it('match through different entries once a resource has several', async () => {
      const tenant = await newTenant();
      await store.resources.put(
        tenant,
        observation('one-instant', { effectiveDateTime: '2024-03-10T09:00:00Z' }),
      );
      await store.resources.put(tenant, observation('april', { effectiveDateTime: '2024-04-10T09:00:00Z' }));
      expect(await ids(tenant, march)).toEqual(['one-instant']);
      // January satisfies lt April, June satisfies ge March: a match, though no event is in March.
      await store.resources.put(
        tenant,
        observation('two-events', {
          effectiveTiming: { event: ['2024-01-15T09:00:00Z', '2024-06-15T09:00:00Z'] },
        }),
      );
      expect(await ids(tenant, march)).toEqual(['one-instant', 'two-events']);
    });

    it('match a single entry wider than any seen before', async () => {
      const tenant = await newTenant();
      await store.resources.put(
        tenant,
        observation('one-instant', { effectiveDateTime: '2024-03-10T09:00:00Z' }),
      );
      expect(await ids(tenant, march)).toEqual(['one-instant']);
      await store.resources.put(
        tenant,
        observation('two-years', { effectivePeriod: { start: '2023-01-01', end: '2025-01-01' } }),
      );
      expect(await ids(tenant, march)).toEqual(['one-instant', 'two-years']);
    });
  });

  describe('input limits (SEARCH_LIMITS): refused by the parser, and what they allow runs', () => {
    const list = (n: number, make: (k: number) => string) =>
      Array.from({ length: n }, (_, k) => make(k)).join(',');
    const tooCostly = (type: string, params: URLSearchParams) => {
      const error = (() => {
        try {
          parseSearch(defs, type, params, { now: NOW });
        } catch (e) {
          return e;
        }
      })() as SearchError;
      expect(error).toBeInstanceOf(SearchError);
      expect(error.outcome.issue.map((i) => i.code)).toEqual(['too-costly']);
    };
    /** Runs a query on the store and checks it against the reference (the limits must not break a store). */
    const runs = async (type: string, params: URLSearchParams, expectHits: boolean) => {
      const query = parseSearch(defs, type, params, { now: NOW });
      const expected = expectedIds(stored, query);
      expect(expected.length > 0).toBe(expectHits);
      expect((await searchAll(store, fixtureTenant, query)).ids).toEqual(expected);
    };

    it('about 1,000 OR-ed token values are a SearchError; 100, the most allowed, run', async () => {
      const mrn = (k: number) => `MRN${1000 + k}`;
      tooCostly('Patient', new URLSearchParams({ identifier: list(1000, mrn) }));
      await runs('Patient', new URLSearchParams({ identifier: list(100, mrn), _count: '40' }), true);
    });

    it('a 16,000-character _profile:above is a SearchError; the longest :above allowed runs', async () => {
      tooCostly(
        'Patient',
        new URLSearchParams({ '_profile:above': `http://hl7.org/fhir/${'a'.repeat(16_000)}` }),
      );
      const base = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient';
      const url = (k: number) => `${base}/${String(k).padStart(255 - base.length - 1, 'v')}`;
      await runs('Patient', new URLSearchParams({ '_profile:above': list(8, url) }), true);
    });

    it('a search at every limit at once (50 parameters, 500 values, 256 characters) runs', async () => {
      const params = new URLSearchParams({ _sort: 'family,-birthdate', _count: '40' });
      for (let p = 0; p < 45; p++)
        params.append(
          'identifier',
          list(10, (k) => `MRN${1000 + p * 10 + k}`.padEnd(256, 'x')),
        );
      for (let p = 0; p < 4; p++)
        params.append(
          'family',
          list(12, (k) => (k === 0 ? 's' : `${'q'.repeat(250)}${k}`)),
        );
      params.append(
        'identifier',
        list(2, (k) => `MRN${1000 + k}`),
      );
      expect(params.getAll('identifier').length + params.getAll('family').length).toBe(50);
      await runs('Patient', params, false);
    });

    it('a query built by hand over the limits is refused by the store too', async () => {
      const hundred = parse('Patient', `identifier=${list(100, (k) => `MRN${1000 + k}`)}`);
      const clause = hundred.clauses[0] as MatchClause;
      const wide = { ...clause, values: [...clause.values, ...clause.values] };
      const refused = (query: SearchQuery) =>
        expect(store.resources.search(fixtureTenant, 'Patient', query)).rejects.toBeInstanceOf(
          InvalidSearchError,
        );
      await refused({ ...hundred, clauses: [wide] });
      await refused({ ...hundred, clauses: Array.from({ length: 6 }, () => clause) });
      const above = parse('Patient', `_profile:above=http://hl7.org/fhir/${'a'.repeat(200)}`);
      await refused({ ...above, clauses: Array.from({ length: 11 }, () => above.clauses[0] as MatchClause) });
      await expect(
        store.resources.search(fixtureTenant, 'Patient', { ...hundred, count: 1001 }),
      ).rejects.toThrow(/_count/);
    });

    it('a value empty once normalized is a SearchError, not a match on everything', () => {
      for (const text of ['family=%20%20', 'family=%CC%81', 'name:contains=%20', 'code:text=%09']) {
        const type = text.startsWith('code') ? 'Observation' : 'Patient';
        expect(() => parse(type, text)).toThrow(/empty value once spaces and accents are removed/);
      }
    });
  });

  describe('bad input', () => {
    it('an unknown parameter is a SearchError naming it and listing the valid ones', () => {
      const error = (() => {
        try {
          parse('Patient', 'famly=smith');
        } catch (e) {
          return e;
        }
      })() as SearchError;
      expect(error).toBeInstanceOf(SearchError);
      expect(error.message).toContain('famly');
      expect(error.message).toMatch(/Valid parameters: .*birthdate.*family/);
      expect(error.outcome.issue[0]?.expression).toEqual(['famly']);
    });
    it('a malformed date is a SearchError saying what a date looks like', () => {
      expect(() => parse('Patient', 'birthdate=1980-13-45')).toThrow(
        /birthdate: malformed date; expected YYYY/,
      );
    });
    it('_count over the maximum is a SearchError', () => {
      expect(() => parse('Patient', '_count=1001')).toThrow(/_count must be at most 1000/);
    });
    it('a cursor that is not one, or was made for another _sort, is a CursorError', async () => {
      const query = parse('Patient', '_sort=birthdate&_count=1');
      await expect(
        store.resources.search(fixtureTenant, 'Patient', { ...query, cursor: 'not-a-cursor' }),
      ).rejects.toThrow(CursorError);
      const { next } = await store.resources.search(fixtureTenant, 'Patient', query);
      expect(next).toBeDefined();
      await expect(
        store.resources.search(fixtureTenant, 'Patient', {
          ...parse('Patient', '_sort=family'),
          cursor: next ?? null,
        }),
      ).rejects.toThrow(/different _sort/);
    });
    it('a page cursor holds no family name or birth date in any encoding', async () => {
      const tenant = await newTenant();
      await store.resources.putMany(tenant, [
        patient('phi-0000001', { name: [{ family: 'Vandermeer' }], birthDate: '1975-06-15' }),
        patient('phi-0000002', { name: [{ family: 'Wexley' }], birthDate: '1980-01-02' }),
      ]);
      const query = parse('Patient', '_sort=family,birthdate&_count=1');
      const first = await store.resources.search(tenant, 'Patient', query);
      expect(first.items.map((i) => i.id)).toEqual(['phi-0000001']);
      const next = first.next as string;
      expect(
        leakedValues(next, ['Vandermeer', '1975-06-15', String(Date.parse('1975-06-15')), 'phi-0000001']),
      ).toEqual([]);
      const second = await store.resources.search(tenant, 'Patient', { ...query, cursor: next });
      expect(second.items.map((i) => i.id)).toEqual(['phi-0000002']);
    });
    it('a cursor is bound to its tenant, type and key: elsewhere, or altered, it is a CursorError', async () => {
      const tenant = await newTenant();
      await store.resources.putMany(tenant, [patient('c1'), patient('c2')]);
      const query = parse('Patient', '_count=1');
      const next = (await store.resources.search(tenant, 'Patient', query)).next as string;
      const refused = (t: string, q: SearchQuery, cursor: string, s = store) =>
        expect(s.resources.search(t, q.resourceType, { ...q, cursor })).rejects.toThrow(CursorError);
      await refused(fixtureTenant, query, next);
      await refused(tenant, parse('Observation', '_count=1'), next);
      await refused(tenant, query, next.slice(0, -3));
      await refused(tenant, query, `${next}A`);
      const same = await h.open({ indexer: searchIndexer(defs) });
      const rotated = await h.open({ indexer: searchIndexer(defs), cursorKey: Buffer.alloc(32, 9) });
      try {
        const continued = await same.resources.search(tenant, 'Patient', { ...query, cursor: next });
        expect(continued.items.map((i) => i.id)).toEqual(['c2']);
        await refused(tenant, query, next, rotated);
      } finally {
        await same.close();
        await rotated.close();
      }
    });
    it('a query parsed for another type is refused', async () => {
      await expect(
        store.resources.search(fixtureTenant, 'Patient', parse('Observation', 'code=x')),
      ).rejects.toThrow(InvalidSearchError);
    });
    it('a store opened without an indexer refuses to search instead of finding nothing', async () => {
      const plain = await h.open({});
      try {
        await expect(plain.resources.search(fixtureTenant, 'Patient', parse('Patient', ''))).rejects.toThrow(
          SearchUnavailableError,
        );
      } finally {
        await plain.close();
      }
    });
    it('a resource written twice in one batch is found by its last version only', async () => {
      const tenant = await newTenant();
      await store.resources.putMany(tenant, [
        patient('twice', { gender: 'male' }),
        patient('twice', { gender: 'female', family: 'Twice' } as Partial<Patient>),
      ]);
      const ids = async (text: string) =>
        (await store.resources.search(tenant, 'Patient', parse('Patient', text))).items.map((i) => i.id);
      expect(await ids('gender=male')).toEqual([]);
      expect(await ids('gender=female')).toEqual(['twice']);
    });
    it('a failed batch leaves no trace that later writes of new parameters could trip on', async () => {
      const tenant = await newTenant();
      const failing = await h.open({
        indexer: (r) => {
          if (r.id === 'bad') throw new Error('cannot index');
          return searchIndexer(defs)(r);
        },
      });
      const observation = (id: string): Resource =>
        ({
          resourceType: 'Observation',
          id,
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
        }) as Resource;
      let fresh: Store | undefined;
      try {
        // The first Observation of the tenant, in a batch that fails: its parameters are new.
        await expect(
          failing.resources.putMany(tenant, [observation('o-lost'), patient('bad')]),
        ).rejects.toThrow('cannot index');
        await failing.resources.putMany(tenant, [patient('p-after', { gender: 'male' })]);
        await failing.resources.putMany(tenant, [observation('o-kept')]);
        // The writer's own search writes any rows it deferred (SQLite), with the ids it holds.
        await failing.resources.search(tenant, 'Observation', parse('Observation', 'status=final'));
        // Read through a new connection, which knows only what was committed.
        fresh = await h.open({ indexer: searchIndexer(defs) });
        const reader = fresh;
        const find = async (type: string, text: string) =>
          (await reader.resources.search(tenant, type, parse(type, text))).items.map((i) => i.id);
        expect(await find('Observation', 'code=http://loinc.org|8480-6')).toEqual(['o-kept']);
        expect(await find('Observation', 'status=final')).toEqual(['o-kept']);
        expect(await find('Patient', 'gender=male')).toEqual(['p-after']);
      } finally {
        await fresh?.close();
        await failing.close();
      }
    });
    it('an indexer that throws fails the write and leaves nothing behind', async () => {
      const tenant = await newTenant();
      const failing = await h.open({
        indexer: (r) => {
          if (r.id === 'bad') throw new Error('cannot index');
          return searchIndexer(defs)(r);
        },
      });
      try {
        const before = await failing.changes.highWaterMark();
        await expect(failing.resources.putMany(tenant, [patient('good'), patient('bad')])).rejects.toThrow(
          'cannot index',
        );
        expect(await failing.resources.read(tenant, 'Patient', 'bad')).toBeUndefined();
        expect(await failing.changes.highWaterMark()).toBe(before);
      } finally {
        await failing.close();
      }
    });
  });
}
