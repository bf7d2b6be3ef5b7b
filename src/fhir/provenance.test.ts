import type { Binary, Patient, QuestionnaireResponse } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { createIdentityScheme, gatewayId, type NativeRecordKey } from './identity.ts';
import { applyProvenance } from './provenance.ts';

const scheme = createIdentityScheme();
const key: NativeRecordKey = {
  tenant: 't1',
  connectionId: 'epic-prod',
  source: 'epic',
  sourceType: 'Patient',
  nativeId: 'eXyz.1',
};
const epicMrn = { system: 'urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14', value: '203713' };

describe('applyProvenance', () => {
  const mapped: Patient = {
    resourceType: 'Patient',
    identifier: [epicMrn],
    meta: { tag: [{ system: 'x', code: 'keep' }] },
  };
  const stamped = applyProvenance(scheme, mapped, key);

  it('sets the deterministic id, meta.source and the source-system tag', () => {
    expect(stamped.id).toBe(gatewayId(key));
    expect(stamped.meta?.source).toBe('urn:fhir-gateway:connection:epic-prod');
    expect(stamped.meta?.tag).toEqual([
      { system: 'x', code: 'keep' },
      { system: 'https://fhir-gateway.example/CodeSystem/source-system', code: 'epic', display: 'Epic' },
    ]);
  });

  it("keeps the source's own identifiers and adds the native-id identifier", () => {
    expect(stamped.identifier).toEqual([
      epicMrn,
      {
        use: 'secondary',
        system: 'https://fhir-gateway.example/sid/epic/epic-prod/Patient',
        value: 'eXyz.1',
      },
    ]);
  });

  it('gives each qualified resource of one record its own identifier value', () => {
    const vital = (qualifier: string) =>
      applyProvenance(scheme, { resourceType: 'Patient' } as Patient, {
        ...key,
        sourceType: 'appointments',
        nativeId: '7',
        qualifier,
      }).identifier?.[0]?.value;
    expect(vital('pulse')).toBe('7#pulse');
    expect(vital('weight')).toBe('7#weight');
    expect(applyProvenance(scheme, { resourceType: 'Patient' } as Patient, key).identifier?.[0]?.value).toBe(
      'eXyz.1',
    );
  });

  it('is idempotent and does not modify its input', () => {
    expect(applyProvenance(scheme, stamped, key)).toEqual(stamped);
    expect(mapped.id).toBeUndefined();
    expect(mapped.identifier).toEqual([epicMrn]);
  });

  it('handles types without an identifier and with a single identifier', () => {
    const binary = applyProvenance(
      scheme,
      { resourceType: 'Binary', contentType: 'text/plain' } as Binary,
      key,
    );
    expect(binary).not.toHaveProperty('identifier');
    const response = applyProvenance(
      scheme,
      { resourceType: 'QuestionnaireResponse', status: 'completed' } as QuestionnaireResponse,
      key,
    );
    expect(response.identifier).toEqual(expect.objectContaining({ value: 'eXyz.1' }));
  });
});
