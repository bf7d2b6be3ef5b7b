import type { Observation, Patient, Resource } from 'fhir/r4';
import type { ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingStore } from '../support/counting-store.ts';
import { type GraphQLHarness, openGraphQLHarness } from '../support/graphql-harness.ts';

const T = 'query-api';
const BIG = 'query-big';

const patients: Patient[] = [
  {
    resourceType: 'Patient',
    id: 'a',
    gender: 'female',
    birthDate: '1990-05-01',
    _birthDate: {
      extension: [
        {
          url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime',
          valueDateTime: '1990-05-01T10:00:00Z',
        },
      ],
    },
    name: [
      { use: 'official', family: 'Smith', given: ['Ann'] },
      { use: 'nickname', given: ['Annie'] },
    ],
    identifier: [
      { system: 'urn:mrn', value: 'm-1' },
      { system: 'urn:other', value: 'o-1' },
    ],
  } as Patient,
  {
    resourceType: 'Patient',
    id: 'b',
    gender: 'male',
    birthDate: '2005-01-01',
    name: [{ family: 'Smith,Jones' }],
  },
  {
    resourceType: 'Patient',
    id: 'c',
    gender: 'female',
    birthDate: '2010-03-03',
    name: [{ family: 'Jones' }],
  },
  { resourceType: 'Patient', id: 'd', gender: 'other', birthDate: '1950-01-01' },
  { resourceType: 'Patient', id: 'e', gender: 'unknown', birthDate: '1999-12-31' },
];
const observations: Observation[] = [
  {
    resourceType: 'Observation',
    id: 'with-contained',
    status: 'final',
    code: { text: 'x' },
    contained: [{ resourceType: 'Patient', id: 'baby', birthDate: '2024-01-01' } as Patient],
    subject: { reference: '#baby' },
  },
  {
    resourceType: 'Observation',
    id: 'obs-a',
    status: 'final',
    code: { text: 'x' },
    subject: { reference: 'Patient/a' },
  },
];

describe('FHIR GraphQL query API (resolvers over the real SQLite store)', () => {
  let h: GraphQLHarness;

  beforeAll(async () => {
    h = await openGraphQLHarness();
    await h.load(T, [...patients, ...observations] as Resource[]);
    const many: Patient[] = Array.from({ length: 1001 }, (_, i) => ({
      resourceType: 'Patient',
      id: `p${i}`,
      active: true,
    }));
    await h.load(BIG, many);
  });

  afterAll(async () => {
    await h?.close();
  });

  const ok = async (query: string, tenant = T) => {
    const result = await h.run(tenant, query);
    expect(result.errors).toBeUndefined();
    return result.data as Record<string, unknown>;
  };
  const outcomeOf = (result: ExecutionResult) =>
    (result.errors?.[0]?.extensions?.resource as
      | { resourceType: string; issue: { code: string }[] }
      | undefined) ?? null;

  describe('search arguments', () => {
    it('follow FHIR search semantics: token, date prefixes, string prefix; a list means OR', async () => {
      expect(await ok('{ PatientList(gender: female) { id } }')).toEqual({
        PatientList: [{ id: 'a' }, { id: 'c' }],
      });
      expect(await ok('{ PatientList(birthdate: "ge2000", _sort: "birthdate") { id } }')).toEqual({
        PatientList: [{ id: 'b' }, { id: 'c' }],
      });
      expect(await ok('{ PatientList(_id: ["a", "d"]) { id } }')).toEqual({
        PatientList: [{ id: 'a' }, { id: 'd' }],
      });
      expect(await ok('{ PatientList(family: "smi") { id } }')).toEqual({
        PatientList: [{ id: 'a' }, { id: 'b' }],
      });
    });

    it('a comma inside one value is text, not an OR', async () => {
      expect(await ok('{ PatientList(family: "Smith,Jones") { id } }')).toEqual({
        PatientList: [{ id: 'b' }],
      });
    });

    it('bad values answer an error carrying an OperationOutcome that names the parameter, not the value', async () => {
      const result = await h.run(T, '{ PatientList(birthdate: "19x0-99") { id } }');
      expect(result.data?.PatientList).toBeNull();
      const outcome = outcomeOf(result);
      expect(outcome?.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(outcome)).toContain('birthdate');
      expect(JSON.stringify(outcome)).not.toContain('19x0-99');
    });

    it('unknown arguments, invalid ids and out-of-range _count are rejected', async () => {
      expect((await h.run(T, '{ PatientList(nonsense: "x") { id } }')).errors?.[0]?.message).toMatch(
        /Unknown argument "nonsense"/,
      );
      expect((await h.run(T, '{ Patient(id: "no spaces allowed") { id } }')).errors?.[0]?.message).toBe(
        'Invalid id value',
      );
      expect(outcomeOf(await h.run(T, '{ PatientList(_count: 5000) { id } }'))?.issue[0]?.code).toBe(
        'invalid',
      );
    });
  });

  describe('too many matches', () => {
    it('is an error for XList without _count, never a silent cut', async () => {
      const result = await h.run(BIG, '{ PatientList(active: true) { id } }');
      expect(result.data?.PatientList).toBeNull();
      expect(result.errors?.[0]?.message).toMatch(/^Too many matches for PatientList: more than 1000/);
      expect(outcomeOf(result)?.issue[0]?.code).toBe('too-costly');
    });

    it('an explicit _count is an asked-for cut', async () => {
      expect(((await ok('{ PatientList(_count: 3) { id } }', BIG)).PatientList as unknown[]).length).toBe(3);
    });
  });

  describe('XConnection', () => {
    it('pages by opaque keyset cursors to the end without repeats; offset follows', async () => {
      const seen: string[] = [];
      const offsets: number[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 10; page++) {
        const args: string = cursor ? `_count: 2, _cursor: "${cursor}"` : '_count: 2';
        const data = await ok(
          `{ PatientConnection(${args}) { offset pageSize next edges { resource { id } } } }`,
        );
        const connection = data.PatientConnection as {
          offset: number;
          next: string | null;
          edges: { resource: { id: string } }[];
        };
        offsets.push(connection.offset);
        seen.push(...connection.edges.map((edge) => edge.resource.id));
        cursor = connection.next;
        if (!cursor) break;
      }
      expect(seen).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(offsets).toEqual([0, 2, 4]);
    });

    it('counts only when count is selected', async () => {
      const counting = countingStore(h.store);
      await h.run(T, '{ PatientConnection { edges { resource { id } } } }', { store: counting.store });
      await h.run(T, '{ PatientConnection { count } }', { store: counting.store });
      expect(counting.calls.searches.map((query) => query.total)).toEqual(['none', 'accurate']);
      expect(await ok('{ PatientConnection(gender: female) { count } }')).toEqual({
        PatientConnection: { count: 2 },
      });
    });

    it('a forged cursor is a clear error', async () => {
      const result = await h.run(T, '{ PatientConnection(_cursor: "bm90LWEtY3Vyc29y") { count } }');
      expect(result.errors?.[0]?.message).toBe('Invalid cursor');
    });
  });

  describe('list-field arguments and FHIR shapes', () => {
    it('sub-field filters, fhirpath, _offset and _count on repeating fields', async () => {
      expect(await ok('{ Patient(id: "a") { name(use: official) { family } } }')).toEqual({
        Patient: { name: [{ family: 'Smith' }] },
      });
      expect(await ok('{ Patient(id: "a") { identifier(system: "urn:other") { value } } }')).toEqual({
        Patient: { identifier: [{ value: 'o-1' }] },
      });
      expect(await ok('{ Patient(id: "a") { name(fhirpath: "family.exists().not()") { given } } }')).toEqual({
        Patient: { name: [{ given: ['Annie'] }] },
      });
      expect(await ok('{ Patient(id: "a") { identifier(_offset: 1, _count: 1) { value } } }')).toEqual({
        Patient: { identifier: [{ value: 'o-1' }] },
      });
      expect(
        (await h.run(T, '{ Patient(id: "a") { name(fhirpath: "((") { given } } }')).errors?.[0]?.message,
      ).toBe('Invalid fhirpath expression');
    });

    it('primitive extensions are under _field', async () => {
      expect(
        await ok('{ Patient(id: "a") { birthDate _birthDate { extension { valueDateTime } } } }'),
      ).toEqual({
        Patient: {
          birthDate: '1990-05-01',
          _birthDate: { extension: [{ valueDateTime: '1990-05-01T10:00:00Z' }] },
        },
      });
    });
  });

  describe('Reference.resource', () => {
    it('resolves, filters by type, and resolves contained references', async () => {
      expect(
        await ok('{ Observation(id: "obs-a") { subject { resource { id ... on Patient { gender } } } } }'),
      ).toEqual({
        Observation: { subject: { resource: { id: 'a', gender: 'female' } } },
      });
      expect(await ok('{ Observation(id: "obs-a") { subject { resource(type: Group) { id } } } }')).toEqual({
        Observation: { subject: { resource: null } },
      });
      expect(
        await ok(
          '{ Observation(id: "with-contained") { subject { resource { ... on Patient { birthDate } } } } }',
        ),
      ).toEqual({ Observation: { subject: { resource: { birthDate: '2024-01-01' } } } });
    });
  });

  describe('reverse references', () => {
    it('refuse the _reference parameter given a second time', async () => {
      const result = await h.run(
        T,
        '{ Patient(id: "a") { ObservationList(_reference: subject, subject: "Patient/b") { id } } }',
      );
      expect(result.errors?.[0]?.message).toMatch(/subject is the _reference parameter/);
    });
  });

  it('every query needs the read scope', async () => {
    const result = await h.run(T, '{ Patient(id: "a") { id } }', { scopes: ['subscribe'] });
    expect(result.data?.Patient).toBeNull();
    expect(result.errors?.[0]?.message).toBe('This API key lacks the read scope');
    expect(outcomeOf(result)?.issue[0]?.code).toBe('forbidden');
  });
});
