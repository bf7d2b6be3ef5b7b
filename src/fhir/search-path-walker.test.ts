import type { Observation, Patient, Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { searchFixtures } from '../../test/support/search-fixtures.ts';
import { loadFhirDefinitions } from './definitions.ts';
import { extractIndexEntries } from './extract-index-entries.ts';
import { compileSearchPathWalker } from './search-path-walker.ts';
import { VALID_RESOURCES } from './test-fixtures/valid-resources.ts';

const defs = loadFhirDefinitions();

describe('compiled search path walkers', () => {
  it('give exactly the entries fhirpath.js gives, for every search and FHIR-core fixture', () => {
    const resources: Resource[] = [...searchFixtures(), ...VALID_RESOURCES];
    let compared = 0;
    for (const resource of resources) {
      if (!defs.searchParameters.has(resource.resourceType)) continue;
      const compiled = extractIndexEntries(defs, resource);
      expect(compiled, `${resource.resourceType}/${resource.id}`).toEqual(
        extractIndexEntries(defs, resource, { via: 'fhirpath' }),
      );
      compared += compiled.length;
    }
    expect(compared).toBeGreaterThan(4_000);
  });

  it('compile every Patient and Observation parameter but the boolean one, and most of the rest', () => {
    const interpreted = (type: string) =>
      [...(defs.searchParameters.get(type)?.byCode.values() ?? [])]
        .filter((parameter) => !parameter.walked)
        .map((parameter) => parameter.code);
    expect(interpreted('Patient')).toEqual(['deceased']);
    expect(interpreted('Observation')).toEqual([]);
    const all = [...defs.searchParameters.values()].flatMap((p) => [...p.byCode.values()]);
    expect(all.filter((parameter) => parameter.walked).length / all.length).toBeGreaterThan(0.97);
  });

  it('choice elements: first present choice only, typed by its suffix, filtered by ofType', () => {
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      effectivePeriod: { start: '2024-01-01' },
      valueQuantity: { value: 3, unit: 'kg' },
    };
    const effective = compileSearchPathWalker('Observation.effective', 'Observation');
    expect(effective?.(observation)).toEqual([{ type: 'Period', value: { start: '2024-01-01' } }]);
    const quantity = compileSearchPathWalker(
      '(Observation.value.ofType(Quantity)) | (Observation.value.ofType(SampledData))',
      'Observation',
    );
    expect(quantity?.(observation)).toEqual([{ type: 'Quantity', value: { value: 3, unit: 'kg' } }]);
    expect(
      compileSearchPathWalker('Observation.value.ofType(CodeableConcept)', 'Observation')?.(observation),
    ).toEqual([]);
  });

  it('where() filters, substring, arrays, and values only present as primitive extensions', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      meta: { source: 'urn:fhir-gateway:connection:jane-1' },
      telecom: [
        { system: 'phone', value: '555' },
        { system: 'email', value: 'a@b.c' },
      ],
      generalPractitioner: [{ reference: 'Organization/o1' }, { reference: 'Practitioner/p1' }],
      name: [{ given: ['Ann'] }],
    };
    const run = (expression: string, resource: Resource = patient) =>
      compileSearchPathWalker(expression, 'Patient')?.(resource);
    expect(run("Patient.telecom.where(system='email')")).toEqual([
      { type: 'ContactPoint', value: { system: 'email', value: 'a@b.c' } },
    ]);
    expect(run("Patient.generalPractitioner.where(reference.startsWith('Practitioner/'))")).toEqual([
      { type: 'Reference', value: { reference: 'Practitioner/p1' } },
    ]);
    expect(
      run("Resource.meta.source.where(startsWith('urn:fhir-gateway:connection:')).substring(28)"),
    ).toEqual([{ type: 'String', value: 'jane-1' }]);
    expect(run('Patient.name.given')).toEqual([{ type: 'string', value: 'Ann' }]);
    const onlyExtension = { resourceType: 'Patient', _birthDate: { extension: [] } } as Patient;
    expect(run('Patient.birthDate', onlyExtension)).toEqual([]);
  });

  it('know which date parameters hold at most one entry, at most a year wide', () => {
    const single = (type: string, code: string) =>
      defs.searchParameters.get(type)?.byCode.get(code)?.singleShortDate;
    expect(single('Patient', 'birthdate')).toBe(true);
    expect(single('Patient', 'death-date')).toBe(true);
    expect(single('Observation', '_lastUpdated')).toBe(true);
    expect(single('Observation', 'date')).toBe(false); // effectiveTiming, effectivePeriod
    expect(single('Encounter', 'date')).toBe(false); // a Period
    expect(single('Immunization', 'reaction-date')).toBe(false); // repeating reaction
  });

  it('leave what they do not understand to fhirpath.js', () => {
    for (const expression of [
      'Patient.deceased.exists() and Patient.deceased != false',
      'Patient.name.first()',
      "Patient.telecom.where(system='email' and use='home')",
      'Patient.nonexistent',
      'Observation.code',
    ])
      expect(compileSearchPathWalker(expression, 'Patient'), expression).toBeUndefined();
  });
});
