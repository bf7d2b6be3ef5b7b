import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { markNeedsReauth } from '../../src/connectors/common/connection-state.ts';
import { type RunningJaneSimulator, startJaneSimulator } from '../../src/simulators/jane/index.ts';
import type { Connection } from '../../src/store/port.ts';
import { firstOf, type MutationGateway, startMutationGateway, syncedJane } from './mutation-harness.ts';

const TENANT = 'mut-guard';
const OTHER_TENANT = 'mut-other';
type Loose = Record<string, unknown>;

const CREATE = `mutation($conn: ID!, $res: ObservationInput!, $key: String!) {
  ObservationCreate(connection: $conn, idempotencyKey: $key, res: $res) { id }
}`;

/** Bad input gets a clear error before any call to the source, and nothing is stored. */
describe('mutation guards', () => {
  let jane: RunningJaneSimulator;
  let gateway: MutationGateway;
  let connection: Connection;
  let patient: Resource;
  let otherConnectionPatient: Resource;
  let otherTenantPatient: Resource;
  let key = 0;

  const writesToJane = () =>
    jane.counters.total((route) => !route.startsWith('GET') && route.includes('medical-record'));
  const observation = (subject: string, extra: Loose = {}) => ({
    status: 'final',
    category: [
      { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'exam' }] },
    ],
    code: { coding: [{ system: 'http://loinc.org', code: '8310-5' }] },
    subject: { reference: subject },
    valueQuantity: { value: 37, unit: 'Cel' },
    ...extra,
  });
  /** Runs a create and checks: the error code, no write reached Jane, no Observation stored. */
  const refused = async (
    code: string,
    variables: Loose,
    tenant = TENANT,
    scopes?: Array<'read' | 'write'>,
  ) => {
    const writes = writesToJane();
    const stored = (await gateway.store.resources.list(TENANT, 'Observation', { limit: 1000 })).items.length;
    const result = await gateway.gql(
      tenant,
      CREATE,
      { conn: 'jane-g', key: `k${key++}`, ...variables },
      scopes,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe(code);
    expect(result.data?.ObservationCreate ?? null).toBeNull();
    expect(writesToJane()).toBe(writes);
    expect((await gateway.store.resources.list(TENANT, 'Observation', { limit: 1000 })).items).toHaveLength(
      stored,
    );
    return result.errors?.[0] as { message: string; extensions: { resource?: { issue: Loose[] } } };
  };

  beforeAll(async () => {
    jane = await startJaneSimulator({ seed: 44, patients: 2, rateLimits: false });
    gateway = await startMutationGateway();
    connection = await syncedJane(gateway, jane, TENANT, 'jane-g');
    patient = await firstOf(gateway.store, TENANT, 'Patient');
    // A second connection of the same tenant to the same clinic, and another tenant's.
    await syncedJane(gateway, jane, TENANT, 'jane-g2');
    otherConnectionPatient = (
      await gateway.store.resources.list(TENANT, 'Patient', { limit: 100 })
    ).items.find((p) => p.connection === 'jane-g2')?.resource as Resource;
    await syncedJane(gateway, jane, OTHER_TENANT, 'jane-g');
    otherTenantPatient = await firstOf(gateway.store, OTHER_TENANT, 'Patient');
  });
  afterAll(async () => {
    await gateway?.close();
    await jane?.close();
  });

  it('invalid FHIR: a missing required element, a bad code', async () => {
    const { status: _s, ...noStatus } = observation(`Patient/${patient.id}`);
    const missing = await refused('VALIDATION', { res: noStatus });
    expect(JSON.stringify(missing.extensions.resource)).toContain('Observation.status');
    const badCode = await refused('VALIDATION', {
      res: observation(`Patient/${patient.id}`, {
        status: 'finished-ish',
        note: [{ text: 'Jane Doe, 555-0100' }],
      }),
    });
    // The outcome names the element, never the value given (input may be PHI).
    expect(JSON.stringify(badCode)).toContain('Observation.status');
    expect(JSON.stringify(badCode)).not.toContain('finished-ish');
    // A category Jane has no code for cannot be reverse-mapped.
    await refused('VALIDATION', {
      res: observation(`Patient/${patient.id}`, {
        category: [
          {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/observation-category',
                code: 'social-history',
              },
            ],
          },
        ],
      }),
    });
  });

  it('wrong types and unknown fields are refused by the typed input, naming the field, never the input', async () => {
    const writes = writesToJane();
    // Patient data beside the mistake: graphql-js would quote the whole input in its message.
    const phi = { note: [{ text: 'Zebulon Quist, 555-0100' }] };
    const cases: Array<[Loose, RegExp]> = [
      [
        observation(`Patient/${patient.id}`, { ...phi, valueQuantity: { value: 'warm' } }),
        /^Variable "\$res" got an invalid value at "res\.valueQuantity\.value"; /,
      ],
      [
        observation(`Patient/${patient.id}`, { ...phi, temperature: 37 }),
        /^Variable "\$res" got an invalid value; Field "temperature" is not defined by type "ObservationInput"\./,
      ],
      [
        observation(`Patient/${patient.id}`, { ...phi, issued: 'yesterday Zebulon' }),
        /^Variable "\$res" got an invalid value at "res\.issued"; Invalid instant value$/,
      ],
    ];
    for (const [res, message] of cases) {
      const result = await gateway.gql(TENANT, CREATE, { conn: 'jane-g', key: `t${key++}`, res });
      const error = result.errors?.[0];
      expect(error?.message).toMatch(message);
      expect(JSON.stringify(result)).not.toContain('Zebulon');
      expect(JSON.stringify(result)).not.toContain('555-0100');
    }
    // The same through an inline literal (validation, not variable coercion).
    const literal = await gateway.gql(
      TENANT,
      `mutation { ObservationCreate(connection: "jane-g", idempotencyKey: "lit-${key++}",
        res: { status: "final", code: { text: "Zebulon Quist" }, temperature: 37 }) { id } }`,
    );
    expect(literal.errors?.map((e) => e.message)).toContain(
      'Field "temperature" is not defined by type "ObservationInput".',
    );
    expect(JSON.stringify(literal)).not.toContain('Zebulon');
    expect(writesToJane()).toBe(writes);
  });

  it('FHIR JSON with its resourceType is taken as it is; another resourceType is refused', async () => {
    const withType = await gateway.gql(TENANT, CREATE, {
      conn: 'jane-g',
      key: `rt${key++}`,
      res: { resourceType: 'Observation', ...observation(`Patient/${patient.id}`) },
    });
    expect(withType.errors).toBeUndefined();
    expect(withType.data?.ObservationCreate).toMatchObject({ id: expect.any(String) });
    const outcome = await refused('VALIDATION', {
      res: { resourceType: 'Patient', ...observation(`Patient/${patient.id}`) },
    });
    expect(outcome.message).toContain('resourceType must be Observation');
  });

  it("references to another connection's or another tenant's resources, or to nothing", async () => {
    await refused('FOREIGN_REFERENCE', { res: observation(`Patient/${otherConnectionPatient.id}`) });
    await refused('FOREIGN_REFERENCE', { res: observation(`Patient/${otherTenantPatient.id}`) });
    await refused('FOREIGN_REFERENCE', { res: observation('Patient/does-not-exist') });
    await refused('FOREIGN_REFERENCE', { res: observation('http://elsewhere.example/Patient/1') });
    // Also a reference deeper in the resource (performer).
    await refused('FOREIGN_REFERENCE', {
      res: observation(`Patient/${patient.id}`, {
        performer: [{ reference: `Patient/${otherTenantPatient.id}` }],
      }),
    });
  });

  it("unknown connections, another tenant's connection, a connection of another source type", async () => {
    await refused('UNKNOWN_CONNECTION', { conn: 'nope', res: observation(`Patient/${patient.id}`) });
    // OTHER_TENANT has a connection `jane-g` too: the caller's tenant decides which one.
    const writes = writesToJane();
    const result = await gateway.gql(OTHER_TENANT, CREATE, {
      conn: 'jane-g',
      key: 'x1',
      res: observation(`Patient/${patient.id}`),
    });
    expect(result.errors?.[0]?.extensions?.code).toBe('FOREIGN_REFERENCE');
    expect(writesToJane()).toBe(writes);
  });

  it('an idempotency key outside its grammar is a validation error', async () => {
    const error = await refused('VALIDATION', {
      key: 'é'.repeat(3),
      res: observation(`Patient/${patient.id}`),
    });
    expect(error.message).toContain('idempotencyKey');
    await refused('VALIDATION', { key: 'k'.repeat(201), res: observation(`Patient/${patient.id}`) });
  });

  it('a Jane connection cannot create a Patient (JDP has no patient writes)', async () => {
    const result = await gateway.gql(
      TENANT,
      `mutation { PatientCreate(connection: "jane-g", idempotencyKey: "p1", res: { gender: "female" }) { id } }`,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_BY_SOURCE');
  });

  it('the write scope is needed', async () => {
    const writes = writesToJane();
    const result = await gateway.gql(
      TENANT,
      CREATE,
      { conn: 'jane-g', key: 'r1', res: observation(`Patient/${patient.id}`) },
      ['read'],
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(writesToJane()).toBe(writes);
  });

  it('a source rejection comes back with its status and code, and nothing is stored', async () => {
    const created = await gateway.gql(
      TENANT,
      `mutation($res: MedicationRequestInput!) { MedicationRequestCreate(connection: "jane-g", idempotencyKey: "m1", res: $res) { id meta { versionId } } }`,
      {
        res: {
          status: 'active',
          intent: 'order',
          medicationCodeableConcept: { text: 'Amoxicillin' },
          subject: { reference: `Patient/${patient.id}` },
          dosageInstruction: [{ timing: { repeat: { boundsPeriod: { start: '2026-03-10' } } } }],
        },
      },
    );
    expect(created.errors).toBeUndefined();
    const med = created.data?.MedicationRequestCreate as { id: string; meta: { versionId: string } };
    const result = await gateway.gql(
      TENANT,
      `mutation { MedicationRequestPatch(id: "${med.id}", idempotencyKey: "m2", patch: { dispenseRequest: { quantity: { value: 0.5 } } }) { id } }`,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('VALIDATION');
    // FHIR allows half a tablet; Jane's quantity is a whole number of at least 1.
    expect(result.errors?.[0]?.message).toContain('HTTP 400');
    expect(result.errors?.[0]?.message).toContain('VALIDATION_ERROR');
    const stored = await gateway.store.resources.read(TENANT, 'MedicationRequest', med.id);
    expect(String(stored?.versionId)).toBe(med.meta.versionId);
  });

  it('a connection that needs re-authorisation: NEEDS_REAUTH before any call', async () => {
    await markNeedsReauth(gateway.store, TENANT, 'jane-g', 'test', new Date());
    try {
      await refused('NEEDS_REAUTH', { res: observation(`Patient/${patient.id}`) });
    } finally {
      const secrets = await gateway.store.connections.secrets(TENANT, 'jane-g');
      await gateway.store.connections.put(
        { tenant: TENANT, id: 'jane-g', source: 'jane', config: { ...connection.config } },
        secrets,
      );
    }
  });

  it("a named operation on another source's connection: UNSUPPORTED_BY_SOURCE, no call", async () => {
    await gateway.store.connections.put(
      { tenant: TENANT, id: 'drc-g', source: 'drchrono', config: { baseUrl: 'http://127.0.0.1:9' } },
      {},
    );
    const plan = (await gateway.store.resources.list(TENANT, 'CarePlan', { limit: 1 })).items[0];
    const result = await gateway.gql(
      TENANT,
      `mutation { janeCarePlanActivityCreate(connection: "drc-g", id: "${plan?.id}", idempotencyKey: "op-1", res: { detail: { status: "not-started" } }) { id } }`,
    );
    expect(result.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_BY_SOURCE');
    expect(result.errors?.[0]?.message).toContain('needs a jane connection');
  });
});
