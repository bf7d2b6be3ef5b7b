import type { Appointment, Observation, Patient, Practitioner } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGraphiQLExamples } from '../../src/demo/demo-api-key.ts';
import { type GraphQLHarness, openGraphQLHarness } from '../support/graphql-harness.ts';

/** The queries demo GraphiQL opens with must run on the real schema and return data, not errors. */
describe('demo GraphiQL example queries', () => {
  let h: GraphQLHarness;
  beforeAll(async () => {
    h = await openGraphQLHarness();
    const patient: Patient = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Example' }] };
    const practitioner: Practitioner = {
      resourceType: 'Practitioner',
      id: 'dr1',
      name: [{ family: 'Carer' }],
    };
    const observation: Observation = {
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      code: { text: 'Body weight' },
      subject: { reference: 'Patient/p1' },
      effectiveDateTime: '2024-01-02',
      valueQuantity: { value: 70, unit: 'kg' },
    };
    const appointment: Appointment = {
      resourceType: 'Appointment',
      id: 'a1',
      status: 'booked',
      start: '2024-01-03T10:00:00Z',
      end: '2024-01-03T10:30:00Z',
      participant: [
        { actor: { reference: 'Patient/p1' }, status: 'accepted' },
        { actor: { reference: 'Practitioner/dr1' }, status: 'accepted' },
      ],
    };
    await h.load('demo', [patient, practitioner, observation, appointment]);
  }, 120_000);
  afterAll(() => h?.close());

  it('are named, and each answers data without errors', async () => {
    const examples = loadGraphiQLExamples();
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) {
      expect(example.query).toMatch(/^query \w+ \{/m);
      const result = await h.run('demo', example.query);
      expect({ example: example.name, errors: result.errors }).toEqual({
        example: example.name,
        errors: undefined,
      });
      expect(JSON.stringify(result.data)).toMatch(/Example|Carer/);
    }
  });
});
