import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/simulators/common/clock.ts';
import { type EpicSimulator, startEpicSimulator } from '../../src/simulators/epic/index.ts';
import { epicCode, fhirClient, type Loose, loadFhirValidator } from './epic-helpers.ts';

describe('Epic simulator writes, scheduling, tick and seeds', () => {
  const clock = createManualClock(Date.UTC(2026, 2, 2, 12)); // a Monday
  let sim: EpicSimulator;
  let client: Awaited<ReturnType<typeof fhirClient>>;
  let patientId: string;
  const validate = loadFhirValidator();

  beforeAll(async () => {
    sim = await startEpicSimulator({ seed: 5, patients: 4, clock });
    client = await fhirClient(sim);
    const group = (await client.get(`/Group/${sim.groupId}`)).body;
    patientId = group.member[0].entity.reference.split('/')[1];
  });
  afterAll(async () => {
    await sim.close();
  });

  const heartRate = () => ({
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
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: '2026-03-02T12:00:00Z',
    valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  });

  it('creates a Patient (201 + Location, Epic identifiers) findable by search', async () => {
    const res = await client.post('/Patient', {
      resourceType: 'Patient',
      name: [{ family: 'Quokka', given: ['Testy'] }],
      gender: 'female',
      birthDate: '1990-04-05',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toMatch(new RegExp(`/Patient/${res.body.id}/_history/1$`));
    expect(res.body.identifier.map((i: Loose) => i.type.text)).toEqual(['EPIC', 'EPI']);
    expect(validate(res.body)).toEqual([]);
    const found = await client.get('/Patient?family=quokka&birthdate=1990-04-05');
    expect(found.body.entry[0].resource.id).toBe(res.body.id);
    const minimal = await client.post(
      '/Patient',
      { resourceType: 'Patient', name: [{ family: 'Min' }] },
      { prefer: 'return=minimal' },
    );
    expect(minimal.status).toBe(201);
    expect(minimal.body).toBeUndefined();
  });

  it('rejects invalid creates with Epic validation codes', async () => {
    expect(epicCode((await client.post('/Patient', { resourceType: 'Patient' })).body)).toBe('59108');
    expect(epicCode((await client.post('/Patient', { resourceType: 'Observation' })).body)).toBe('59100');
    expect(
      epicCode(
        (await client.post('/Patient', { resourceType: 'Patient', name: [{ family: 'X' }], gender: 'f' }))
          .body,
      ),
    ).toBe('59111');
    const noSubject = { ...heartRate(), subject: { reference: 'Patient/eUnknown3' } };
    expect(epicCode((await client.post('/Observation', noSubject)).body)).toBe('59144');
    const unmapped = { ...heartRate(), code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] } };
    expect(epicCode((await client.post('/Observation', unmapped)).body)).toBe('59187');
    const { status: _s, ...noStatus } = heartRate();
    expect(epicCode((await client.post('/Observation', noStatus)).body)).toBe('59108');
    const notFhir = await fetch(`${sim.fhirBaseUrl}/Observation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.token}`, 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(notFhir.status).toBe(400);
    const appt = await client.post('/Appointment', { resourceType: 'Appointment' });
    expect(appt.status).toBe(405);
  });

  it('creates and updates an Observation (version and lastUpdated advance)', async () => {
    const created = await client.post('/Observation', heartRate());
    expect(created.status).toBe(201);
    expect(validate(created.body)).toEqual([]);
    clock.advance(5000);
    const updated = await client.put(`/Observation/${created.body.id}`, {
      ...created.body,
      status: 'amended',
      valueQuantity: { ...created.body.valueQuantity, value: 80 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.meta.versionId).toBe('2');
    expect(updated.body.meta.lastUpdated > created.body.meta.lastUpdated).toBe(true);
    const read = await client.get(`/Observation/${created.body.id}`);
    expect(read.body.valueQuantity.value).toBe(80);
    expect(
      epicCode((await client.put(`/Observation/${created.body.id}`, { ...created.body, id: 'other' })).body),
    ).toBe('59111');
    expect((await client.put('/Observation/eMissing3', { ...created.body, id: 'eMissing3' })).status).toBe(
      404,
    );
    expect(
      (await client.put(`/Patient/${patientId}`, { resourceType: 'Patient', id: patientId })).status,
    ).toBe(405);
  });

  it('creates and updates a DocumentReference, visible to _lastUpdated polling', async () => {
    const before = new Date(clock()).toISOString();
    clock.advance(1000);
    const doc = {
      resourceType: 'DocumentReference',
      status: 'current',
      type: { coding: [{ system: 'http://loinc.org', code: '11506-3' }] },
      subject: { reference: `Patient/${patientId}` },
      content: [{ attachment: { contentType: 'text/plain', data: 'SGVsbG8=' } }],
    };
    const created = await client.post('/DocumentReference', doc);
    expect(created.status).toBe(201);
    const polled = await client.get(`/DocumentReference?_lastUpdated=gt${before}`);
    expect(polled.body.entry.map((e: Loose) => e.resource.id)).toEqual([created.body.id]);
    const updated = await client.put(`/DocumentReference/${created.body.id}`, {
      ...created.body,
      docStatus: 'final',
    });
    expect(updated.body.meta.versionId).toBe('2');
    expect(epicCode((await client.post('/DocumentReference', { ...doc, content: [{}] })).body)).toBe('59108');
  });

  it('books through Appointment/$find and $book; the booking shows up in R4 search; a taken slot is refused', async () => {
    const find = await client.post('/Appointment/$find', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'patient', valueReference: { reference: `Patient/${patientId}` } },
        { name: 'startTime', valueDateTime: '2026-03-03T14:00:00Z' },
        { name: 'endTime', valueDateTime: '2026-03-03T18:00:00Z' },
        { name: 'service-type', valueCodeableConcept: { coding: [{ code: '1004' }] } },
      ],
    });
    expect(find.status).toBe(200);
    expect(find.body.total).toBeGreaterThan(1);
    const proposal = find.body.entry[0].resource;
    expect(proposal.status).toBe('proposed');
    const book = (id: string) =>
      client.post('/Appointment/$book', {
        resourceType: 'Parameters',
        parameter: [
          { name: 'patient', valueReference: { reference: `Patient/${patientId}` } },
          { name: 'appointment', valueReference: { reference: `Appointment/${id}` } },
          { name: 'appointmentNote', valueString: 'Booked by test' },
        ],
      });
    const booked = await book(proposal.id);
    expect(booked.status).toBe(200);
    const appointment = booked.body.entry[0].resource;
    expect(appointment.status).toBe('booked');
    expect(validate(appointment)).toEqual([]);
    const search = await client.get(`/Appointment?patient=${patientId}&date=ge2026-03-03&date=lt2026-03-04`);
    expect(search.body.entry.map((e: Loose) => e.resource.id)).toContain(appointment.id);
    expect(
      (
        await client.post('/Appointment/$book', {
          resourceType: 'Parameters',
          parameter: [
            { name: 'patient', valueReference: { reference: `Patient/${patientId}` } },
            { name: 'appointment', valueReference: { reference: `Appointment/${proposal.id}` } },
          ],
        })
      ).status,
    ).toBe(404);
    // Another proposal of the same practitioner and time (from a second $find) is now taken.
    const again = await client.post('/Appointment/$find', {
      resourceType: 'Parameters',
      parameter: [
        { name: 'startTime', valueDateTime: proposal.start },
        { name: 'endTime', valueDateTime: proposal.end },
      ],
    });
    const practitionerRef = proposal.participant.find((p: Loose) =>
      p.actor.reference.startsWith('Practitioner/'),
    ).actor.reference;
    expect(
      again.body.entry?.some((e: Loose) =>
        e.resource.participant.some((p: Loose) => p.actor.reference === practitionerRef),
      ) ?? false,
    ).toBe(false);
  });

  it('refuses a slot booked meanwhile (409) and bad $find input', async () => {
    const params = [
      { name: 'startTime', valueDateTime: '2026-03-04T15:00:00Z' },
      { name: 'endTime', valueDateTime: '2026-03-04T15:30:00Z' },
    ];
    const a = (await client.post('/Appointment/$find', { resourceType: 'Parameters', parameter: params }))
      .body.entry[0].resource;
    const b = (await client.post('/Appointment/$find', { resourceType: 'Parameters', parameter: params }))
      .body.entry;
    const twin = b?.find(
      (e: Loose) =>
        e.resource.start === a.start &&
        JSON.stringify(e.resource.participant) === JSON.stringify(a.participant),
    );
    const book = (id: string) =>
      client.post('/Appointment/$book', {
        resourceType: 'Parameters',
        parameter: [
          { name: 'patient', valueReference: { reference: `Patient/${patientId}` } },
          { name: 'appointment', valueReference: { reference: `Appointment/${id}` } },
        ],
      });
    expect((await book(a.id)).status).toBe(200);
    const conflict = await book(twin.resource.id);
    expect(conflict.status).toBe(409);
    expect(conflict.body.resourceType).toBe('OperationOutcome');
    expect(
      epicCode((await client.post('/Appointment/$find', { resourceType: 'Parameters', parameter: [] })).body),
    ).toBe('4111');
    expect(
      epicCode(
        (
          await client.post('/Appointment/$find', {
            resourceType: 'Parameters',
            parameter: [
              { name: 'startTime', valueDateTime: '2026-03-05T00:00:00Z' },
              { name: 'endTime', valueDateTime: '2026-03-04T00:00:00Z' },
            ],
          })
        ).body,
      ),
    ).toBe('4100');
    expect(epicCode((await client.post('/Appointment/$find', { hello: 1 })).body)).toBe('59100');
    expect(
      epicCode(
        (
          await client.post('/Appointment/$book', {
            resourceType: 'Parameters',
            parameter: [{ name: 'patient', valueReference: { reference: 'Patient/eNobody3' } }],
          })
        ).body,
      ),
    ).toBe('59144');
  });

  it('tick creates and updates records with advancing lastUpdated, also via /_admin/tick', async () => {
    clock.advance(60_000);
    const stamp = new Date(clock()).toISOString();
    const result = sim.tick(20);
    expect(result.created + result.updated).toBeGreaterThanOrEqual(20);
    expect(result.updated).toBeGreaterThan(0);
    expect(result.created).toBeGreaterThan(0);
    const docs = await client.get(`/DocumentReference?_lastUpdated=ge${stamp}`);
    for (const e of docs.body.entry ?? []) {
      if (e.resource.resourceType === 'DocumentReference')
        expect(e.resource.meta.lastUpdated >= stamp).toBe(true);
    }
    const group = (await client.get(`/Group/${sim.groupId}`)).body;
    expect(group.quantity).toBeGreaterThan(4);
    const admin = await fetch(`${sim.url}/_admin/tick?count=3`, { method: 'POST' });
    expect(admin.status).toBe(200);
    const body = (await admin.json()) as { created: number; updated: number };
    expect(body.created + body.updated).toBeGreaterThanOrEqual(3);
    expect((await fetch(`${sim.url}/_admin/tick?count=0`, { method: 'POST' })).status).toBe(400);
  });

  it('runs a tick timer when tickEveryMs is set, and stops it on close', async () => {
    const timed = await startEpicSimulator({ seed: 6, patients: 1, tickEveryMs: 10 });
    const c = await fhirClient(timed);
    const before = (await c.get(`/Group/${timed.groupId}`)).body.quantity;
    let after = before;
    for (let i = 0; i < 50 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = (await c.get(`/Group/${timed.groupId}`)).body.quantity;
    }
    await timed.close();
    expect(after).toBeGreaterThan(before);
  });

  it('serves seed records (object of arrays or Bundle) and rejects bad seeds clearly', async () => {
    const seeded = await startEpicSimulator({
      seed: 1,
      seedRecords: {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [{ resource: { resourceType: 'Patient', id: 'eSeedPatient3', name: [{ family: 'Seeded' }] } }],
      },
    });
    try {
      const c = await fhirClient(seeded);
      expect((await c.get('/Patient/eSeedPatient3')).body.name[0].family).toBe('Seeded');
      expect((await c.get(`/Group/${seeded.groupId}`)).body.quantity).toBe(1);
    } finally {
      await seeded.close();
    }
    await expect(
      startEpicSimulator({ seedRecords: { Patient: [{ resourceType: 'Patient' }] } }),
    ).rejects.toThrow(/Patient\[0\]: id must be a FHIR id/);
  });
});
