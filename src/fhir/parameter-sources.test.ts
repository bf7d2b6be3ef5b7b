import { describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from './definitions.ts';
import { parameterSources } from './parameter-sources.ts';

const defs = loadFhirDefinitions({ resourceTypes: ['Patient', 'Observation', 'Appointment', 'Coverage'] });
const sourceOf = (type: string, code: string) => defs.searchParameters.get(type)?.byCode.get(code)?.source;

describe('parameterSources', () => {
  it('answers R4 parameters that repeat others from those others', () => {
    expect(sourceOf('Patient', 'phonetic')).toEqual({ from: 'params', params: ['name'], refType: null });
    expect(sourceOf('Observation', 'combo-code')).toEqual({
      from: 'params',
      params: ['code', 'component-code'],
      refType: null,
    });
    expect(sourceOf('Observation', 'combo-value-quantity')).toEqual({
      from: 'params',
      params: ['component-value-quantity', 'value-quantity'],
      refType: null,
    });
    expect(sourceOf('Observation', 'patient')).toEqual({
      from: 'params',
      params: ['subject'],
      refType: 'Patient',
    });
    expect(sourceOf('Appointment', 'practitioner')).toEqual({
      from: 'params',
      params: ['actor'],
      refType: 'Practitioner',
    });
    expect(sourceOf('Coverage', 'patient')).toEqual({
      from: 'params',
      params: ['beneficiary'],
      refType: null,
    });
  });

  it('keeps its own entries for a parameter nothing else covers', () => {
    expect(sourceOf('Patient', 'name')).toEqual({ from: 'own' });
    expect(sourceOf('Observation', 'subject')).toEqual({ from: 'own' });
    expect(sourceOf('Observation', 'value-quantity')).toEqual({ from: 'own' });
    // string | CodeableConcept.text: no parameter has the second branch alone.
    expect(sourceOf('Observation', 'value-string')).toEqual({ from: 'own' });
  });

  it('answers _id, _lastUpdated, _source and _connection from the resource columns', () => {
    expect(sourceOf('Patient', '_id')).toEqual({ from: 'column', column: 'id' });
    expect(sourceOf('Observation', '_lastUpdated')).toEqual({ from: 'column', column: 'lastUpdated' });
    expect(sourceOf('Observation', '_source')).toEqual({ from: 'column', column: 'source' });
    expect(sourceOf('Patient', '_connection')).toEqual({ from: 'column', column: 'connection' });
  });

  it('covers a union only when other parameters give every branch, and never from a derived one', () => {
    const sources = parameterSources([
      { code: 'a', kind: 'token', expression: 'X.a' },
      { code: 'b', kind: 'token', expression: 'X.b' },
      { code: 'ab', kind: 'token', expression: 'X.a | (X.b)' },
      { code: 'abc', kind: 'token', expression: 'X.a | X.b | X.c' },
      { code: 'a-string', kind: 'string', expression: 'X.a' },
      { code: 'a2', kind: 'token', expression: 'X.a' },
    ]);
    expect(sources.get('ab')).toEqual({ from: 'params', params: ['a', 'b'], refType: null });
    expect(sources.get('abc')).toEqual({ from: 'own' });
    expect(sources.get('a-string')).toEqual({ from: 'own' });
    expect(sources.get('a2')).toEqual({ from: 'params', params: ['a'], refType: null });
  });
});
