import type { Observation } from 'fhir/r4';
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

const TENANT = 'mut-a';

describe('ObservationCreate against the Jane simulator over HTTP', () => {
  let jane: RunningJaneSimulator;
  let gateway: MutationGateway;
  let connection: Connection;

  beforeAll(async () => {
    jane = await startJaneSimulator({ seed: 41, patients: 2, rateLimits: false });
    gateway = await startMutationGateway();
    connection = await syncedJane(gateway, jane, TENANT, 'jane-1');
  });
  afterAll(async () => {
    await gateway?.close();
    await jane?.close();
  });

  it('creates the observation in Jane, stores the answer once with its change, and the next poll emits nothing', async () => {
    const patient = await firstOf(gateway.store, TENANT, 'Patient');
    const result = await gateway.gql(
      TENANT,
      `mutation($res: ObservationInput!) {
        ObservationCreate(connection: "jane-1", idempotencyKey: "create-1", res: $res) {
          id status valueQuantity { value unit } subject { reference } gatewayProvenance { nativeId connection }
        }
      }`,
      {
        res: {
          status: 'final',
          category: [
            {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
              ],
            },
          ],
          code: { coding: [{ system: 'http://loinc.org', code: '8310-5', display: 'Body temperature' }] },
          subject: { reference: `Patient/${patient.id}` },
          valueQuantity: { value: 37.2, unit: 'Cel', system: 'http://unitsofmeasure.org', code: 'Cel' },
          note: [{ text: 'intake' }],
        },
      },
    );
    expect(result.errors).toBeUndefined();
    const created = result.data?.ObservationCreate as Observation & {
      gatewayProvenance: { nativeId: string };
    };
    expect(created.valueQuantity).toEqual({ value: 37.2, unit: 'Cel' });
    expect(created.subject?.reference).toBe(`Patient/${patient.id}`);

    // The simulator holds it, pointed at the patient's Jane id.
    const native = jane.clinic().store.get('observations', created.gatewayProvenance.nativeId);
    expect(native?.record).toMatchObject({
      patient_id: nativeIdOf(patient, connection),
      category: 'vital_signs',
      note: 'intake',
      values: [
        expect.objectContaining({ code: '8310-5', value: '37.2', value_type: 'numeric', unit: 'Cel' }),
      ],
    });

    // Stored once, with one `created` change; a poll afterwards sees the same hash.
    const stored = await gateway.store.resources.read(TENANT, 'Observation', created.id as string);
    expect(stored?.connection).toBe('jane-1');
    expect(
      (await changesOf(gateway.store, TENANT, 'Observation', created.id as string)).map((c) => c.action),
    ).toEqual(['created']);
    await gateway.poll(connection);
    expect(await changesOf(gateway.store, TENANT, 'Observation', created.id as string)).toHaveLength(1);
  });
});
