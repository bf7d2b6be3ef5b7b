import type { Encounter } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { gatewayId } from './identity.ts';
import {
  absoluteReferenceType,
  type ConnectionScope,
  gatewayReference,
  parseLiteralReference,
  rewriteFhirReferences,
} from './references.ts';

const scope: ConnectionScope = { tenant: 't1', connectionId: 'epic-prod', source: 'epic' };
const idOf = (sourceType: string, nativeId: string) => gatewayId({ ...scope, sourceType, nativeId });

describe('gatewayReference', () => {
  it('points at the gateway id of the native record', () => {
    const target = { resourceType: 'Patient', sourceType: 'patients', nativeId: '7' };
    expect(gatewayReference(scope, target)).toEqual({ reference: `Patient/${idOf('patients', '7')}` });
    expect(gatewayReference(scope, target, 'Jo')).toEqual({
      reference: `Patient/${idOf('patients', '7')}`,
      display: 'Jo',
    });
  });
});

describe('parseLiteralReference', () => {
  it.each([
    ['Patient/abc', { resourceType: 'Patient', id: 'abc' }],
    ['Patient/abc/_history/2', { resourceType: 'Patient', id: 'abc' }],
    ['https://epic.test/api/FHIR/R4/Patient/abc', { resourceType: 'Patient', id: 'abc' }],
    ['#contained', undefined],
    ['Patient?identifier=x', undefined],
    ['NotAType/abc', undefined],
    ['https://other.test/Patient/abc', undefined],
  ])('%s', (reference, expected) => {
    expect(parseLiteralReference(reference, 'https://epic.test/api/FHIR/R4/')).toEqual(expected);
  });
});

describe('absoluteReferenceType', () => {
  it.each([
    ['https://fhir.example.org/r4/Patient/p1', 'Patient'],
    ['http://pharmacy.example.org/MedicationRequest/AB12/_history/3', 'MedicationRequest'],
    ['http://example.org/registry/12345', undefined],
    ['http://example.org/NotAType/12345', undefined],
    ['Patient/p1', undefined],
    ['urn:uuid:8f8e3c8a-4d2b-4c55-9d7e-1f2a3b4c5d6e', undefined],
  ])('%s', (reference, expected) => {
    expect(absoluteReferenceType(reference)).toBe(expected);
  });
});

describe('rewriteFhirReferences', () => {
  const encounter: Encounter = {
    resourceType: 'Encounter',
    status: 'finished',
    class: { code: 'AMB' },
    subject: { reference: 'Patient/eP1', display: 'kept' },
    participant: [{ individual: { reference: 'https://epic.test/api/FHIR/R4/Practitioner/eD9' } }],
    serviceProvider: { reference: '#org' },
    basedOn: [{ reference: 'https://other.test/fhir/ServiceRequest/s1' }],
  };

  it('rewrites relative and same-base references, leaves others alone, returns a copy', () => {
    const rewritten = rewriteFhirReferences(scope, encounter, 'https://epic.test/api/FHIR/R4');
    expect(rewritten.subject).toEqual({ reference: `Patient/${idOf('Patient', 'eP1')}`, display: 'kept' });
    expect(rewritten.participant?.[0]?.individual?.reference).toBe(
      `Practitioner/${idOf('Practitioner', 'eD9')}`,
    );
    expect(rewritten.serviceProvider?.reference).toBe('#org');
    expect(rewritten.basedOn?.[0]?.reference).toBe('https://other.test/fhir/ServiceRequest/s1');
    expect(encounter.subject?.reference).toBe('Patient/eP1');
  });
});
