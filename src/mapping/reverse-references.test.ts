import { describe, expect, it } from 'vitest';
import { reverseFhirReferences } from './reverse-references.ts';
import { MappingFailure } from './run-state.ts';

describe('reverseFhirReferences (writes to a FHIR source)', () => {
  const resolve = (reference: string) =>
    ({ 'Patient/gwp': 'eP1', 'Practitioner/gwd': 'eD.2' })[reference] as string | undefined;

  it('turns every relative gateway reference into the native one, nested and in arrays; leaves the rest', () => {
    const out = reverseFhirReferences(
      {
        resourceType: 'Observation',
        subject: { reference: 'Patient/gwp', display: 'kept' },
        performer: [{ reference: 'Practitioner/gwd' }, { reference: '#contained' }],
        derivedFrom: [{ reference: 'https://elsewhere.example/fhir/Media/1' }],
        parameter: [{ name: 'patient', valueReference: { reference: 'Patient/gwp' } }],
      },
      resolve,
    );
    expect(out).toEqual({
      resourceType: 'Observation',
      subject: { reference: 'Patient/eP1', display: 'kept' },
      performer: [{ reference: 'Practitioner/eD.2' }, { reference: '#contained' }],
      derivedFrom: [{ reference: 'https://elsewhere.example/fhir/Media/1' }],
      parameter: [{ name: 'patient', valueReference: { reference: 'Patient/eP1' } }],
    });
  });

  it('fails on a reference it cannot resolve, naming the path and not the reference', () => {
    const error = (() => {
      try {
        reverseFhirReferences({ performer: [{ reference: 'Practitioner/other-tenant-id' }] }, resolve);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MappingFailure);
    expect(error).toMatchObject({ path: 'payload.performer[0].reference' });
    expect(String((error as Error).message)).not.toContain('other-tenant-id');
    expect(() => reverseFhirReferences({ subject: { reference: 'Patient/gwp' } }, undefined)).toThrow(
      MappingFailure,
    );
  });
});
