import type { CarePlan, MedicationRequest, Observation, Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Connection } from '../../src/store/port.ts';
import {
  changesOf,
  firstOf,
  type MutationGateway,
  nativeIdOf,
  startMutationGateway,
  syncedJane,
} from './mutation-harness.ts';

const TENANT = 'mut-jane';
const CONN = 'jane-main';
type Loose = Record<string, unknown>;
type WithNative = { id: string; gatewayProvenance: { nativeId: string } };

const ACTIVITY_CATEGORY = 'urn:fhir-gateway:codesystem:jane:care-plan-activity-category';

/**
 * Jane's 18 seed actions through GraphQL over HTTP against the Jane simulator: each checks the
 * simulator's record, the gateway's store and the change log; partial updates leave the fields
 * they do not name untouched in Jane.
 */
describe("Jane's actions", () => {
  let jane: RunningJaneSimulator;
  let gateway: MutationGateway;
  let connection: Connection;
  let patient: Resource;

  const sim = (kind: 'observations' | 'care_plans' | 'medications', id: string) =>
    jane.clinic().store.get(kind, id)?.record as Loose;
  const mutate = async (query: string, variables: Record<string, unknown>) => {
    const result = await gateway.gql(TENANT, query, variables);
    expect(result.errors).toBeUndefined();
    return result.data as Record<string, unknown>;
  };
  const actions = async (type: string, id: string) =>
    (await changesOf(gateway.store, TENANT, type, id)).map((c) => c.action);

  beforeAll(async () => {
    jane = await startJaneSimulator({ seed: 43, patients: 2, rateLimits: false });
    gateway = await startMutationGateway();
    connection = await syncedJane(gateway, jane, TENANT, CONN);
    patient = await firstOf(gateway.store, TENANT, 'Patient');
  });
  afterAll(async () => {
    await gateway?.close();
    await jane?.close();
  });

  it('Create / Update (partial) / Find Observation', async () => {
    const created = (
      await mutate(
        `mutation($res: ObservationInput!) { ObservationCreate(connection: "${CONN}", idempotencyKey: "obs-c", res: $res) { id gatewayProvenance { nativeId } } }`,
        {
          res: {
            status: 'final',
            category: [
              {
                coding: [
                  {
                    system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                    code: 'vital-signs',
                  },
                ],
              },
            ],
            code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure' }] },
            subject: { reference: `Patient/${patient.id}` },
            issued: '2026-03-01T10:00:00Z',
            effectiveDateTime: '2026-03-01T10:00:00Z',
            component: [
              {
                code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic' }] },
                valueQuantity: {
                  value: 120,
                  unit: 'mm[Hg]',
                  system: 'http://unitsofmeasure.org',
                  code: 'mm[Hg]',
                },
              },
              {
                code: { coding: [{ system: 'http://loinc.org', code: '8462-4', display: 'Diastolic' }] },
                valueQuantity: {
                  value: 80,
                  unit: 'mm[Hg]',
                  system: 'http://unitsofmeasure.org',
                  code: 'mm[Hg]',
                },
              },
            ],
          },
        },
      )
    ).ObservationCreate as WithNative;
    const nativeId = created.gatewayProvenance.nativeId;
    const before = sim('observations', nativeId);
    expect(before).toMatchObject({
      patient_id: nativeIdOf(patient, connection),
      category: 'vital_signs',
      values: [
        expect.objectContaining({ code: '8480-6', value: '120' }),
        expect.objectContaining({ code: '8462-4', value: '80' }),
      ],
    });

    const patched = (
      await mutate(
        `mutation { ObservationPatch(id: "${created.id}", idempotencyKey: "obs-p", patch: { note: [{ text: "rechecked" }] }) { id note { text } component { valueQuantity { value } } } }`,
        {},
      )
    ).ObservationPatch as Observation;
    expect(patched.note).toEqual([{ text: 'rechecked' }]);
    const after = sim('observations', nativeId);
    expect(after.note).toBe('rechecked');
    // Untouched in Jane: the readings (with their Jane ids), the issue time, the patient.
    expect(after.values).toEqual(before.values);
    expect(after.issued_at).toBe(before.issued_at);
    expect(after.patient_id).toBe(before.patient_id);
    expect(await actions('Observation', created.id)).toEqual(['created', 'updated']);

    const found = await gateway.gql(TENANT, `{ Observation(id: "${created.id}") { note { text } status } }`);
    expect(found.data?.Observation).toEqual({ note: [{ text: 'rechecked' }], status: 'final' });
    await gateway.poll(connection);
    expect(await actions('Observation', created.id)).toEqual(['created', 'updated']);

    // ObservationUpdate (replace): the readings change; what the input leaves out stays in Jane.
    const { data } = await gateway.gql(
      TENANT,
      `mutation($res: ObservationInput!) { ObservationUpdate(id: "${created.id}", idempotencyKey: "obs-u", res: $res) { valueQuantity { value } } }`,
      {
        res: {
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
          subject: { reference: `Patient/${patient.id}` },
          valueQuantity: { value: 64, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
        },
      },
    );
    expect(data?.ObservationUpdate).toEqual({ valueQuantity: { value: 64 } });
    expect(sim('observations', nativeId)).toMatchObject({
      note: 'rechecked',
      issued_at: before.issued_at,
      category: 'vital_signs',
      values: [expect.objectContaining({ code: '8867-4', value: '64', unit: '/min' })],
    });
    expect(await actions('Observation', created.id)).toEqual(['created', 'updated', 'updated']);
  });

  it('Create / Update (partial) / Find Care Plan, and its activities under it', async () => {
    const created = (
      await mutate(
        `mutation($res: CarePlanInput!) { CarePlanCreate(connection: "${CONN}", idempotencyKey: "cp-c", res: $res) { id gatewayProvenance { nativeId } activity { id } } }`,
        {
          res: {
            status: 'active',
            intent: 'plan',
            category: [
              {
                coding: [
                  { system: 'urn:fhir-gateway:codesystem:jane:care-plan-category', code: 'treatment_plan' },
                ],
              },
            ],
            title: 'Shoulder rehab',
            description: 'Six weeks',
            subject: { reference: `Patient/${patient.id}` },
            activity: [
              {
                detail: {
                  code: { coding: [{ system: ACTIVITY_CATEGORY, code: 'exercise' }] },
                  status: 'not-started',
                  description: 'Band rows',
                },
              },
            ],
          },
        },
      )
    ).CarePlanCreate as WithNative & { activity: Array<{ id: string }> };
    const nativeId = created.gatewayProvenance.nativeId;
    expect(sim('care_plans', nativeId)).toMatchObject({
      title: 'Shoulder rehab',
      status: 'active',
      patient_id: nativeIdOf(patient, connection),
      activities: [expect.objectContaining({ category: 'exercise', description: 'Band rows' })],
    });

    await mutate(
      `mutation { CarePlanPatch(id: "${created.id}", idempotencyKey: "cp-p", patch: { title: "Shoulder rehab (revised)" }) { id } }`,
      {},
    );
    const patched = sim('care_plans', nativeId);
    expect(patched).toMatchObject({
      title: 'Shoulder rehab (revised)',
      description: 'Six weeks',
      status: 'active',
    });
    expect(patched.activities).toHaveLength(1);

    // Create Care Plan Activity: under the care plan; the answer is the care plan as Jane now holds it.
    const withTwo = (
      await mutate(
        `mutation($res: CarePlanActivityInput!) { janeCarePlanActivityCreate(connection: "${CONN}", id: "${created.id}", idempotencyKey: "act-c", res: $res) { id activity { id detail { description } } } }`,
        {
          res: {
            detail: {
              code: { coding: [{ system: ACTIVITY_CATEGORY, code: 'nutrition' }] },
              status: 'not-started',
              description: 'More protein',
            },
          },
        },
      )
    ).janeCarePlanActivityCreate as CarePlan;
    expect(withTwo.id).toBe(created.id);
    expect(withTwo.activity?.map((a) => a.detail?.description)).toEqual(['Band rows', 'More protein']);
    const second = withTwo.activity?.[1]?.id as string;
    const simActivities = () => sim('care_plans', nativeId).activities as Loose[];
    expect(simActivities()[1]).toMatchObject({
      id: second,
      category: 'nutrition',
      description: 'More protein',
    });

    // Update Care Plan Activity: only the description changes, in that activity only.
    await mutate(
      `mutation { janeCarePlanActivityUpdate(connection: "${CONN}", id: "${created.id}", elementId: "${second}", idempotencyKey: "act-u", res: { detail: { description: "More protein, less sugar" } }) { id } }`,
      {},
    );
    const [first, updated] = simActivities();
    expect(updated).toMatchObject({
      id: second,
      category: 'nutrition',
      description: 'More protein, less sugar',
    });
    expect(first).toMatchObject({ category: 'exercise', description: 'Band rows' });

    // Find Care Plan Activity / Find Care Plan: the CarePlan query.
    const found = await gateway.gql(
      TENANT,
      `{ CarePlan(id: "${created.id}") { title activity(id: "${second}") { detail { description } } } }`,
    );
    expect(found.data?.CarePlan).toEqual({
      title: 'Shoulder rehab (revised)',
      activity: [{ detail: { description: 'More protein, less sugar' } }],
    });
    expect(await actions('CarePlan', created.id)).toEqual(['created', 'updated', 'updated', 'updated']);
    await gateway.poll(connection);
    expect(await actions('CarePlan', created.id)).toHaveLength(4);
  });

  it('Update Care Plan refuses an activity change (JDP changes activities only through their own endpoints)', async () => {
    const plan = (await gateway.store.resources.list(TENANT, 'CarePlan', { limit: 1 })).items[0];
    const result = await gateway.gql(
      TENANT,
      `mutation { CarePlanPatch(id: "${plan?.id}", idempotencyKey: "cp-bad", patch: { activity: [] }) { id } }`,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_BY_SOURCE');
    expect(result.errors?.[0]?.message).toContain('activities');
    expect(result.errors?.[0]?.message).toContain('janeCarePlanActivityCreate');
  });

  it('Create / Update (partial) / Find Medication', async () => {
    const created = (
      await mutate(
        `mutation($res: MedicationRequestInput!) { MedicationRequestCreate(connection: "${CONN}", idempotencyKey: "med-c", res: $res) { id status gatewayProvenance { nativeId } } }`,
        {
          res: {
            status: 'active',
            intent: 'order',
            reportedBoolean: false,
            medicationCodeableConcept: { text: 'Ibuprofen 200 mg tablet' },
            subject: { reference: `Patient/${patient.id}` },
            dosageInstruction: [
              { text: 'One tablet with food', route: { text: 'oral' }, timing: { code: { text: 'BID' } } },
            ],
          },
        },
      )
    ).MedicationRequestCreate as WithNative;
    const nativeId = created.gatewayProvenance.nativeId;
    expect(sim('medications', nativeId)).toMatchObject({
      medication_code: { text: 'Ibuprofen 200 mg tablet' },
      status: 'active',
      source: 'prescribed',
      route: 'oral',
      frequency: 'BID',
      instructions: 'One tablet with food',
    });

    const patched = (
      await mutate(
        `mutation { MedicationRequestPatch(id: "${created.id}", idempotencyKey: "med-p", patch: { status: "stopped", statusReason: { text: "Stomach upset" } }) { status statusReason { text } } }`,
        {},
      )
    ).MedicationRequestPatch as MedicationRequest;
    expect(patched).toEqual({ status: 'stopped', statusReason: { text: 'Stomach upset' } });
    expect(sim('medications', nativeId)).toMatchObject({
      status: 'inactive',
      change_reason: 'Stomach upset',
      instructions: 'One tablet with food',
      route: 'oral',
    });
    // Jane's own history shows that only those two fields were sent.
    const history = jane.clinic().store.medicationHistory.get(nativeId) ?? [];
    expect(
      history
        .at(-1)
        ?.changes.map((c) => c.attribute)
        .sort(),
    ).toEqual(['change_reason', 'status']);
    expect(await actions('MedicationRequest', created.id)).toEqual(['created', 'updated']);
    const found = await gateway.gql(TENANT, `{ MedicationRequest(id: "${created.id}") { status } }`);
    expect(found.data?.MedicationRequest).toEqual({ status: 'stopped' });
  });

  it('Find Patient / Appointment / Staff Member / Location / Discipline / Treatment: the queries by id', async () => {
    const kinds = [
      ['Patient', 'patients'],
      ['Appointment', 'appointments'],
      ['Practitioner', 'staff_members'],
      ['Location', 'locations'],
      ['HealthcareService', 'disciplines'],
      ['ActivityDefinition', 'treatments'],
    ] as const;
    for (const [type, kind] of kinds) {
      const stored = await firstOf(gateway.store, TENANT, type);
      const result = await gateway.gql(
        TENANT,
        `{ ${type}(id: "${stored.id}") { id gatewayProvenance { nativeId } } }`,
      );
      const found = result.data?.[type] as WithNative;
      expect(found.id).toBe(stored.id);
      expect(jane.clinic().store.get(kind, found.gatewayProvenance.nativeId)).toBeDefined();
    }
  });
});
