import { join } from 'node:path';
import type { Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { createIdentityScheme, SOURCE_SYSTEMS } from '../../fhir/identity.ts';
import { discoverFixtures } from '../fixtures.ts';
import { loadMappingSet } from '../load-mapping-set.ts';
import { loadLocalDefinitions } from '../local-definitions.ts';
import { loadMappingDefinitions } from '../mapping-definitions.ts';
import { readAllowList } from '../unmapped-report.ts';
import { gtinCheckDigitOk, loincCheckDigitOk, meaningProblems } from './checks.ts';
import { mapSample, sampleRecords } from './samples.ts';

/**
 * Checks of meaning (issue 13, section 4) over every source's golden fixtures and a generated
 * sample of every entity the mappings know: references resolve, no duplicate references, every
 * identifier has a system and every coding a code, LOINC check digits, R4 vital-signs profiles,
 * US Core Patient, money with currency, and a resource agrees with its encounter on the patient.
 */
const mappingsDir = join(import.meta.dirname, '..', '..', '..', 'mappings');
const defs = loadMappingDefinitions();
const set = loadMappingSet({ dir: mappingsDir, defs, scheme: createIdentityScheme() });
const fixtures = discoverFixtures(mappingsDir);
const definitions = loadLocalDefinitions(mappingsDir);

describe('LOINC check digits', () => {
  it('accepts real codes and rejects a wrong check digit', () => {
    expect(['85354-9', '2708-6', '8480-6', '29463-7', '4548-4'].every(loincCheckDigitOk)).toBe(true);
    expect(['85354-6', '2708-5', '8480', 'x-1'].some(loincCheckDigitOk)).toBe(false);
  });
});

describe('the checks themselves', () => {
  it('report each kind of fault on a resource that has it', () => {
    const bad = {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      identifier: [{ value: 'x' }],
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
          ],
        },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: '85354-6' }, { system: 'urn:x' }] },
      subject: { reference: 'Patient/p1' },
      performer: [{ reference: 'Practitioner/d1' }, { reference: 'Practitioner/d1' }],
      encounter: { reference: 'Encounter/e1' },
    } as unknown as Resource;
    const encounter = {
      resourceType: 'Encounter',
      id: 'e1',
      status: 'finished',
      class: { system: 'urn:x', code: 'AMB' },
      subject: { reference: 'Patient/p2' },
    } as unknown as Resource;
    const orphan = {
      resourceType: 'Observation',
      id: 'o2',
      status: 'final',
      code: { text: 'x' },
    } as Resource;
    const problems = meaningProblems([bad, encounter, orphan], {
      externalTypes: new Set(['Patient']),
      profiles: true,
    });
    const text = problems.join('\n');
    for (const expected of [
      'identifier without system',
      'coding without code',
      'LOINC 85354-6 fails its check digit',
      'duplicate references',
      'reference to Practitioner not emitted',
      'finished without end',
      'encounter of another patient',
      'Observation/o2 Observation.subject: no patient',
      'http://hl7.org/fhir/StructureDefinition/vitalsigns',
    ]) {
      expect(text).toContain(expected);
    }
  });
});

describe('GS1 check digits', () => {
  it('accepts real GTIN-14s and rejects a wrong check digit or length', () => {
    expect(['00844588003288', '10614141000415', '00884401439566'].every(gtinCheckDigitOk)).toBe(true);
    expect(['00844588003289', '0884401439566', '0088440143956x'].some(gtinCheckDigitOk)).toBe(false);
  });
});

describe('the vital-sign code check', () => {
  it('reports a vital-signs Observation named by text alone (a panel of readings without its LOINC code)', () => {
    const panel = {
      resourceType: 'Observation',
      id: 'bp',
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
          ],
        },
      ],
      code: { text: 'Systolic blood pressure, Diastolic blood pressure' },
      subject: { reference: 'Patient/p1' },
      effectiveDateTime: '2024-02-05T09:14:02Z',
    } as unknown as Resource;
    expect(meaningProblems([panel], { externalTypes: new Set(['Patient']) })).toEqual([
      'Observation/bp Observation.code: vital sign without a LOINC code',
    ]);
  });
});

describe('the implantable device checks', () => {
  it('report a UDI whose device identifier fails its check digit or disagrees with its HRF', () => {
    const device = (deviceIdentifier: string, carrierHRF: string) =>
      ({
        resourceType: 'Device',
        id: 'd2',
        patient: { reference: 'Patient/p1' },
        udiCarrier: [{ deviceIdentifier, issuer: 'http://hl7.org/fhir/NamingSystem/gs1-di', carrierHRF }],
      }) as unknown as Resource;
    const patient = new Set(['Patient']);
    expect(
      meaningProblems([device('00844588003288', '(01)00844588003288(17)320912')], { externalTypes: patient }),
    ).toEqual([]);
    expect(
      meaningProblems([device('00844588003289', '(01)00844588003288')], { externalTypes: patient }),
    ).toEqual([
      'Device/d2 Device.udiCarrier[0]: GS1 device identifier fails its check digit',
      'Device/d2 Device.udiCarrier[0]: carrierHRF names another device identifier',
    ]);
  });

  it('report a Device with no patient and no type against US Core Implantable Device', () => {
    const device = { resourceType: 'Device', id: 'd1', status: 'active' } as Resource;
    const text = meaningProblems([device], { profiles: true }).join('\n');
    expect(text).toContain('Device/d1 Device.subject: no patient');
    expect(text).toContain(
      'Device/d1 http://hl7.org/fhir/us/core/StructureDefinition/us-core-implantable-device:',
    );
  });
});

describe('generated implantable devices', () => {
  it('carry valid, self-consistent GS1 UDIs over a larger sample', () => {
    const devices = sampleRecords('drchrono', set, 400).filter((r) => r.entity === 'implantable_devices');
    const mapped = mapSample('drchrono', set, devices);
    expect(mapped.resources.length).toBeGreaterThan(5);
    const patient = new Set(['Patient']);
    expect(meaningProblems(mapped.resources, { externalTypes: patient })).toEqual([]);
  });
});

describe('the BMI check', () => {
  const vital = (id: string, code: string, value: number, unit: string) =>
    ({
      resourceType: 'Observation',
      id,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code }] },
      subject: { reference: 'Patient/p1' },
      encounter: { reference: 'Encounter/e1' },
      valueQuantity: { value, system: 'http://unitsofmeasure.org', code: unit },
    }) as unknown as Resource;
  const visit = (bmi: number) => [
    {
      resourceType: 'Encounter',
      id: 'e1',
      status: 'arrived',
      class: { system: 'urn:x', code: 'AMB' },
    } as Resource,
    vital('h', '8302-2', 70, '[in_i]'),
    vital('w', '29463-7', 180, '[lb_av]'),
    vital('b', '39156-5', bmi, 'kg/m2'),
  ];

  it('accepts a BMI that matches height and weight and reports one that does not', () => {
    const patient = new Set(['Patient']);
    expect(meaningProblems(visit(25.8), { externalTypes: patient })).toEqual([]);
    expect(meaningProblems(visit(31.2), { externalTypes: patient })).toEqual([
      'Observation/b Observation.valueQuantity: BMI disagrees with the height and weight of its encounter',
    ]);
  });
});

describe.each(SOURCE_SYSTEMS)('meaning of %s', (source) => {
  it('holds over the golden fixtures', () => {
    const resources = fixtures
      .filter((fixture) => fixture.source === source)
      .flatMap((fixture) => {
        const expected = fixture.expected as { ok?: boolean; resources?: Resource[] } | undefined;
        return expected?.ok ? (expected.resources ?? []) : [];
      });
    const externalTypes = new Set(Object.keys(readAllowList(mappingsDir, source).referenceTypes));
    expect(resources.length).toBeGreaterThan(10);
    expect(meaningProblems(resources, { externalTypes, profiles: true, definitions })).toEqual([]);
  });

  it('holds over a generated sample of every mapped entity, with nothing quarantined', () => {
    const sample = mapSample(source, set, sampleRecords(source, set, 20));
    expect(sample.failures).toEqual([]);
    expect(sample.resources.length).toBeGreaterThan(100);
    expect(meaningProblems(sample.resources, { profiles: true, profileLimit: 30, definitions })).toEqual([]);
  });
});
