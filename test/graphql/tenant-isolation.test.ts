import type { Observation, Patient, Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GraphQLHarness,
  mongoStore,
  type OpenTestStore,
  openGraphQLHarness,
  sqliteStore,
} from '../support/graphql-harness.ts';
import { type GatewayHttp, startGatewayHttp } from '../support/graphql-http.ts';
import { mongoForTests, type TestMongo } from '../support/mongo-for-tests.ts';

/**
 * Two tenants holding resources under the same ids (and ids only the other has): with tenant A's
 * key no query reaches B's data, by id, search, connection, reverse reference, reference
 * resolution or the instance level. Over HTTP with real API keys.
 */
const patient = (id: string, family: string): Patient => ({
  resourceType: 'Patient',
  id,
  name: [{ family }],
  active: true,
});
const observation = (id: string, subject: string, value: number): Observation => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { text: 'hr' },
  subject: { reference: subject },
  valueQuantity: { value },
});

const TENANT_A: Resource[] = [
  patient('shared', 'FamilyA'),
  observation('obs-a', 'Patient/shared', 1),
  // Points at an id only tenant B has.
  observation('obs-dangling', 'Patient/only-b', 2),
];
const TENANT_B: Resource[] = [
  patient('shared', 'FamilyB'),
  patient('only-b', 'OnlyB'),
  observation('obs-b', 'Patient/shared', 99),
  observation('obs-a', 'Patient/only-b', 98),
];

let mongo: TestMongo | undefined;
afterAll(async () => {
  await mongo?.stop();
});

const STORES: ReadonlyArray<[string, OpenTestStore]> = [
  ['sqlite', sqliteStore],
  [
    'mongo',
    mongoStore(async () => {
      mongo ??= await mongoForTests();
      return mongo.url;
    }),
  ],
];

describe.each(STORES)('tenant isolation matrix (GraphQL over HTTP, %s store)', (_kind, openStore) => {
  let harness: GraphQLHarness;
  let server: GatewayHttp;
  let keyA: string;
  let keyB: string;

  beforeAll(async () => {
    harness = await openGraphQLHarness({ openStore });
    await harness.load('tenant-a', TENANT_A);
    await harness.load('tenant-b', TENANT_B);
    server = await startGatewayHttp(harness);
    keyA = await server.keyFor('tenant-a');
    keyB = await server.keyFor('tenant-b');
  });

  afterAll(async () => {
    await server?.close();
    await harness?.close();
  });

  const query = async (key: string, text: string, path = '') =>
    (await server.post(key, { query: text }, path)).body;
  const text = (value: unknown) => JSON.stringify(value);

  it('by id: the same id answers each tenant its own resource; the other tenant’s id is not found', async () => {
    const a = await query(keyA, '{ Patient(id: "shared") { name { family } } }');
    expect(a.data?.Patient).toEqual({ name: [{ family: 'FamilyA' }] });
    const b = await query(keyB, '{ Patient(id: "shared") { name { family } } }');
    expect(b.data?.Patient).toEqual({ name: [{ family: 'FamilyB' }] });
    const missing = await query(keyA, '{ Patient(id: "only-b") { id name { family } } }');
    expect(missing.data?.Patient).toBeNull();
    expect(missing.errors?.[0]?.extensions?.resource?.resourceType).toBe('OperationOutcome');
    expect(text(missing)).not.toContain('OnlyB');
  });

  it('by search and connection: only the caller’s resources match', async () => {
    const list = await query(
      keyA,
      '{ PatientList { id name { family } } ObservationList { id valueQuantity { value } } }',
    );
    expect(list.data?.PatientList).toEqual([{ id: 'shared', name: [{ family: 'FamilyA' }] }]);
    expect(list.data?.ObservationList).toHaveLength(2);
    const byName = await query(keyA, '{ PatientList(family: "OnlyB") { id } }');
    expect(byName.data?.PatientList).toEqual([]);
    const connection = await query(keyA, '{ PatientConnection { count edges { resource { id } } } }');
    expect(connection.data?.PatientConnection).toEqual({ count: 1, edges: [{ resource: { id: 'shared' } }] });
    expect(text(list) + text(connection)).not.toMatch(/FamilyB|OnlyB|99|98/);
  });

  it('by reverse reference: a patient’s observations are its tenant’s only', async () => {
    const a = await query(
      keyA,
      '{ Patient(id: "shared") { ObservationList(_reference: subject) { id valueQuantity { value } } } }',
    );
    expect(a.data?.Patient).toEqual({ ObservationList: [{ id: 'obs-a', valueQuantity: { value: 1 } }] });
    const b = await query(
      keyB,
      '{ Patient(id: "shared") { ObservationList(_reference: subject) { id valueQuantity { value } } } }',
    );
    expect(b.data?.Patient).toEqual({ ObservationList: [{ id: 'obs-b', valueQuantity: { value: 99 } }] });
  });

  it('by reference resolution: a reference to an id only the other tenant has does not resolve', async () => {
    const strict = await query(keyA, '{ Observation(id: "obs-dangling") { subject { resource { id } } } }');
    expect(strict.errors?.[0]?.message).toBe('Reference cannot be resolved');
    expect(text(strict)).not.toContain('OnlyB');
    const optional = await query(
      keyA,
      '{ Observation(id: "obs-dangling") { subject { reference resource(optional: true) { id ... on Patient { name { family } } } } } }',
    );
    expect(optional.data?.Observation).toEqual({ subject: { reference: 'Patient/only-b', resource: null } });
  });

  it('introspection answers every tenant the same schema (served from the per-schema cache)', async () => {
    const query = '{ __schema { queryType { name } } __type(name: "Patient") { name } }';
    const a = await server.post(keyA, { query });
    const b = await server.post(keyB, { query });
    expect(a.body).toEqual({
      data: { __schema: { queryType: { name: 'Query' } }, __type: { name: 'Patient' } },
    });
    expect(b.body).toEqual(a.body);
  });

  it('at the instance level: another tenant’s id is not found, the same id is the caller’s', async () => {
    const missing = await query(keyA, '{ id name { family } }', '/Patient/only-b/$graphql');
    expect(missing.data ?? null).toBeNull();
    expect(text(missing)).not.toContain('OnlyB');
    const own = await query(
      keyB,
      '{ name { family } ObservationList(_reference: subject) { id } }',
      '/Patient/shared/$graphql',
    );
    expect(own.data).toEqual({ name: [{ family: 'FamilyB' }], ObservationList: [{ id: 'obs-b' }] });
  });
});
