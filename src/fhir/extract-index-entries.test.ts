import type { FhirResource, Observation, Patient } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { DATE_MAX } from './date-range.ts';
import { loadFhirDefinitions } from './definitions.ts';
import { extractIndexEntries } from './extract-index-entries.ts';
import type { IndexEntry } from './index-entry.ts';
import { VALID_RESOURCES } from './test-fixtures/valid-resources.ts';

const defs = loadFhirDefinitions();
const entriesFor = (resource: FhirResource, param: string) =>
  extractIndexEntries(defs, resource).filter((entry) => entry.param === param);
const fixture = <T extends FhirResource>(id: string) =>
  VALID_RESOURCES.find((resource) => resource.id === id) as T;

describe('extractIndexEntries', () => {
  const patient = fixture<Patient>('pat-1');

  it('strings: every part of a HumanName, normalized and raw', () => {
    expect(entriesFor(patient, 'name')).toEqual([
      { param: 'name', kind: 'string', value: 'alvarez', raw: 'Álvarez' },
      { param: 'name', kind: 'string', value: 'maria', raw: 'María' },
      { param: 'name', kind: 'string', value: 'jose', raw: 'José' },
    ]);
  });

  it('tokens: codes, identifiers, contact points, booleans', () => {
    expect(entriesFor(patient, 'gender')).toEqual([
      { param: 'gender', kind: 'token', system: null, code: 'female', text: null },
    ]);
    expect(entriesFor(patient, 'identifier')).toEqual([
      {
        param: 'identifier',
        kind: 'token',
        system: 'urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14',
        code: 'E4007',
        text: null,
      },
    ]);
    expect(entriesFor(patient, 'phone')).toEqual([
      { param: 'phone', kind: 'token', system: 'phone', code: '555-0101', text: null },
    ]);
    expect(entriesFor(patient, 'active')).toEqual([
      { param: 'active', kind: 'token', system: null, code: 'true', text: null },
    ]);
  });

  it('tokens: each coding of a CodeableConcept plus its text', () => {
    expect(entriesFor(fixture<Observation>('obs-1'), 'code')).toEqual([
      { param: 'code', kind: 'token', system: 'http://loinc.org', code: '29463-7', text: 'body weight' },
      { param: 'code', kind: 'token', system: null, code: null, text: 'weight' },
    ]);
  });

  it('dates: precision range of a date, of a dateTime, and periods with open ends', () => {
    expect(entriesFor(patient, 'birthdate')).toEqual([
      {
        param: 'birthdate',
        kind: 'date',
        low: Date.parse('1984-07-12T00:00:00Z'),
        high: Date.parse('1984-07-13T00:00:00Z'),
      },
    ]);
    expect(entriesFor(fixture('obs-bp'), 'date')).toEqual([
      {
        param: 'date',
        kind: 'date',
        low: Date.parse('2024-03-06T17:12:00Z'),
        high: Date.parse('2024-03-06T17:14:01Z'),
      },
    ]);
    expect(entriesFor(fixture('cp-1'), 'date')).toEqual([
      { param: 'date', kind: 'date', low: Date.parse('2024-03-06T00:00:00Z'), high: DATE_MAX },
    ]);
  });

  it('references: type and id parsed, and resolve() filters by type', () => {
    const appointment = fixture('appt-1');
    // patient is actor restricted to Patients: answered from actor's entries, so marked derived.
    expect(entriesFor(appointment, 'patient')).toEqual([
      {
        param: 'patient',
        kind: 'reference',
        ref: 'Patient/pat-1',
        refType: 'Patient',
        refId: 'pat-1',
        derived: true,
      },
    ]);
    expect(entriesFor(appointment, 'actor')).toHaveLength(3);
    const absolute: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: {},
      subject: { reference: 'https://x.test/fhir/Patient/p9' },
    };
    expect(entriesFor(absolute, 'subject')).toEqual([
      {
        param: 'subject',
        kind: 'reference',
        ref: 'https://x.test/fhir/Patient/p9',
        refType: 'Patient',
        refId: 'p9',
      },
    ]);
    // resolve() is Patient holds for an absolute Patient reference too.
    expect(entriesFor(absolute, 'patient')).toMatchObject([{ ref: 'https://x.test/fhir/Patient/p9' }]);
  });

  it('quantities from Quantity and Money; numbers', () => {
    expect(entriesFor(fixture('obs-1'), 'value-quantity')).toEqual([
      {
        param: 'value-quantity',
        kind: 'quantity',
        value: 68.5,
        system: 'http://unitsofmeasure.org',
        code: 'kg',
        unit: 'kg',
      },
    ]);
    expect(entriesFor(fixture('inv-1'), 'totalnet')).toEqual([
      {
        param: 'totalnet',
        kind: 'quantity',
        value: 120,
        system: 'urn:iso:std:iso:4217',
        code: 'USD',
        unit: 'USD',
      },
    ]);
    const charge = { ...fixture<FhirResource>('ci-1'), factorOverride: 0.8 } as FhirResource;
    expect(entriesFor(charge, 'factor-override')).toEqual([
      { param: 'factor-override', kind: 'number', value: 0.8 },
    ]);
  });

  it('common parameters: _id, _lastUpdated, _source, _tag, _profile, _connection', () => {
    const stamped: Patient = {
      resourceType: 'Patient',
      id: 'p1',
      meta: {
        lastUpdated: '2024-03-05T10:15:00Z',
        source: 'urn:fhir-gateway:connection:jane-main',
        tag: [{ system: 'https://fhir-gateway.example/CodeSystem/source-system', code: 'jane' }],
        profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient'],
      },
    };
    const byParam = (param: string) => entriesFor(stamped, param);
    // _id, _lastUpdated, _source and _connection are columns a store may answer from: entries
    // complete, marked derived.
    expect(byParam('_id')).toEqual([
      { param: '_id', kind: 'token', system: null, code: 'p1', text: null, derived: true },
    ]);
    expect(byParam('_lastUpdated')).toEqual([
      {
        param: '_lastUpdated',
        kind: 'date',
        low: Date.parse('2024-03-05T10:15:00Z'),
        high: Date.parse('2024-03-05T10:15:01Z'),
        derived: true,
      },
    ]);
    expect(byParam('_source')).toEqual([
      { param: '_source', kind: 'uri', value: 'urn:fhir-gateway:connection:jane-main', derived: true },
    ]);
    expect(byParam('_tag')).toEqual([
      {
        param: '_tag',
        kind: 'token',
        system: 'https://fhir-gateway.example/CodeSystem/source-system',
        code: 'jane',
        text: null,
      },
    ]);
    expect(byParam('_profile')).toHaveLength(1);
    expect(byParam('_connection')).toEqual([
      { param: '_connection', kind: 'token', system: null, code: 'jane-main', text: null, derived: true },
    ]);
    expect(entriesFor({ ...stamped, meta: { source: 'http://elsewhere.test' } }, '_connection')).toEqual([]);
  });

  it('deduplicates and never modifies the resource', () => {
    const resource = structuredClone(patient);
    const entries = extractIndexEntries(defs, resource);
    expect(new Set(entries.map((entry) => JSON.stringify(entry))).size).toBe(entries.length);
    expect(resource).toEqual(patient);
  });

  it('produces store-friendly entries for every valid fixture (no undefined, finite numbers)', () => {
    for (const resource of VALID_RESOURCES) {
      for (const entry of extractIndexEntries(defs, resource)) {
        for (const value of Object.values(entry as IndexEntry)) {
          expect(value).not.toBeUndefined();
          if (typeof value === 'number') expect(Number.isFinite(value)).toBe(true);
        }
      }
    }
  });

  it('rejects unsupported resource types', () => {
    expect(() => extractIndexEntries(defs, { resourceType: 'ResearchStudy' })).toThrow(/not supported/);
  });
});
