import { describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from './definitions.ts';
import { SUPPORTED_RESOURCE_TYPES } from './supported-types.ts';
import { VALID_RESOURCES } from './test-fixtures/valid-resources.ts';

describe('loadFhirDefinitions', () => {
  const defs = loadFhirDefinitions();

  it('loads every supported type, its bases and the datatypes, and nothing else', () => {
    expect(defs.resourceTypes).toEqual([...SUPPORTED_RESOURCE_TYPES]);
    for (const type of [...SUPPORTED_RESOURCE_TYPES, 'Resource', 'DomainResource', 'HumanName', 'Period']) {
      expect(defs.structureDefinitions.get(type)?.snapshot?.element.length).toBeGreaterThan(0);
    }
    expect(defs.structureDefinitions.has('ResearchStudy')).toBe(false);
  });

  it('expands the value sets of required bindings, skipping only external ones', () => {
    expect(
      defs.requiredValueSets.byUrl.get('http://hl7.org/fhir/ValueSet/administrative-gender')?.codes,
    ).toEqual(new Set(['male', 'female', 'other', 'unknown']));
    expect(defs.requiredValueSets.byUrl.has('http://hl7.org/fhir/ValueSet/appointmentstatus')).toBe(true);
    expect([...defs.requiredValueSets.unexpandable].sort()).toEqual([
      'http://hl7.org/fhir/ValueSet/currencies',
      'http://hl7.org/fhir/ValueSet/mimetypes',
    ]);
  });

  it('compiles search parameters per type, with the gateway ones and the reasons for the rest', () => {
    const patient = defs.searchParameters.get('Patient');
    expect(patient?.byCode.get('birthdate')).toMatchObject({ kind: 'date', expression: 'Patient.birthDate' });
    expect(patient?.byCode.get('_connection')?.kind).toBe('token');
    expect(patient?.unsupported.get('_content')).toMatch(/no FHIRPath expression/);
    expect(defs.searchParameters.get('Observation')?.unsupported.get('code-value-quantity')).toMatch(
      /composite/,
    );
    // Shared R4 expressions are cut down to the type's own branches.
    expect(defs.searchParameters.get('Observation')?.byCode.get('patient')?.expression).toBe(
      "Observation.subject.where(reference.startsWith('Patient/'))",
    );
  });

  it('every compiled parameter evaluates on every valid fixture of its type', () => {
    for (const resource of VALID_RESOURCES) {
      for (const parameter of defs.searchParameters.get(resource.resourceType)?.byCode.values() ?? []) {
        expect(
          () => parameter.evaluate(resource),
          `${resource.resourceType}.${parameter.code}`,
        ).not.toThrow();
      }
    }
  });

  it('rejects resource types R4 does not define', () => {
    expect(() => loadFhirDefinitions({ resourceTypes: ['Patient', 'Unicorn'] })).toThrow(/Unicorn/);
  });
});
