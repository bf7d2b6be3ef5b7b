import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CatalogRow,
  type Connector,
  type ConnectorSession,
  SourceError,
} from '../../src/connectors/connector.ts';
import { EPIC_OPERATIONS } from '../../src/connectors/epic/operations.ts';
import { createIdentityScheme } from '../../src/fhir/identity.ts';
import { nativeIdFromResource } from '../../src/mapping/native-id.ts';
import { type EpicSimulator, startEpicSimulator } from '../../src/simulators/epic/index.ts';
import type { Connection, Store } from '../../src/store/port.ts';
import { createSyncEngine } from '../../src/sync/sync-engine.ts';
import { createTriggerTagger } from '../../src/sync/trigger-tagger.ts';
import { writePage } from '../../src/sync/write-page.ts';
import {
  changesAfter,
  connectEpic,
  projectMappings,
  realConnectors,
  serveJwks,
  silentLog,
} from '../sync/real-sources.ts';
import { memoryStore } from './helpers.ts';

type Loose = Record<string, unknown>;
const TENANT = 'epic-act';
const scheme = createIdentityScheme();

/**
 * Epic's 10 actions at the connector level, against the simulator over HTTP: a create is the FHIR
 * resource itself (reverse mapping: gateway identity stripped, references back to Epic ids), sent
 * with session.write; Appointment "create" is $find + $book through session.invoke; Encounter has
 * no create in Epic R4. What Epic answers maps forward to the same gateway resource a poll gives.
 */
describe('Epic actions through the session', () => {
  let sim: EpicSimulator;
  let store: Store;
  let jwks: { url: string; close(): Promise<void> };
  let connector: Connector;
  let connection: Connection;
  let session: ConnectorSession;
  let patientRef: string;

  const row = (key: string) => connector.catalog.find((r) => r.key === key) as CatalogRow;
  const mappings = projectMappings();
  /** `Type/<gateway id>` → Epic id, from the stored resource (what the mutation layer does). */
  const resolveNativeId = (stored: Map<string, Resource>) => (reference: string) => {
    const resource = stored.get(reference);
    return resource
      ? nativeIdFromResource(scheme, resource, { source: 'epic', connectionId: connection.id })
      : undefined;
  };
  const storedByRef = async () => {
    const out = new Map<string, Resource>();
    for (const type of ['Patient', 'Practitioner', 'Encounter']) {
      const page = await store.resources.list(TENANT, type, { limit: 500 });
      for (const item of page.items) out.set(`${type}/${item.id}`, item.resource);
    }
    return out;
  };
  /** Maps Epic's answer forward and stores it, as the mutation layer does; answers the stored resource. */
  const storeAnswer = async (key: string, record: unknown): Promise<Resource> => {
    const counts = await writePage(
      { store, mappings },
      {
        tenant: TENANT,
        connection: { id: connection.id, source: 'epic' },
        entity: row(key).entity,
        records: [record],
        options: { fhirBaseUrl: sim.fhirBaseUrl },
        triggers: createTriggerTagger(connector.triggers, row(key)),
      },
    );
    expect(counts.quarantined).toBe(0);
    const page = await store.resources.list(TENANT, key, { limit: 1000 });
    const found = page.items.find(
      (i) =>
        nativeIdFromResource(scheme, i.resource, { source: 'epic', connectionId: connection.id }) ===
        (record as Loose).id,
    );
    return found?.resource as Resource;
  };

  beforeAll(async () => {
    sim = await startEpicSimulator({ seed: 51, patients: 2, bulkPollsBeforeComplete: 0 });
    store = memoryStore();
    jwks = await serveJwks(store);
    const connectors = realConnectors(store);
    connector = connectors.find((c) => c.source === 'epic') as Connector;
    connection = await connectEpic(store, sim, jwks.url, { tenant: TENANT, id: 'epic-a' });
    const engine = createSyncEngine({ store, mappings, log: silentLog, holder: 'epic-act', connectors });
    expect((await engine.runOnce(TENANT, connection.id)).outcome).toBe('completed');
    await engine.stop();
    session = await connector.open(connection);
    const patients = await store.resources.list(TENANT, 'Patient', { limit: 10 });
    patientRef = `Patient/${patients.items[0]?.id}`;
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await Promise.all([sim?.close(), jwks?.close()]);
    await store?.close();
  });

  const creates: Array<[string, () => Loose]> = [
    [
      'Patient',
      () => ({
        resourceType: 'Patient',
        name: [{ family: 'Quill', given: ['Ada'] }],
        gender: 'female',
        birthDate: '1990-04-02',
      }),
    ],
    [
      'Observation',
      () => ({
        resourceType: 'Observation',
        status: 'final',
        category: [
          {
            coding: [
              { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
            ],
          },
        ],
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] },
        subject: { reference: patientRef },
        effectiveDateTime: '2026-03-01T10:00:00Z',
        valueQuantity: { value: 64, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
      }),
    ],
    [
      'DocumentReference',
      () => ({
        resourceType: 'DocumentReference',
        status: 'current',
        type: { coding: [{ system: 'http://loinc.org', code: '11506-3' }] },
        subject: { reference: patientRef },
        content: [
          { attachment: { contentType: 'text/plain', data: Buffer.from('note').toString('base64') } },
        ],
      }),
    ],
  ];

  for (const [type, input] of creates) {
    it(`creates a ${type}: the FHIR body without gateway identity, references in Epic ids; the answer maps back`, async () => {
      const stored = await storedByRef();
      // The resource as a client would send it, carrying gateway-side identity that must not leak to Epic.
      const resource = {
        ...input(),
        id: 'client-side-id',
        meta: { source: 'urn:fhir-gateway:connection:epic-a' },
        identifier: [{ system: `${scheme.baseUrl}/sid/epic/epic-a/${type}`, value: 'x' }],
      } as unknown as Resource;
      const reversed = mappings.reverse('epic', type, resource, { resolveNativeId: resolveNativeId(stored) });
      expect(reversed.ok, JSON.stringify(reversed)).toBe(true);
      if (!reversed.ok) return;
      const body = reversed.payload;
      expect(body.id).toBeUndefined();
      expect(body.meta).toBeUndefined();
      expect(body.identifier).toBeUndefined();
      if (type !== 'Patient') {
        const epicPatientId = resolveNativeId(stored)(patientRef);
        expect(body.subject).toEqual({ reference: `Patient/${epicPatientId}` });
      }
      const created = (await session.write(row(type), 'create', { body })) as Loose;
      expect(created.resourceType).toBe(type);
      // The simulator holds it.
      expect(((await session.read(row(type), String(created.id))) as Loose).id).toBe(created.id);
      // Forward again: the gateway's resource points at the same gateway patient the input did.
      const before = await changesAfter(store, undefined);
      const back = await storeAnswer(type, created);
      expect(back.resourceType).toBe(type);
      if (type !== 'Patient')
        expect((back as unknown as { subject: Loose }).subject.reference).toBe(patientRef);
      const events = (await changesAfter(store, before.cursor)).changes;
      expect(events.map((e) => [e.type, e.action])).toEqual([[type, 'created']]);
      expect(events[0]?.triggers).toContain(
        `epic.${type === 'DocumentReference' ? 'document_reference' : type.toLowerCase()}.created`,
      );
    });
  }

  it('refuses a reference the gateway cannot resolve before any call to Epic', async () => {
    const calls = sim.counters.total();
    const reversed = mappings.reverse(
      'epic',
      'Observation',
      {
        ...(creates[1]?.[1]() as object),
        subject: { reference: 'Patient/not-a-known-id' },
      } as unknown as Resource,
      { resolveNativeId: resolveNativeId(await storedByRef()) },
    );
    expect(reversed).toMatchObject({ ok: false, path: 'payload.subject.reference' });
    expect(sim.counters.total()).toBe(calls);
  });

  it('has no Encounter create: the row does not offer it and the session refuses without a call', async () => {
    expect(row('Encounter').operations).not.toContain('create');
    expect(row('Appointment').operations).not.toContain('create');
    const calls = sim.counters.total();
    await expect(
      session.write(row('Encounter'), 'create', { body: { resourceType: 'Encounter' } }),
    ).rejects.toMatchObject({
      code: 'rejected',
    });
    expect(sim.counters.total()).toBe(calls);
  });

  it('books an appointment: $find proposes, $book answers the booked Appointment, which Epic then serves and the gateway maps', async () => {
    const find = EPIC_OPERATIONS.find((o) => o.id === 'epic.appointment.find');
    const book = EPIC_OPERATIONS.find((o) => o.id === 'epic.appointment.book');
    if (!find || !book || !session.invoke) throw new Error('Epic scheduling operations missing');
    const epicPatientId = resolveNativeId(await storedByRef())(patientRef);
    const proposals = (await session.invoke(find, {
      body: {
        resourceType: 'Parameters',
        parameter: [
          { name: 'patient', valueReference: { reference: `Patient/${epicPatientId}` } },
          { name: 'startTime', valueDateTime: '2030-03-04T14:00:00Z' },
          { name: 'endTime', valueDateTime: '2030-03-04T18:00:00Z' },
          { name: 'service-type', valueCodeableConcept: { coding: [{ code: '1004' }] } },
        ],
      },
    })) as { resourceType: string; entry: { resource: Loose }[] };
    expect(proposals.resourceType).toBe('Bundle');
    const proposal = proposals.entry[0]?.resource as Loose;
    expect(proposal.status).toBe('proposed');
    const bookBody = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'patient', valueReference: { reference: `Patient/${epicPatientId}` } },
        { name: 'appointment', valueReference: { reference: `Appointment/${proposal.id}` } },
      ],
    };
    const booked = (await session.invoke(book, { body: bookBody })) as Loose;
    expect(booked).toMatchObject({ resourceType: 'Appointment', status: 'booked' });
    expect(((await session.read(row('Appointment'), String(booked.id))) as Loose).status).toBe('booked');
    const before = await changesAfter(store, undefined);
    const stored = await storeAnswer('Appointment', booked);
    const participants = (stored as unknown as { participant: { actor: { reference: string } }[] })
      .participant;
    expect(participants.map((p) => p.actor.reference)).toContain(patientRef);
    expect((await changesAfter(store, before.cursor)).changes[0]?.triggers).toContain(
      'epic.appointment.created',
    );
    // The proposal is used up: Epic refuses it, and the session says so by code.
    const again = await session.invoke(book, { body: bookBody }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(SourceError);
    expect((again as SourceError).code).toMatch(/^(not_found|rejected)$/);
  });

  it('goes to the STU3 sibling of the R4 base, on the same server', async () => {
    const snapshot = sim.counters.snapshot();
    expect(Object.keys(snapshot).some((route) => route.includes('/api/FHIR/STU3/Appointment/$book'))).toBe(
      true,
    );
  });
});
