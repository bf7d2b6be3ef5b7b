import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
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

const TENANT = 'mut-idem';
const CONN = 'jane-i';
type Loose = Record<string, unknown>;

const CREATE = `mutation($res: ObservationInput!, $key: String!) {
  ObservationCreate(connection: "${CONN}", idempotencyKey: $key, res: $res) { id gatewayProvenance { nativeId } }
}`;
const UPSERT = `mutation($res: ObservationInput!, $key: String!, $search: String!) {
  ObservationUpsert(connection: "${CONN}", idempotencyKey: $key, match: { search: $search }, res: $res) {
    id valueQuantity { value }
  }
}`;

/** No duplicates from us: retries, lost answers and concurrent requests create one record in Jane. */
describe('idempotency keys and upsert against the Jane simulator', () => {
  let jane: RunningJaneSimulator;
  let gateway: MutationGateway;
  let connection: Connection;
  let patient: Resource;
  let patientNative: string;

  /** Jane observations of the patient with this LOINC code. */
  const inJane = (code: string) =>
    jane
      .clinic()
      .store.entries('observations')
      .filter(
        (e) =>
          e.record.patient_id === patientNative &&
          (e.record.values as Loose[] | undefined)?.some((v) => v.code === code),
      );
  const reading = (code: string, value: number) => ({
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'exam' }] },
    ],
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: `Patient/${patient.id}` },
    valueQuantity: { value, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' },
  });

  beforeAll(async () => {
    jane = await startJaneSimulator({ seed: 45, patients: 2, rateLimits: false });
    gateway = await startMutationGateway();
    connection = await syncedJane(gateway, jane, TENANT, CONN);
    patient = await firstOf(gateway.store, TENANT, 'Patient');
    patientNative = nativeIdOf(patient, connection);
  });
  beforeEach(() => {
    jane.faults.update({ lostResponse: 0, timeout: 0 });
  });
  afterAll(async () => {
    await gateway?.close();
    await jane?.close();
  });

  it('a retry with the same key answers the first result without a second create; another request under the key is a conflict', async () => {
    const first = await gateway.gql(TENANT, CREATE, { key: 'same-1', res: reading('1000-1', 1) });
    const again = await gateway.gql(TENANT, CREATE, { key: 'same-1', res: reading('1000-1', 1) });
    expect(again).toEqual(first);
    expect(inJane('1000-1')).toHaveLength(1);
    const id = (first.data?.ObservationCreate as { id: string }).id;
    expect((await changesOf(gateway.store, TENANT, 'Observation', id)).map((c) => c.action)).toEqual([
      'created',
    ]);

    const reused = await gateway.gql(TENANT, CREATE, { key: 'same-1', res: reading('1000-1', 2) });
    expect(reused.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(inJane('1000-1')).toHaveLength(1);
  });

  it('concurrent requests with one key call the source once and all answer the same record', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        gateway.gql(TENANT, CREATE, { key: 'race-1', res: reading('1000-2', 2) }),
      ),
    );
    for (const result of results) expect(result.errors).toBeUndefined();
    expect(new Set(results.map((r) => (r.data?.ObservationCreate as { id: string }).id)).size).toBe(1);
    expect(inJane('1000-2')).toHaveLength(1);
  });

  it('the first attempt timed out after Jane accepted it: the retry finds that record instead of creating another', async () => {
    jane.faults.update({ lostResponse: 1 });
    const lost = await gateway.gql(TENANT, CREATE, { key: 'lost-1', res: reading('1000-3', 3) });
    expect(lost.errors?.[0]?.extensions?.code).toBe('SOURCE_UNAVAILABLE');
    expect(inJane('1000-3')).toHaveLength(1);
    expect(
      (await gateway.store.resources.list(TENANT, 'Observation', { limit: 1000 })).items.length,
    ).toBeGreaterThan(0);
    jane.faults.update({ lostResponse: 0 });

    const writes = jane.counters.total(
      (route, status) => route.startsWith('POST') && route.includes('observations') && status !== 0,
    );
    const retry = await gateway.gql(TENANT, CREATE, { key: 'lost-1', res: reading('1000-3', 3) });
    expect(retry.errors).toBeUndefined();
    const answered = retry.data?.ObservationCreate as { id: string; gatewayProvenance: { nativeId: string } };
    expect(inJane('1000-3').map((e) => e.id)).toEqual([answered.gatewayProvenance.nativeId]);
    expect(
      jane.counters.total(
        (route, status) => route.startsWith('POST') && route.includes('observations') && status !== 0,
      ),
    ).toBe(writes);
    expect((await changesOf(gateway.store, TENANT, 'Observation', answered.id)).map((c) => c.action)).toEqual(
      ['created'],
    );
    // And later retries answer the stored result.
    expect(await gateway.gql(TENANT, CREATE, { key: 'lost-1', res: reading('1000-3', 3) })).toEqual(retry);
  });

  it('the first attempt timed out before Jane saw it: the retry creates the record, once', async () => {
    jane.faults.update({ timeout: 1, timeoutMs: 50 });
    const lost = await gateway.gql(TENANT, CREATE, { key: 'lost-2', res: reading('1000-4', 4) });
    expect(lost.errors?.[0]?.extensions?.code).toBe('SOURCE_UNAVAILABLE');
    expect(inJane('1000-4')).toHaveLength(0);
    jane.faults.update({ timeout: 0 });
    const retry = await gateway.gql(TENANT, CREATE, { key: 'lost-2', res: reading('1000-4', 4) });
    expect(retry.errors).toBeUndefined();
    expect(inJane('1000-4')).toHaveLength(1);
  });

  it('concurrent upserts of one identity create one record; a later upsert updates it', async () => {
    const search = `code=http://loinc.org|29463-7&subject=Patient/${patient.id}`;
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        gateway.gql(TENANT, UPSERT, { key: `up-${i}`, search, res: reading('29463-7', 70) }),
      ),
    );
    for (const result of results) expect(result.errors).toBeUndefined();
    const ids = new Set(results.map((r) => (r.data?.ObservationUpsert as { id: string }).id));
    expect(ids.size).toBe(1);
    expect(inJane('29463-7')).toHaveLength(1);

    const updated = await gateway.gql(TENANT, UPSERT, {
      key: 'up-later',
      search,
      res: reading('29463-7', 71.5),
    });
    expect(updated.data?.ObservationUpsert).toEqual({ id: [...ids][0], valueQuantity: { value: 71.5 } });
    const [entry] = inJane('29463-7');
    expect((entry?.record.values as Loose[])[0]).toMatchObject({ value: '71.5' });
    expect(
      (await changesOf(gateway.store, TENANT, 'Observation', [...ids][0] as string)).map((c) => c.action),
    ).toEqual(['created', 'updated']);
  });

  it('an upsert finds a record Jane holds that the gateway has not polled yet, and updates it instead of creating one', async () => {
    const created = jane.clinic().store.insert('observations', {
      record: {
        id: '0190a0a0-0000-7000-8000-000000000001',
        patient_id: patientNative,
        category: 'exam',
        issued_at: '2026-03-02T09:00:00.000Z',
        document_ids: [],
        values: [
          {
            id: '0190a0a0-0000-7000-8000-000000000002',
            code: '8302-2',
            system: 'http://loinc.org',
            value: '180',
            value_type: 'numeric',
            unit: 'cm',
          },
        ],
      },
      createdAt: Date.now(),
      updatedAt: Date.now(),
    });
    const search = `code=http://loinc.org|8302-2&subject=Patient/${patient.id}`;
    const result = await gateway.gql(TENANT, UPSERT, {
      key: 'up-unpolled',
      search,
      res: { ...reading('8302-2', 181), valueQuantity: { value: 181, unit: 'cm' } },
    });
    expect(result.errors).toBeUndefined();
    expect(inJane('8302-2').map((e) => e.id)).toEqual([created.id]);
    expect((inJane('8302-2')[0]?.record.values as Loose[])[0]).toMatchObject({ value: '181' });
  });

  it('an ambiguous match is a conflict, and a bad match a validation error', async () => {
    const both = `subject=Patient/${patient.id}`;
    const ambiguous = await gateway.gql(TENANT, UPSERT, {
      key: 'up-amb',
      search: both,
      res: reading('1000-9', 9),
    });
    expect(ambiguous.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const bad = await gateway.gql(TENANT, UPSERT, {
      key: 'up-bad',
      search: 'nonsense=1',
      res: reading('1000-9', 9),
    });
    expect(bad.errors?.[0]?.extensions?.code).toBe('VALIDATION');
    expect(inJane('1000-9')).toHaveLength(0);
  });
});
