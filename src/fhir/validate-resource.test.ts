import type { OperationOutcome, Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import { loadFhirDefinitions } from './definitions.ts';
import { errorIssues } from './operation-outcome.ts';
import { SUPPORTED_RESOURCE_TYPES } from './supported-types.ts';
import { VALID_RESOURCES } from './test-fixtures/valid-resources.ts';
import { validateResource } from './validate-resource.ts';

const defs = loadFhirDefinitions();

function errorsOf(outcome: OperationOutcome) {
  return errorIssues(outcome).map((issue) => ({ code: issue.code, path: issue.expression?.[0] }));
}

describe('validateResource with valid resources', () => {
  it.each(VALID_RESOURCES.map((resource) => [`${resource.resourceType}/${resource.id}`, resource] as const))(
    '%s has no errors',
    (_name, resource) => {
      expect(errorsOf(validateResource(defs, resource))).toEqual([]);
    },
  );

  it('covers every supported type', () => {
    const covered = new Set(VALID_RESOURCES.map((resource) => resource.resourceType));
    expect(SUPPORTED_RESOURCE_TYPES.filter((type) => !covered.has(type))).toEqual([]);
  });

  it('reports an informational issue when all is well', () => {
    const outcome = validateResource(defs, VALID_RESOURCES[0]);
    expect(outcome.issue).toEqual([expect.objectContaining({ severity: 'information' })]);
  });
});

const patient = { resourceType: 'Patient', name: [{ family: 'Doe' }] };
const observation = { resourceType: 'Observation', status: 'final', code: { text: 'x' } };

/** Valid R4 that @medplum/core's checks alone would reject (each found in the HL7 R4 examples). */
const VALID_EDGE_CASES: readonly [string, unknown][] = [
  [
    'a required code with an extension on the primitive (_gender)',
    {
      ...patient,
      gender: 'other',
      _gender: { extension: [{ url: 'http://example.org/g', valueCode: 'A' }] },
    },
  ],
  [
    'base64Binary wrapped over lines, as R4 allows whitespace between groups',
    { resourceType: 'Binary', contentType: 'text/plain', data: 'aGVs\nbG8g d29y\r\nbGQ=' },
  ],
  [
    'an absolute reference in REST form to an allowed type',
    { ...observation, subject: { reference: 'https://fhir.example.org/r4/Patient/p1/_history/2' } },
  ],
  [
    'an absolute reference that names no type',
    { ...observation, subject: { reference: 'http://example.org/registry/12345' } },
  ],
];

describe('validateResource with valid edge cases', () => {
  it.each(VALID_EDGE_CASES)('accepts %s', (_name, resource) => {
    expect(errorsOf(validateResource(defs, resource))).toEqual([]);
  });
});
const appointment = {
  resourceType: 'Appointment',
  status: 'booked',
  start: '2024-03-06T09:00:00Z',
  end: '2024-03-06T09:30:00Z',
  participant: [{ actor: { reference: 'Patient/p1' }, status: 'accepted' }],
};

/** [what is broken, resource, expected issue code, expected path] */
const BROKEN: readonly [string, unknown, string, string | undefined][] = [
  ['not an object', 'Patient', 'structure', undefined],
  ['no resourceType', { name: [] }, 'required', 'resourceType'],
  ['unsupported type', { resourceType: 'ResearchStudy', status: 'active' }, 'not-supported', 'resourceType'],
  ['unknown property', { ...patient, favouriteColour: 'blue' }, 'structure', 'Patient.favouriteColour'],
  ['gender outside the required value set', { ...patient, gender: 'M' }, 'code-invalid', 'Patient.gender'],
  ['malformed birthDate', { ...patient, birthDate: '12/07/1984' }, 'structure', 'Patient.birthDate'],
  ['impossible calendar date', { ...patient, birthDate: '1984-02-30' }, 'structure', 'Patient.birthDate'],
  ['boolean given as string', { ...patient, active: 'yes' }, 'structure', 'Patient.active'],
  ['array where single expected', { ...patient, gender: ['female'] }, 'structure', 'Patient.gender'],
  ['single where array expected', { ...patient, name: { family: 'Doe' } }, 'structure', 'Patient.name'],
  [
    'deceasedBoolean with deceasedDateTime',
    { ...patient, deceasedBoolean: true, deceasedDateTime: '2020-01-01' },
    'structure',
    'Patient.deceased',
  ],
  [
    'multipleBirth given twice',
    { ...patient, multipleBirthBoolean: true, multipleBirthInteger: 2 },
    'structure',
    'Patient.multipleBirth',
  ],
  [
    'empty contact (pat-1 invariant)',
    { ...patient, contact: [{ gender: 'male' }] },
    'invariant',
    'Patient.contact[0]',
  ],
  [
    'missing Observation.status',
    { resourceType: 'Observation', code: { text: 'x' } },
    'structure',
    'Observation.status',
  ],
  [
    'Observation.status outside value set',
    { ...observation, status: 'done' },
    'code-invalid',
    'Observation.status',
  ],
  [
    'Observation value[x] twice in a component',
    { ...observation, component: [{ code: { text: 'c' }, valueString: 'a', valueInteger: 1 }] },
    'structure',
    'Observation.component[0].value',
  ],
  [
    'Quantity with a non-numeric value',
    { ...observation, valueQuantity: { value: '68.5' } },
    'structure',
    'Observation.valueQuantity.value',
  ],
  [
    'Quantity comparator outside value set',
    { ...observation, valueQuantity: { value: 1, comparator: '~' } },
    'code-invalid',
    'Observation.valueQuantity.comparator',
  ],
  [
    'Appointment.status outside value set',
    { ...appointment, status: 'confirmed' },
    'code-invalid',
    'Appointment.status',
  ],
  [
    'booked appointment without start/end (app-3)',
    { ...appointment, start: undefined, end: undefined },
    'invariant',
    'Appointment',
  ],
  [
    'participant with neither type nor actor (app-1)',
    { ...appointment, participant: [{ status: 'accepted' }] },
    'invariant',
    'Appointment.participant[0]',
  ],
  [
    'participant status outside value set',
    { ...appointment, participant: [{ actor: { reference: 'Patient/p1' }, status: 'maybe' }] },
    'code-invalid',
    'Appointment.participant[0].status',
  ],
  [
    'reference to a type the element does not allow',
    { ...observation, subject: { reference: 'Appointment/a1' } },
    'structure',
    'Observation.subject',
  ],
  [
    'Period end before start (per-1)',
    { ...observation, effectivePeriod: { start: '2024-03-02', end: '2024-03-01' } },
    'invariant',
    'Observation.effectivePeriod',
  ],
  [
    'whitespace-only string',
    { ...patient, name: [{ family: '   ' }] },
    'structure',
    'Patient.name[0].family',
  ],
  ['malformed id', { ...patient, id: 'has spaces' }, 'structure', 'Patient.id'],
  [
    'malformed instant',
    { ...patient, meta: { lastUpdated: '2024-03-05' } },
    'structure',
    'Patient.meta.lastUpdated',
  ],
  [
    'extension value[x] given twice',
    { ...patient, extension: [{ url: 'http://example.org/x', valueString: 'a', valueCode: 'b' }] },
    'structure',
    'Patient.extension[0].value',
  ],
  [
    'contained resource of an unsupported type',
    { ...observation, contained: [{ resourceType: 'ResearchStudy', id: 'q', status: 'active' }] },
    'not-supported',
    'Observation.contained[0]',
  ],
  [
    'CodeableConcept without a coding under a required binding',
    {
      resourceType: 'Condition',
      subject: { reference: 'Patient/p1' },
      clinicalStatus: { text: 'active' },
    },
    'code-invalid',
    'Condition.clinicalStatus',
  ],
  [
    'Coding from the wrong system under a required binding',
    {
      resourceType: 'Condition',
      subject: { reference: 'Patient/p1' },
      clinicalStatus: { coding: [{ system: 'http://example.org/status', code: 'active' }] },
    },
    'code-invalid',
    'Condition.clinicalStatus',
  ],
  [
    'code outside the required value set, with an extension on the primitive',
    { ...patient, gender: 'M', _gender: { extension: [{ url: 'http://example.org/g', valueCode: 'M' }] } },
    'code-invalid',
    'Patient.gender',
  ],
  [
    'base64Binary with characters outside the alphabet, even with line breaks',
    { resourceType: 'Binary', contentType: 'text/plain', data: 'aGVs\nbG8*' },
    'structure',
    'Binary.data',
  ],
  [
    'base64Binary with line breaks, over the size limit',
    { resourceType: 'Binary', contentType: 'text/plain', data: 'QUJD\n'.repeat(350_000) },
    'structure',
    'Binary.data',
  ],
  [
    'absolute reference in REST form to a type the element does not allow',
    { ...observation, subject: { reference: 'https://fhir.example.org/r4/Appointment/a1' } },
    'structure',
    'Observation.subject',
  ],
  [
    'integer out of range',
    { ...appointment, minutesDuration: 0 },
    'structure',
    'Appointment.minutesDuration',
  ],
];

describe('validateResource with broken resources', () => {
  it.each(BROKEN)('catches %s', (_name, resource, code, path) => {
    const errors = errorsOf(validateResource(defs, resource));
    expect(errors).toContainEqual({ code, path });
  });

  it('never echoes resource values in messages', () => {
    const secret = 'Zebediah-Quux-1234';
    const outcome = validateResource(defs, {
      resourceType: 'Observation',
      status: secret,
      code: { text: 'x' },
      subject: { reference: `${secret}/1` },
      valueQuantity: { value: 1, comparator: secret },
      [`x${secret}`.slice(0, 1)]: 1,
    });
    expect(errorIssues(outcome).length).toBeGreaterThan(1);
    expect(JSON.stringify(outcome)).not.toContain(secret);
  });

  it('does not throw for hostile shapes', () => {
    for (const input of [null, 42, [], { resourceType: 42 }, { resourceType: 'Patient', name: null }]) {
      expect(validateResource(defs, input).resourceType).toBe('OperationOutcome');
    }
  });

  it('does not modify the resource', () => {
    const resource = structuredClone(VALID_RESOURCES[0]) as Resource;
    validateResource(defs, resource);
    expect(resource).toEqual(VALID_RESOURCES[0]);
  });
});
