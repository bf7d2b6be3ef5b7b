import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createIdentityScheme, gatewayId } from '../fhir/identity.ts';
import { goldenScope } from './fixtures.ts';
import { loadMappingSet } from './load-mapping-set.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';

/**
 * Hand-checked Epic normalizations: the expected resources below are written by hand from the Epic
 * record (mappings/epic/fixtures/<name>.input.json) and the rules of docs/identity.md and the FHIR
 * R4 spec, not produced by the engine (the `.snapshot.json` files are). What the gateway must do to
 * an Epic resource: keep everything Epic sent, identifiers with their real systems included; drop
 * meta.versionId / meta.lastUpdated (the store keeps its own); give it the gateway id; add the
 * native-id identifier, meta.source and the source tag; rewrite every literal reference to the
 * gateway id of its target (keeping `display`).
 */
const mappingsDir = join(import.meta.dirname, '..', '..', 'mappings');
const set = loadMappingSet({
  dir: mappingsDir,
  defs: loadMappingDefinitions(),
  scheme: createIdentityScheme(),
  sources: ['epic'],
});
const scope = goldenScope('epic');
const input = (name: string) =>
  JSON.parse(readFileSync(join(mappingsDir, 'epic', 'fixtures', `${name}.input.json`), 'utf8'));
const id = (type: string, nativeId: string) => gatewayId({ ...scope, sourceType: type, nativeId });
const ref = (type: string, nativeId: string) => `${type}/${id(type, nativeId)}`;
const meta = {
  source: 'urn:fhir-gateway:connection:epic-golden',
  tag: [{ system: 'https://fhir-gateway.example/CodeSystem/source-system', code: 'epic', display: 'Epic' }],
};
const nativeIdentifier = (type: string, value: string) => ({
  use: 'secondary',
  system: `https://fhir-gateway.example/sid/epic/epic-golden/${type}`,
  value,
});

function mapOne(name: string): unknown {
  const { entity, record } = input(name);
  const result = set.forward('epic', entity, record, scope);
  if (!result.ok) throw new Error(JSON.stringify(result));
  expect(result.resources).toHaveLength(1);
  return JSON.parse(JSON.stringify(result.resources[0]));
}

describe('Epic normalizations, checked by hand', () => {
  it('Patient', () => {
    const oid = 'urn:oid:1.2.840.114350.1.13.0.1.7';
    expect(mapOne('patient-1')).toEqual({
      resourceType: 'Patient',
      id: id('Patient', 'e3Ki4gud2c8mH6iUCA3'),
      meta,
      extension: [
        {
          url: 'http://open.epic.com/FHIR/StructureDefinition/extension/legal-sex',
          valueCodeableConcept: {
            coding: [{ system: `${oid}.10.698084.130.657370.19999000`, code: 'female', display: 'Female' }],
          },
        },
        { url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-birthsex', valueCode: 'F' },
        {
          url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
          extension: [
            {
              url: 'ombCategory',
              valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '2028-9', display: 'Asian' },
            },
            { url: 'text', valueString: 'Asian' },
          ],
        },
        {
          url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity',
          extension: [
            {
              url: 'ombCategory',
              valueCoding: {
                system: 'urn:oid:2.16.840.1.113883.6.238',
                code: '2186-5',
                display: 'Not Hispanic or Latino',
              },
            },
            { url: 'text', valueString: 'Not Hispanic or Latino' },
          ],
        },
      ],
      identifier: [
        { use: 'usual', type: { text: 'EPIC' }, system: `${oid}.5.737384.0`, value: 'E1000' },
        { use: 'usual', type: { text: 'EPI' }, system: `${oid}.5.737384.14`, value: '300000' },
        { use: 'usual', type: { text: 'INTERNAL' }, system: `${oid}.2.698084`, value: 'Z5000' },
        {
          use: 'usual',
          type: { text: 'FHIR' },
          system: 'http://open.epic.com/FHIR/StructureDefinition/patient-dstu2-fhir-id',
          value: 'T3Ki4gud2c8mH6iUCA3',
        },
        {
          use: 'usual',
          type: { text: 'FHIR STU3' },
          system: 'http://open.epic.com/FHIR/StructureDefinition/patient-fhir-id',
          value: 'e3Ki4gud2c8mH6iUCA3',
        },
        nativeIdentifier('Patient', 'e3Ki4gud2c8mH6iUCA3'),
      ],
      active: true,
      name: [
        { use: 'official', text: 'Abigail Garcia', family: 'Garcia', given: ['Abigail'] },
        { use: 'usual', text: 'Abigail Garcia', family: 'Garcia', given: ['Abigail'] },
      ],
      telecom: [
        { system: 'phone', value: '555-903-5944', use: 'home' },
        { system: 'email', value: 'abigail.garcia695@example.com', rank: 1 },
      ],
      gender: 'female',
      birthDate: '2001-12-11',
      deceasedBoolean: false,
      address: [
        {
          use: 'home',
          line: ['2662 Birch Rd'],
          city: 'Madison',
          state: 'WI',
          postalCode: '53703',
          country: 'US',
        },
      ],
      maritalStatus: { text: 'Married' },
      communication: [
        {
          language: {
            coding: [{ system: 'urn:ietf:bcp:47', code: 'en', display: 'English' }],
            text: 'English',
          },
          preferred: true,
        },
      ],
      generalPractitioner: [{ reference: ref('Practitioner', 'e4Bo.8VfIRHOkwSPAA3') }],
      managingOrganization: { reference: ref('Organization', 'en-Q3tvpomW7O94nCA3') },
    });
  });

  it('Observation (blood pressure panel)', () => {
    const flowsheet = 'urn:oid:1.2.840.114350.1.13.0.1.7.2.707679';
    const mmHg = { unit: 'mm[Hg]', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' };
    expect(mapOne('observation-1')).toEqual({
      resourceType: 'Observation',
      id: id('Observation', 'e-7KTHK0FChR7lfZDA3'),
      meta,
      identifier: [
        { use: 'usual', system: flowsheet, value: '5-e4jrLteak9.-UdRcBA3' },
        nativeIdentifier('Observation', 'e-7KTHK0FChR7lfZDA3'),
      ],
      status: 'final',
      category: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/observation-category',
              code: 'vital-signs',
              display: 'Vital Signs',
            },
          ],
          text: 'Vital Signs',
        },
      ],
      code: {
        coding: [
          {
            system: 'http://loinc.org',
            code: '85354-9',
            display: 'Blood pressure panel with all children optional',
          },
          { system: flowsheet, code: '5', display: 'BP' },
        ],
        text: 'BP',
      },
      subject: { reference: ref('Patient', 'e3Ki4gud2c8mH6iUCA3'), display: 'Abigail Garcia' },
      encounter: { reference: ref('Encounter', 'e4jrLteak9.-UdRcBA3') },
      effectiveDateTime: '2024-07-12T17:05:00Z',
      issued: '2024-07-12T17:10:00Z',
      component: [
        {
          code: {
            coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }],
            text: 'Systolic blood pressure',
          },
          valueQuantity: { value: 145, ...mmHg },
        },
        {
          code: {
            coding: [{ system: 'http://loinc.org', code: '8462-4', display: 'Diastolic blood pressure' }],
            text: 'Diastolic blood pressure',
          },
          valueQuantity: { value: 84, ...mmHg },
        },
      ],
    });
  });

  it('Appointment', () => {
    expect(mapOne('appointment-1')).toEqual({
      resourceType: 'Appointment',
      id: id('Appointment', 'eTx8pjD5ltg7O94nCA3'),
      meta,
      identifier: [
        { use: 'usual', system: 'urn:oid:1.2.840.114350.1.13.0.1.7.3.698084.8', value: '1000000000' },
        nativeIdentifier('Appointment', 'eTx8pjD5ltg7O94nCA3'),
      ],
      status: 'fulfilled',
      serviceCategory: [
        {
          coding: [
            {
              system: 'http://open.epic.com/FHIR/StructureDefinition/appointment-service-category',
              code: 'appointment',
              display: 'Appointment',
            },
          ],
        },
      ],
      serviceType: [
        {
          coding: [
            {
              system: 'urn:oid:1.2.840.114350.1.13.0.1.7.2.808267',
              code: '1030',
              display: 'Annual Physical',
            },
          ],
          text: 'Annual Physical',
        },
      ],
      start: '2024-07-12T17:00:00Z',
      end: '2024-07-12T17:30:00Z',
      minutesDuration: 30,
      participant: [
        {
          actor: { reference: ref('Patient', 'e3Ki4gud2c8mH6iUCA3'), display: 'Abigail Garcia' },
          required: 'required',
          status: 'accepted',
        },
        {
          actor: { reference: ref('Practitioner', 'ecNGYthn8IWhePwTAA3'), display: 'Kwame Lopez, MD' },
          required: 'required',
          status: 'accepted',
        },
        {
          actor: { reference: ref('Location', 'eCiqtnSp63Mx.8v9AA3'), display: 'Family Medicine Clinic' },
          required: 'required',
          status: 'accepted',
        },
      ],
    });
  });
});
