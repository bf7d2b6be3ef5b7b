import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogRow, Connector } from '../../src/connectors/connector.ts';
import { type EpicSimulator, startEpicSimulator } from '../../src/simulators/epic/index.ts';
import type { Connection } from '../../src/store/port.ts';
import { connectEpic, serveJwks } from '../sync/real-sources.ts';
import {
  changesOf,
  firstOf,
  type MutationGateway,
  nativeIdOf,
  startMutationGateway,
} from './mutation-harness.ts';

type Loose = Record<string, unknown>;
const TENANT = 'epic-gql';

/**
 * Epic's 10 actions through GraphQL over HTTP against the Epic simulator: each write checks the
 * simulator's state, the gateway's store and the change log (one event; the next poll adds none).
 */
describe("Epic's actions through GraphQL", () => {
  let gateway: MutationGateway;
  let sim: EpicSimulator;
  let jwks: { url: string; close(): Promise<void> };
  let connection: Connection;
  let patient: Resource;

  const epic = () => gateway.connectors.find((c) => c.source === 'epic') as Connector;
  const row = (key: string) => epic().catalog.find((r) => r.key === key) as CatalogRow;
  /** The record as Epic now holds it. */
  const atEpic = async (type: string, nativeId: string) => {
    const session = await epic().open(connection);
    try {
      return (await session.read(row(type), nativeId)) as Loose | undefined;
    } finally {
      await session.close();
    }
  };
  const posts = (path: string) =>
    sim.counters.total((route, status) => route === `POST ${path}` && status < 500);
  const gql = async (query: string, variables: Loose = {}) => gateway.gql(TENANT, query, variables);
  const noEventOnNextPoll = async (type: string, id: string) => {
    const before = (await changesOf(gateway.store, TENANT, type, id)).length;
    await gateway.poll(connection);
    expect((await changesOf(gateway.store, TENANT, type, id)).length).toBe(before);
  };

  beforeAll(async () => {
    gateway = await startMutationGateway();
    sim = await startEpicSimulator({ seed: 61, patients: 2, bulkPollsBeforeComplete: 0 });
    jwks = await serveJwks(gateway.store);
    connection = await connectEpic(gateway.store, sim, jwks.url, { tenant: TENANT, id: 'epic-g' });
    await gateway.poll(connection);
    patient = await firstOf(gateway.store, TENANT, 'Patient');
  }, 60_000);
  afterAll(async () => {
    await Promise.all([sim?.close(), jwks?.close()]);
    await gateway?.close();
  });

  it('Create patient → PatientCreate: Epic files it (with its MRN); stored once; a retry with the key posts nothing', async () => {
    const mutation = `mutation($res: PatientInput!) { PatientCreate(connection: "epic-g", idempotencyKey: "pc-1", res: $res) { id name { family given } identifier { system value } } }`;
    const res = { name: [{ family: 'Quill', given: ['Ada'] }], gender: 'female', birthDate: '1990-04-02' };
    const before = sim.counters.snapshot();
    const first = await gql(mutation, { res });
    expect(first.errors).toBeUndefined();
    const created = (first.data as { PatientCreate: Loose & { id: string } }).PatientCreate;
    const stored = await gateway.store.resources.read(TENANT, 'Patient', created.id);
    expect(stored?.resource).toMatchObject({ name: [{ family: 'Quill', given: ['Ada'] }] });
    const nativeId = nativeIdOf(stored?.resource as Resource, connection);
    const held = await atEpic('Patient', nativeId);
    expect(held).toMatchObject({ name: [{ family: 'Quill', given: ['Ada'] }], gender: 'female' });
    // Epic's registration identifiers come back; the gateway's never went to Epic.
    expect(JSON.stringify(held?.identifier)).not.toContain('/sid/epic/');
    expect(
      (created.identifier as { system: string }[]).some((i) => i.system.includes('/sid/epic/epic-g/')),
    ).toBe(true);
    expect((await changesOf(gateway.store, TENANT, 'Patient', created.id)).map((c) => c.action)).toEqual([
      'created',
    ]);
    const postsAfterFirst = sim.counters.snapshot();
    const retry = await gql(mutation, { res });
    expect((retry.data as { PatientCreate: Loose }).PatientCreate.id).toBe(created.id);
    expect(sim.counters.snapshot()).toEqual(postsAfterFirst);
    expect(postsAfterFirst).not.toEqual(before);
    await noEventOnNextPoll('Patient', created.id);
  });

  it('Epic took a create whose answer was lost: the retry with the key finds that patient instead of filing a second', async () => {
    const byFamily = async (family: string) => {
      const token = await sim.backendClient.fetchAccessToken();
      const res = await fetch(`${sim.fhirBaseUrl}/Patient?family=${family}`, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
      });
      const bundle = (await res.json()) as { entry?: { resource: Loose }[] };
      return (bundle.entry ?? []).map((e) => e.resource).filter((r) => r.resourceType === 'Patient');
    };
    const mutation = `mutation($res: PatientInput!) { PatientCreate(connection: "epic-g", idempotencyKey: "lost-1", res: $res) { id } }`;
    const res = { name: [{ family: 'Lostanswer', given: ['Bo'] }], gender: 'male', birthDate: '1979-11-30' };
    sim.faults.update({ lostResponse: 1 });
    let lost: Awaited<ReturnType<typeof gql>>;
    try {
      lost = await gql(mutation, { res });
    } finally {
      sim.faults.update({ lostResponse: 0 });
    }
    expect(lost.errors?.[0]?.extensions?.code).toBe('SOURCE_UNAVAILABLE');
    expect(await byFamily('Lostanswer')).toHaveLength(1);
    const retry = await gql(mutation, { res });
    expect(retry.errors).toBeUndefined();
    const id = (retry.data as { PatientCreate: { id: string } }).PatientCreate.id;
    const filed = await byFamily('Lostanswer');
    expect(filed).toHaveLength(1);
    const stored = await gateway.store.resources.read(TENANT, 'Patient', id);
    expect(nativeIdOf(stored?.resource as Resource, connection)).toBe(filed[0]?.id);
    expect((await changesOf(gateway.store, TENANT, 'Patient', id)).map((c) => c.action)).toEqual(['created']);
  });

  it('Create observation → ObservationCreate: subject sent as the Epic patient id; ObservationPatch changes one element and leaves the rest', async () => {
    const res = {
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
          ],
        },
      ],
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
      subject: { reference: `Patient/${patient.id}` },
      effectiveDateTime: '2026-03-01T10:00:00Z',
      valueQuantity: { value: 64, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    };
    const result = await gql(
      `mutation($res: ObservationInput!) { ObservationCreate(connection: "epic-g", idempotencyKey: "oc-1", res: $res) { id subject { reference } } }`,
      { res },
    );
    expect(result.errors).toBeUndefined();
    const created = (result.data as { ObservationCreate: { id: string; subject: { reference: string } } })
      .ObservationCreate;
    expect(created.subject.reference).toBe(`Patient/${patient.id}`);
    const stored = await gateway.store.resources.read(TENANT, 'Observation', created.id);
    const nativeId = nativeIdOf(stored?.resource as Resource, connection);
    const held = await atEpic('Observation', nativeId);
    expect(held?.subject).toEqual({ reference: `Patient/${nativeIdOf(patient, connection)}` });
    expect((await changesOf(gateway.store, TENANT, 'Observation', created.id)).map((c) => c.action)).toEqual([
      'created',
    ]);

    const patched = await gql(
      `mutation { ObservationPatch(id: "${created.id}", idempotencyKey: "op-1", patch: { note: [{ text: "recheck in a week" }] }) { id note { text } valueQuantity { value } } }`,
    );
    expect(patched.errors).toBeUndefined();
    expect((patched.data as { ObservationPatch: Loose }).ObservationPatch).toMatchObject({
      note: [{ text: 'recheck in a week' }],
      valueQuantity: { value: 64 },
    });
    const after = await atEpic('Observation', nativeId);
    expect(after?.note).toEqual([{ text: 'recheck in a week' }]);
    expect(after?.valueQuantity).toEqual(held?.valueQuantity);
    expect(after?.code).toEqual(held?.code);
    expect((await changesOf(gateway.store, TENANT, 'Observation', created.id)).map((c) => c.action)).toEqual([
      'created',
      'updated',
    ]);
    await noEventOnNextPoll('Observation', created.id);
  });

  it('Create document reference → DocumentReferenceCreate', async () => {
    const res = {
      status: 'current',
      type: { coding: [{ system: 'http://loinc.org', code: '11506-3' }] },
      subject: { reference: `Patient/${patient.id}` },
      content: [
        { attachment: { contentType: 'text/plain', data: Buffer.from('visit note').toString('base64') } },
      ],
    };
    const result = await gql(
      `mutation($res: DocumentReferenceInput!) { DocumentReferenceCreate(connection: "epic-g", idempotencyKey: "dc-1", res: $res) { id status } }`,
      { res },
    );
    expect(result.errors).toBeUndefined();
    const id = (result.data as { DocumentReferenceCreate: { id: string } }).DocumentReferenceCreate.id;
    const stored = await gateway.store.resources.read(TENANT, 'DocumentReference', id);
    const held = await atEpic('DocumentReference', nativeIdOf(stored?.resource as Resource, connection));
    expect(held).toMatchObject({
      status: 'current',
      subject: { reference: `Patient/${nativeIdOf(patient, connection)}` },
    });
    expect((await changesOf(gateway.store, TENANT, 'DocumentReference', id)).map((c) => c.action)).toEqual([
      'created',
    ]);
    await noEventOnNextPoll('DocumentReference', id);
  });

  it('Create appointment → epicAppointmentFind then epicAppointmentBook: proposals in gateway references; the booking is filed, stored and announced once', async () => {
    const found = await gql(
      `mutation($res: JSON!) { epicAppointmentFind(connection: "epic-g", idempotencyKey: "af-1", res: $res) }`,
      {
        res: {
          resourceType: 'Parameters',
          parameter: [
            { name: 'patient', valueReference: { reference: `Patient/${patient.id}` } },
            { name: 'startTime', valueDateTime: '2030-03-04T14:00:00Z' },
            { name: 'endTime', valueDateTime: '2030-03-04T18:00:00Z' },
            { name: 'service-type', valueCodeableConcept: { coding: [{ code: '1004' }] } },
          ],
        },
      },
    );
    expect(found.errors).toBeUndefined();
    const bundle = (found.data as { epicAppointmentFind: { entry: { resource: Loose }[] } })
      .epicAppointmentFind;
    const proposal = bundle.entry[0]?.resource as Loose & { participant: { actor: { reference: string } }[] };
    expect(proposal.status).toBe('proposed');
    expect(proposal.participant.map((p) => p.actor.reference)).toContain(`Patient/${patient.id}`);
    for (const p of proposal.participant)
      expect(p.actor.reference).toMatch(/^(Patient|Practitioner|Location)\/[a-z2-7]{32}$/);

    const bookMutation = `mutation($res: JSON!) { epicAppointmentBook(connection: "epic-g", idempotencyKey: "ab-1", res: $res) { id status participant { actor { reference } } } }`;
    const book = {
      res: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'patient', valueReference: { reference: `Patient/${patient.id}` } },
          { name: 'appointment', resource: proposal },
        ],
      },
    };
    const booked = await gql(bookMutation, book);
    expect(booked.errors).toBeUndefined();
    const appointment = (booked.data as { epicAppointmentBook: Loose & { id: string } }).epicAppointmentBook;
    expect(appointment.status).toBe('booked');
    expect(
      (appointment.participant as { actor: { reference: string } }[]).map((p) => p.actor.reference),
    ).toContain(`Patient/${patient.id}`);
    const stored = await gateway.store.resources.read(TENANT, 'Appointment', appointment.id);
    expect((await atEpic('Appointment', nativeIdOf(stored?.resource as Resource, connection)))?.status).toBe(
      'booked',
    );
    const events = await changesOf(gateway.store, TENANT, 'Appointment', appointment.id);
    expect(events.map((c) => c.action)).toEqual(['created']);
    expect(events[0]?.triggers).toContain('epic.appointment.created');
    // A retry with the key answers the booking without booking again.
    const books = posts('/api/FHIR/STU3/Appointment/$book');
    const retry = await gql(bookMutation, book);
    expect((retry.data as { epicAppointmentBook: Loose }).epicAppointmentBook.id).toBe(appointment.id);
    expect(posts('/api/FHIR/STU3/Appointment/$book')).toBe(books);
  });

  it('Create encounter is unsupported by Epic: no EncounterCreate for it, and the catalog says what to use', async () => {
    const result = await gql(`{ actions(source: epic) { id status field reason } }`);
    expect(result.errors).toBeUndefined();
    const actions = (
      result.data as { actions: { id: string; status: string; field: string | null; reason: string }[] }
    ).actions;
    expect(actions).toHaveLength(10);
    expect(actions.find((a) => a.id === 'epic.encounter.create')).toMatchObject({
      status: 'unsupported_by_source',
      field: null,
    });
    expect(actions.find((a) => a.id === 'epic.encounter.create')?.reason).toContain('epicAppointmentBook');
    expect(
      actions
        .filter((a) => a.status === 'available')
        .map((a) => a.id)
        .sort(),
    ).toEqual([
      'epic.appointment.find',
      'epic.document_reference.create',
      'epic.document_reference.find',
      'epic.encounter.find',
      'epic.observation.create',
      'epic.observation.find',
      'epic.patient.create',
      'epic.patient.find',
    ]);
    expect(actions.find((a) => a.id === 'epic.appointment.create')).toMatchObject({
      status: 'alternative',
      field: 'epicAppointmentBook',
    });
  });

  it('the finds answer from the store, and with fresh: true from Epic', async () => {
    const encounter = await firstOf(gateway.store, TENANT, 'Encounter');
    const result = await gql(
      `{ Encounter(id: "${encounter.id}", fresh: true) { id status } Patient(id: "${patient.id}") { id } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      Encounter: { id: encounter.id, status: (encounter as unknown as Loose).status },
      Patient: { id: patient.id },
    });
  });

  it('refuses bad input before any call: a reference of another tenant, invalid FHIR', async () => {
    const other = await startOtherTenantPatient();
    const calls = sim.counters.total();
    const foreign = await gql(
      `mutation($res: ObservationInput!) { ObservationCreate(connection: "epic-g", idempotencyKey: "bad-1", res: $res) { id } }`,
      {
        res: {
          status: 'final',
          code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
          subject: { reference: `Patient/${other}` },
          effectiveDateTime: '2026-03-01T10:00:00Z',
        },
      },
    );
    expect(foreign.errors?.[0]?.extensions?.code).toBe('FOREIGN_REFERENCE');
    const invalid = await gql(
      `mutation($res: PatientInput!) { PatientCreate(connection: "epic-g", idempotencyKey: "bad-2", res: $res) { id } }`,
      { res: { gender: 'not-a-gender' } },
    );
    expect(invalid.errors?.[0]?.extensions?.code).toBe('VALIDATION');
    expect(sim.counters.total()).toBe(calls);
  });

  /** A patient stored for another tenant: its id must not be usable from this one. */
  async function startOtherTenantPatient(): Promise<string> {
    await gateway.store.tenants.ensure('epic-other');
    const [written] = await gateway.store.resources.putMany(
      'epic-other',
      [{ resourceType: 'Patient', id: 'otherpatient1', name: [{ family: 'Else' }] } as unknown as Resource],
      { connection: 'epic-g' },
    );
    return written?.stored.id ?? 'otherpatient1';
  }
});
