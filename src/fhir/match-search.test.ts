import type { FhirResource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from './definitions.ts';
import { extractIndexEntries } from './extract-index-entries.ts';
import { matchesQuery, matchesRange } from './match-search.ts';
import { parseSearch } from './parse-search.ts';

const defs = loadFhirDefinitions();
const NOW = Date.parse('2025-01-01T00:00:00Z');

/** The search semantics, end to end: resource → index entries; query string → AST; match. */
function matches(resource: FhirResource, query: string): boolean {
  const parsed = parseSearch(defs, resource.resourceType, new URLSearchParams(query), { now: NOW });
  return matchesQuery(extractIndexEntries(defs, resource), parsed);
}

const patient: FhirResource = {
  resourceType: 'Patient',
  id: 'p1',
  meta: { source: 'urn:fhir-gateway:connection:jane-main', tag: [{ system: 'urn:src', code: 'jane' }] },
  name: [{ family: 'Álvarez-Núñez', given: ['María José'] }],
  gender: 'female',
  birthDate: '1984-07-12',
  identifier: [{ system: 'urn:mrn', value: 'A100' }, { value: 'NOSYS' }],
  address: [{ line: ['12 Elm St, Apt 3'], city: 'Springfield' }],
};

const observation: FhirResource = {
  resourceType: 'Observation',
  id: 'o1',
  status: 'final',
  code: {
    coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }],
    text: 'BP',
  },
  subject: { reference: 'Patient/p1' },
  effectivePeriod: { start: '2024-03-06T09:00:00Z', end: '2024-03-06T10:00:00Z' },
  valueQuantity: { value: 68.5, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
};

describe('string search', () => {
  it.each([
    ['family=alv', true],
    ['family=ALVAREZ', true],
    ['family=Álvarez-nú', true],
    ['family=nunez', false],
    ['family:contains=nunez', true],
    ['family:exact=Álvarez-Núñez', true],
    ['family:exact=alvarez-nunez', false],
    ['given=maria jo', true],
    ['name=jose', false],
    ['name=smith,alv', true],
    ['family=alv&family=smith', false],
    ['address=12 elm st\\, apt', true],
    ['address-city=spring', true],
  ])('%s → %s', (query, expected) => {
    expect(matches(patient, query)).toBe(expected);
  });
});

describe('token search', () => {
  it.each([
    ['gender=female', true],
    ['gender=FEMALE', false],
    ['gender=male,female', true],
    ['gender:not=male', true],
    ['gender:not=female', false],
    ['identifier=A100', true],
    ['identifier=urn:mrn|A100', true],
    ['identifier=urn:other|A100', false],
    ['identifier=|NOSYS', true],
    ['identifier=|A100', false],
    ['identifier=urn:mrn|', true],
    ['identifier=urn:none|', false],
    ['_id=p1', true],
    ['_id=p2', false],
    ['_tag=urn:src|jane', true],
    ['_connection=jane-main', true],
    ['_connection=epic-1', false],
  ])('%s → %s', (query, expected) => {
    expect(matches(patient, query)).toBe(expected);
  });

  it.each([
    ['code:text=blood', true],
    ['code:text=pressure', true],
    ['code:text=bp', true],
    ['code:text=ressure', false],
    ['code=http://loinc.org|85354-9', true],
  ])('%s → %s', (query, expected) => {
    expect(matches(observation, query)).toBe(expected);
  });

  it(':not matches resources without the parameter at all', () => {
    expect(matches({ resourceType: 'Patient', id: 'x' }, 'gender:not=male')).toBe(true);
  });
});

describe('date search (birthDate 1984-07-12 = one day)', () => {
  it.each([
    ['birthdate=1984', true],
    ['birthdate=1984-07', true],
    ['birthdate=1984-07-12', true],
    ['birthdate=1984-07-12T10:00:00Z', false],
    ['birthdate=1984-07-13', false],
    ['birthdate=ne1984-07-13', true],
    ['birthdate=ne1984', false],
    ['birthdate=gt1984-07-11', true],
    ['birthdate=gt1984-07-12', false],
    ['birthdate=ge1984-07-12', true],
    ['birthdate=lt1984-07-13', true],
    ['birthdate=lt1984-07-12', false],
    ['birthdate=le1984-07-12', true],
    ['birthdate=sa1984-07-11', true],
    ['birthdate=sa1984-07-12', false],
    ['birthdate=eb1984-07-13', true],
    ['birthdate=eb1984-07-12', false],
    ['birthdate=ap1985-01-01', true],
    ['birthdate=ap2020-01-01', false],
    ['birthdate=ge1980&birthdate=lt1990', true],
    ['birthdate=ge1985&birthdate=lt1990', false],
  ])('%s → %s', (query, expected) => {
    expect(matches(patient, query)).toBe(expected);
  });
});

describe('date search on a Period (09:00–10:00Z)', () => {
  it.each([
    ['date=2024-03-06', true],
    ['date=2024-03-06T09:30:00Z', false],
    ['date=ap2024-03-06T09:30:00Z', true],
    ['date=gt2024-03-06T09:30:00Z', true],
    ['date=lt2024-03-06T09:30:00Z', true],
    ['date=sa2024-03-06T08:59:59Z', true],
    ['date=sa2024-03-06T09:00:00Z', false],
    ['date=eb2024-03-06T10:00:01Z', true],
    ['date=eb2024-03-06T09:59:59Z', false],
  ])('%s → %s', (query, expected) => {
    expect(matches(observation, query)).toBe(expected);
  });

  it('an open-ended period is after any later date', () => {
    const ongoing: FhirResource = { ...observation, effectivePeriod: { start: '2024-03-06' } };
    expect(matches(ongoing, 'date=gt2099-01-01')).toBe(true);
    expect(matches(ongoing, 'date=lt2024-01-01')).toBe(false);
    expect(matches(ongoing, 'date=2024')).toBe(false);
  });

  it('matchesRange treats ranges as half-open', () => {
    expect(matchesRange('eq', 0, 10, 0, 10)).toBe(true);
    expect(matchesRange('sa', 10, 20, 0, 10)).toBe(true);
    expect(matchesRange('eb', 0, 10, 10, 20)).toBe(true);
    expect(matchesRange('ap', 0, 10, 10, 20)).toBe(false);
  });
});

describe('quantity and number search (68.5 kg)', () => {
  it.each([
    ['value-quantity=68.5', true],
    ['value-quantity=68', false],
    ['value-quantity=69', true], // 69 means [68.5, 69.5)
    ['value-quantity=70', false],
    ['value-quantity=7e1', true],
    ['value-quantity=gt68', true],
    ['value-quantity=gt68.5', false],
    ['value-quantity=ge68.5', true],
    ['value-quantity=lt70', true],
    ['value-quantity=le68.4', false],
    ['value-quantity=ne68.5', false],
    ['value-quantity=ap65', true],
    ['value-quantity=ap50', false],
    ['value-quantity=68.5|http://unitsofmeasure.org|kg', true],
    ['value-quantity=68.5|http://unitsofmeasure.org|g', false],
    ['value-quantity=68.5||kg', true],
    ['value-quantity=68.5|urn:other|kg', false],
  ])('%s → %s', (query, expected) => {
    expect(matches(observation, query)).toBe(expected);
  });

  it('number parameters', () => {
    const charge: FhirResource = {
      resourceType: 'ChargeItem',
      status: 'billable',
      code: {},
      subject: { reference: 'Patient/p1' },
      factorOverride: 0.8,
    };
    expect(matches(charge, 'factor-override=0.8')).toBe(true);
    expect(matches(charge, 'factor-override=gt0.5')).toBe(true);
    expect(matches(charge, 'factor-override=lt0.5')).toBe(false);
  });
});

describe('reference search', () => {
  it.each([
    ['subject=Patient/p1', true],
    ['subject=Patient/p2', false],
    ['subject=p1', true],
    ['subject:Patient=p1', true],
    ['subject:Group=p1', false],
    ['patient=p1', true],
    ['subject=Group/p1', false],
    ['subject=https://x.test/fhir/Patient/p1', false],
  ])('%s → %s', (query, expected) => {
    expect(matches(observation, query)).toBe(expected);
  });
});

describe('uri search and :missing', () => {
  it.each([
    ['_source=urn:fhir-gateway:connection:jane-main', true],
    ['_source=urn:fhir-gateway:connection', false],
    ['_source:below=urn:fhir-gateway:', true],
    ['_source:above=urn:fhir-gateway:connection:jane-main/x', true],
    ['birthdate:missing=false', true],
    ['birthdate:missing=true', false],
    ['deceased:missing=true', true],
    ['gender:missing=true&family=alv', false],
  ])('%s → %s', (query, expected) => {
    expect(matches(patient, query)).toBe(expected);
  });
});
