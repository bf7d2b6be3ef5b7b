import { describe, expect, it } from 'vitest';
import {
  dateMatcher,
  dateRange,
  referenceMatcher,
  SearchValueError,
  stringMatcher,
  tokenMatcher,
} from './search-values.ts';

describe('date search', () => {
  it('reads a date at its precision as a half-open range (UTC when no zone)', () => {
    expect(dateRange('2024')).toEqual({ lo: Date.UTC(2024, 0, 1), hi: Date.UTC(2025, 0, 1) });
    expect(dateRange('2024-02')).toEqual({ lo: Date.UTC(2024, 1, 1), hi: Date.UTC(2024, 2, 1) });
    expect(dateRange('2024-02-03T10:00:00+01:00')?.lo).toBe(Date.UTC(2024, 1, 3, 9));
    expect(dateRange('2024-13-01')).toBeUndefined();
    expect(dateRange('03/02/2024')).toBeUndefined();
  });

  it('applies eq, ne, lt, le, gt, ge to dates and periods', () => {
    const day = '2024-03-10';
    expect(dateMatcher('2024-03')(day)).toBe(true);
    expect(dateMatcher('eq2024-03-11')(day)).toBe(false);
    expect(dateMatcher('ne2024-03-11')(day)).toBe(true);
    expect(dateMatcher('ge2024-03-10')(day)).toBe(true);
    expect(dateMatcher('gt2024-03-10')(day)).toBe(false);
    expect(dateMatcher('lt2024-03-10')(day)).toBe(false);
    expect(dateMatcher('le2024-03-10')(day)).toBe(true);
    expect(dateMatcher('lt2024-03-11T00:00:00Z')('2024-03-10T23:59:59Z')).toBe(true);
    const period = { start: '2024-03-10T10:00:00Z', end: '2024-03-10T11:00:00Z' };
    expect(dateMatcher('ge2024-03-10T10:30:00Z')(period)).toBe(true);
    expect(dateMatcher('gt2024-03-10T11:00:00Z')(period)).toBe(false);
    expect(dateMatcher('ge2024-01-01')({ start: '2023-12-01' })).toBe(true);
  });

  it('rejects unknown prefixes and malformed dates', () => {
    expect(() => dateMatcher('sa2024-01-01')).toThrow(SearchValueError);
    expect(() => dateMatcher('yesterday')).toThrow(SearchValueError);
  });
});

describe('token search', () => {
  const concept = { coding: [{ system: 'http://loinc.org', code: '8867-4' }] };
  it('matches system|code, code, system| and |code', () => {
    expect(tokenMatcher('http://loinc.org|8867-4')(concept)).toBe(true);
    expect(tokenMatcher('8867-4')(concept)).toBe(true);
    expect(tokenMatcher('http://loinc.org|')(concept)).toBe(true);
    expect(tokenMatcher('|8867-4')(concept)).toBe(false);
    expect(tokenMatcher('other|8867-4')(concept)).toBe(false);
    expect(tokenMatcher('urn:x|42')({ system: 'urn:x', value: '42' })).toBe(true);
    expect(tokenMatcher('true')(true)).toBe(true);
    expect(tokenMatcher('female')('female')).toBe(true);
  });
  it('rejects an empty token', () => {
    expect(() => tokenMatcher('')).toThrow(SearchValueError);
  });
});

describe('string search', () => {
  const name = { family: 'Hernández', given: ['Zoë'] };
  it('is a case- and accent-insensitive prefix match, with exact and contains', () => {
    expect(stringMatcher('hern', undefined)(name)).toBe(true);
    expect(stringMatcher('zoe', undefined)(name)).toBe(true);
    expect(stringMatcher('nandez', undefined)(name)).toBe(false);
    expect(stringMatcher('nandez', 'contains')(name)).toBe(true);
    expect(stringMatcher('Hernández', 'exact')(name)).toBe(true);
    expect(stringMatcher('hernández', 'exact')(name)).toBe(false);
  });
  it('rejects an empty string', () => {
    expect(() => stringMatcher('', undefined)).toThrow(SearchValueError);
  });
});

describe('reference search', () => {
  it('accepts id, Type/id and absolute URLs, scoped to the target type', () => {
    const ref = { reference: 'Patient/abc' };
    expect(referenceMatcher('abc', 'Patient')(ref)).toBe(true);
    expect(referenceMatcher('Patient/abc', 'Patient')(ref)).toBe(true);
    expect(referenceMatcher('http://x/api/FHIR/R4/Patient/abc', 'Patient')(ref)).toBe(true);
    expect(referenceMatcher('abc', 'Practitioner')(ref)).toBe(false);
    expect(referenceMatcher('abc', undefined)(ref)).toBe(true);
  });
  it('rejects a reference to the wrong type', () => {
    expect(() => referenceMatcher('Practitioner/abc', 'Patient')).toThrow(SearchValueError);
  });
});
