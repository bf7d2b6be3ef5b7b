import type { Appointment, Observation, Patient, Practitioner, Resource } from 'fhir/r4';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GRAPHQL_LIMITS } from '../../src/server/graphql-limits.ts';
import { measureOperation } from '../../src/server/query-budget.ts';
import { countingStore } from '../support/counting-store.ts';
import { type GraphQLHarness, openGraphQLHarness } from '../support/graphql-harness.ts';

const TENANT = 'calls';
const PATIENTS = 100;

/** 100 patients, each with 2 appointments and 3 observations, referencing 5 practitioners. */
function dataset(): Resource[] {
  const resources: Resource[] = [];
  for (let p = 0; p < 5; p++) {
    resources.push({
      resourceType: 'Practitioner',
      id: `pr-${p}`,
      name: [{ family: `Doc${p}` }],
    } as Practitioner);
  }
  for (let i = 0; i < PATIENTS; i++) {
    const id = `pt-${String(i).padStart(3, '0')}`;
    resources.push({ resourceType: 'Patient', id, active: true } as Patient);
    for (let a = 0; a < 2; a++) {
      resources.push({
        resourceType: 'Appointment',
        id: `ap-${i}-${a}`,
        status: 'booked',
        participant: [
          { actor: { reference: `Patient/${id}` }, status: 'accepted' },
          { actor: { reference: `Practitioner/pr-${(i + a) % 5}` }, status: 'accepted' },
        ],
      } as Appointment);
    }
    for (let o = 0; o < 3; o++) {
      resources.push({
        resourceType: 'Observation',
        id: `ob-${i}-${o}`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject: { reference: `Patient/${id}` },
        performer: [{ reference: `Practitioner/pr-${(i + o) % 5}` }],
        effectiveDateTime: `2024-0${o + 1}-15T10:00:00Z`,
        valueQuantity: { value: 60 + o, unit: '/min' },
      } as Observation);
    }
  }
  return resources;
}

const PAGE_QUERY = `{
  PatientList(_count: 100) {
    id
    AppointmentList(_reference: patient) {
      id
      participant { actor { resource { ... on Practitioner { id name { family } } } } }
    }
    ObservationList(_reference: patient, _sort: "-date", _count: 2) {
      id effectiveDateTime valueQuantity { value }
      performer { resource { ... on Practitioner { id name { family } } } }
    }
  }
}`;

describe('DataLoader: store calls per request', () => {
  let harness: GraphQLHarness;

  beforeAll(async () => {
    harness = await openGraphQLHarness();
    await harness.load(TENANT, dataset());
  });

  afterAll(async () => {
    await harness?.close();
  });

  it('a page of 100 patients with appointments, latest observations and their practitioners costs at most 5 store calls', async () => {
    const counting = countingStore(harness.store);
    const result = await harness.run(TENANT, PAGE_QUERY, { store: counting.store });
    expect(result.errors).toBeUndefined();
    const patients = result.data?.PatientList as Array<{
      id: string;
      AppointmentList: Array<{ participant: Array<{ actor: { resource: { id?: string } | null } }> }>;
      ObservationList: Array<{
        id: string;
        effectiveDateTime: string;
        performer: Array<{ resource: { id: string } }>;
      }>;
    }>;
    expect(patients).toHaveLength(PATIENTS);
    // Every parent got its own children, correctly grouped, and references resolved.
    const first = patients[0];
    expect(first?.AppointmentList).toHaveLength(2);
    expect(first?.AppointmentList[0]?.participant[1]?.actor.resource?.id).toMatch(/^pr-\d$/);
    expect(first?.ObservationList.map((o) => o.id)).toEqual(['ob-0-2', 'ob-0-1']);
    expect(first?.ObservationList[0]?.performer[0]?.resource.id).toBe('pr-2');
    expect(patients.every((p) => p.AppointmentList.length === 2 && p.ObservationList.length === 2)).toBe(
      true,
    );
    expect(counting.calls.count).toBeLessThanOrEqual(5);
    expect(counting.calls.byMethod.search).toBe(3); // patients, appointments, observations
    expect(counting.calls.byMethod.read ?? 0).toBe(0);
  });

  it('the page query fits the default cost budget of the GraphQL server', () => {
    const measure = measureOperation(
      harness.schema,
      parse(PAGE_QUERY),
      undefined,
      {},
      DEFAULT_GRAPHQL_LIMITS,
    );
    expect(measure.errors).toEqual([]);
    expect(measure.cost).toBeLessThan(DEFAULT_GRAPHQL_LIMITS.maxCost);
  });

  it('loaders are per request: a second request reads the store again', async () => {
    const counting = countingStore(harness.store);
    await harness.run(TENANT, '{ Patient(id: "pt-000") { id } }', { store: counting.store });
    await harness.run(TENANT, '{ Patient(id: "pt-000") { id } }', { store: counting.store });
    expect(counting.calls.byMethod.readMany).toBe(2);
  });
});
