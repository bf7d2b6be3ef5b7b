import { join } from 'node:path';
import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectorSession, SourceError } from '../../src/connectors/connector.ts';
import { DRCHRONO_OPERATIONS } from '../../src/connectors/drchrono/operations.ts';
import { drchronoCreateRow } from '../../src/connectors/drchrono/write-rows.ts';
import { createIdentityScheme } from '../../src/fhir/identity.ts';
import type { ConnectionScope } from '../../src/fhir/references.ts';
import { loadMappingSet } from '../../src/mapping/load-mapping-set.ts';
import { loadMappingDefinitions } from '../../src/mapping/mapping-definitions.ts';
import { nativeIdFromResource } from '../../src/mapping/native-id.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import type { Store } from '../../src/store/port.ts';
import { connectDrChrono, drain, memoryStore, rowOf, testConnectors } from './helpers.ts';

type Loose = Record<string, unknown>;
type AnyResource = Resource & Loose;

const scheme = createIdentityScheme();
const mappings = loadMappingSet({
  dir: join(import.meta.dirname, '..', '..', 'mappings'),
  defs: loadMappingDefinitions(),
  scheme,
  sources: ['drchrono'],
});
const scope: ConnectionScope = { tenant: 'wa', connectionId: 'drc-actions', source: 'drchrono' };
const op = (id: string) => {
  const found = DRCHRONO_OPERATIONS.find((o) => o.id === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found;
};

/**
 * Issue 15, DrChrono, at the connector: FHIR input → reverse mapping → session.write/invoke over
 * HTTP → the simulator's state (read back by its own API) → the forward mapping of the answer,
 * which must equal what a poll of the same record produces (so the stored copy and the next poll
 * agree: one change event, not two).
 */
describe('DrChrono actions: FHIR → DrChrono → FHIR through the connector', () => {
  let sim: RunningDrChronoSimulator;
  let store: Store;
  let session: ConnectorSession;
  let catalog: ReturnType<typeof testConnectors>['drchrono']['catalog'];
  let token: string;
  /** `Type/<gateway id>` → native id of everything mapped so far (what the store would answer). */
  const nativeIds = new Map<string, string>();

  const forward = (entity: string, record: unknown): AnyResource[] => {
    const result = mappings.forward('drchrono', entity, record, scope);
    if (!result.ok) throw new Error(`forward ${entity}: ${'reason' in result ? result.reason : 'skipped'}`);
    for (const r of result.resources) {
      const id = nativeIdFromResource(scheme, r, scope);
      if (id) nativeIds.set(`${r.resourceType}/${r.id}`, id);
    }
    return result.resources as AnyResource[];
  };
  const mapOne = (entity: string, type: string, record: unknown): AnyResource => {
    const found = forward(entity, record).find((r) => r.resourceType === type);
    if (!found) throw new Error(`no ${type} from ${entity}`);
    return found;
  };
  const reverse = (entity: string, resource: Resource): Loose => {
    const result = mappings.reverse('drchrono', entity, resource, {
      resolveNativeId: (ref) => nativeIds.get(ref),
    });
    if (!result.ok) throw new Error(`reverse ${entity}: ${result.reason} at ${result.path}`);
    return result.payload;
  };
  /** The simulator's record, read through its own API (not through the connector). */
  const native = async (path: string, id: unknown): Promise<Loose | undefined> => {
    const res = await fetch(`${sim.url}/api/${path}/${String(id)}?verbose=true`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return res.status === 404 ? undefined : ((await res.json()) as Loose);
  };
  const polled = async (row: string, id: unknown): Promise<Loose | undefined> =>
    ((await drain(session, rowOf(catalog, row))).records as Loose[]).find((r) => String(r.id) === String(id));
  const create = async (row: string, body: Loose) =>
    (await session.write(rowOf(catalog, row), 'create', { body })) as Loose;
  const refOf = (r: Resource) => ({ reference: `${r.resourceType}/${r.id}` });
  /** Changed native fields between two reverse payloads: what a FHIR patch sends as PATCH. */
  const changed = (before: Loose, after: Loose): Loose =>
    Object.fromEntries(
      Object.entries(after).filter(([k, v]) => JSON.stringify(before[k]) !== JSON.stringify(v)),
    );
  const withoutStamp = (record: Loose | undefined) => {
    const { updated_at: _u, ...rest } = record ?? {};
    return rest;
  };

  let doctor: AnyResource;
  let office: AnyResource;
  let user: AnyResource;
  let patients: AnyResource[];
  let patientRecords: Loose[];

  beforeAll(async () => {
    sim = await startDrChronoSimulator({ seed: 41, patients: 3, rateLimits: false });
    token = sim.issueAccessToken().accessToken;
    store = memoryStore();
    const connectors = testConnectors(store);
    catalog = connectors.drchrono.catalog;
    session = await connectors.drchrono.open(
      await connectDrChrono(store, sim, { tenant: 'wa', id: 'drc-actions' }),
    );
    const records = async (row: string) => (await drain(session, rowOf(catalog, row))).records as Loose[];
    doctor = mapOne('doctors', 'Practitioner', (await records('doctors'))[0]);
    office = mapOne('offices', 'Location', (await records('offices'))[0]);
    user = mapOne('users', 'PractitionerRole', (await records('users'))[0]);
    patientRecords = await records('patients');
    patients = patientRecords.map((r) => mapOne('patients', 'Patient', r));
    // Referenced records (payments point at appointments or line items); breaks map to nothing.
    for (const row of ['tasks', 'appointments', 'line_items'])
      for (const r of await records(row)) if (mappings.forward('drchrono', row, r, scope).ok) forward(row, r);
  });
  afterAll(async () => {
    await sim.close();
    await store.close();
  });

  it('Create Patient: the FHIR Patient lands as DrChrono demographics and maps back as a poll maps it', async () => {
    const input: AnyResource = {
      resourceType: 'Patient',
      active: true,
      name: [{ use: 'official', family: 'Okafor', given: ['Ada', 'Quinn'] }],
      gender: 'female',
      birthDate: '1990-04-05',
      telecom: [
        { system: 'phone', value: '555-0100', use: 'mobile' },
        { system: 'email', value: 'ada@example.org' },
      ],
      address: [{ use: 'home', line: ['1 Main St'], city: 'Springfield', state: 'IL', postalCode: '62704' }],
      generalPractitioner: [refOf(doctor)],
    };
    expect(drchronoCreateRow(input)).toEqual({ row: 'patients' });
    const answer = await create('patients', reverse('patients', input));
    expect(await native('patients', answer.id)).toMatchObject({
      first_name: 'Ada',
      middle_name: 'Quinn',
      last_name: 'Okafor',
      gender: 'Female',
      date_of_birth: '1990-04-05',
      cell_phone: '555-0100',
      email: 'ada@example.org',
      doctor: Number(nativeIds.get(`Practitioner/${doctor.id}`)),
      patient_status: 'A',
    });
    const created = mapOne('patients', 'Patient', answer);
    expect(created).toMatchObject({
      name: [(input.name as Loose[])[0]],
      gender: 'female',
      birthDate: '1990-04-05',
      generalPractitioner: [refOf(doctor)],
    });
    expect(mapOne('patients', 'Patient', await polled('patients', answer.id))).toEqual(created);

    // DrChrono's duplicate guard: same name, birth date and gender is a 409, nothing created.
    const again = await create('patients', reverse('patients', input)).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(SourceError);
    expect(again).toMatchObject({ code: 'conflict', status: 409 });
    const named = ((await drain(session, rowOf(catalog, 'patients'))).records as Loose[]).filter(
      (r) => r.last_name === 'Okafor',
    );
    expect(named).toHaveLength(1);

    // Delete Patient: gone from the source; the write answers nothing to store.
    expect(await session.write(rowOf(catalog, 'patients'), 'delete', { nativeId: String(answer.id) })).toBe(
      undefined,
    );
    expect(await native('patients', answer.id)).toBeUndefined();
  });

  it('Update Patient as a patch: only the changed field is sent; every other source field is untouched', async () => {
    const record = patientRecords[0] as Loose;
    const before = await native('patients', record.id);
    const original = patients[0] as AnyResource;
    const patched = {
      ...original,
      telecom: [
        ...((original.telecom as Loose[]) ?? []).filter((t) => t.system !== 'email'),
        { system: 'email', value: 'new.address@example.org' },
      ],
    } as AnyResource;
    const body = changed(reverse('patients', original), reverse('patients', patched));
    expect(body).toEqual({ email: 'new.address@example.org' });
    const answer = (await session.write(rowOf(catalog, 'patients'), 'patch', {
      nativeId: String(record.id),
      body,
    })) as Loose;
    const after = await native('patients', record.id);
    expect(after?.email).toBe('new.address@example.org');
    expect(withoutStamp(after)).toEqual({ ...withoutStamp(before), email: 'new.address@example.org' });
    expect(mapOne('patients', 'Patient', answer)).toEqual(
      mapOne('patients', 'Patient', await polled('patients', record.id)),
    );

    // A full update (PUT) with the whole reverse payload keeps the fields the mapping does not carry.
    const renamed = {
      ...patched,
      name: [{ use: 'official', family: 'Renamed', given: ['Pat'] }],
    } as AnyResource;
    await session.write(rowOf(catalog, 'patients'), 'update', {
      nativeId: String(record.id),
      body: reverse('patients', renamed),
    });
    const put = await native('patients', record.id);
    expect(put).toMatchObject({ first_name: 'Pat', last_name: 'Renamed' });
    for (const field of [
      'social_security_number',
      'employer',
      'date_of_first_appointment',
      'primary_insurance',
    ])
      expect(put?.[field], field).toEqual(before?.[field]);
  });

  it('Create, patch and delete an appointment: exam room booked from the office, overlap refused, delete is soft', async () => {
    const patient = patients[1] as AnyResource;
    const input: AnyResource = {
      resourceType: 'Appointment',
      status: 'booked',
      description: 'Follow-up visit',
      comment: 'Bring lab results',
      start: '2031-05-06T09:00:00Z',
      end: '2031-05-06T09:30:00Z',
      minutesDuration: 30,
      participant: [
        { actor: refOf(patient), status: 'accepted' },
        { actor: refOf(doctor), status: 'accepted' },
        { actor: refOf(office), status: 'accepted' },
      ],
    };
    const body = reverse('appointments', input);
    expect(body.exam_room).toBeUndefined();
    const answer = await create('appointments', body);
    const stored = await native('appointments', answer.id);
    expect(stored).toMatchObject({
      scheduled_time: '2031-05-06T09:00:00',
      duration: 30,
      exam_room: 1,
      reason: 'Follow-up visit',
      notes: 'Bring lab results',
      status: 'Confirmed',
    });
    const created = mapOne('appointments', 'Appointment', answer);
    expect(created).toMatchObject({ status: 'booked', start: input.start, end: input.end });
    expect(mapOne('appointments', 'Appointment', await polled('appointments', answer.id))).toEqual(created);

    const overlapping = await create('appointments', body).catch((e: unknown) => e);
    expect(overlapping).toMatchObject({ code: 'conflict', status: 409 });

    const arrived = changed(body, reverse('appointments', { ...created, status: 'arrived' } as AnyResource));
    expect(arrived).toEqual({ status: 'Arrived' });
    const patchedAnswer = (await session.write(rowOf(catalog, 'appointments'), 'patch', {
      nativeId: String(answer.id),
      body: arrived,
    })) as Loose;
    expect(withoutStamp(await native('appointments', answer.id))).toEqual({
      ...withoutStamp(stored),
      status: 'Arrived',
    });
    expect(mapOne('appointments', 'Appointment', patchedAnswer).status).toBe('arrived');

    const deleted = (await session.write(rowOf(catalog, 'appointments'), 'delete', {
      nativeId: String(answer.id),
    })) as Loose;
    expect(deleted.deleted_flag).toBe(true);
    expect(mapOne('appointments', 'Appointment', deleted).status).toBe('entered-in-error');
  });

  it('Create and update a task, its note, a category, a status and a template', async () => {
    const patient = patients[0] as AnyResource;
    const category = mapOne(
      'task_categories',
      'Basic',
      await create(
        'task_categories',
        reverse('task_categories', basicInput('drchrono-task-category', 'Callbacks')),
      ),
    );
    const categoryRecord = await native('task_categories', nativeIds.get(`Basic/${category.id}`));
    // practice_group is the connection's practice (its current user's), added by the session.
    expect(categoryRecord).toMatchObject({ name: 'Callbacks', practice_group: 41200 });
    const statusInput = {
      ...basicInput('drchrono-task-status', 'Waiting on patient'),
      code: {
        coding: [
          { system: 'urn:fhir-gateway:codesystem:basic-kind', code: 'drchrono-task-status' },
          { system: 'http://hl7.org/fhir/task-status', code: 'on-hold' },
        ],
        text: 'Waiting on patient',
      },
    } as AnyResource;
    expect(drchronoCreateRow(statusInput)).toEqual({ row: 'task_statuses' });
    const statusAnswer = await create('task_statuses', reverse('task_statuses', statusInput));
    expect(statusAnswer).toMatchObject({
      name: 'Waiting on patient',
      status_category: 'H',
      practice_group: 41200,
    });
    const status = mapOne('task_statuses', 'Basic', statusAnswer);

    const input: AnyResource = {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      priority: 'urgent',
      description: 'Call back about results',
      businessStatus: {
        coding: [
          { system: 'urn:fhir-gateway:codesystem:drchrono:task-status', code: String(statusAnswer.id) },
        ],
      },
      code: {
        coding: [
          {
            system: 'urn:fhir-gateway:codesystem:drchrono:task-category',
            code: nativeIds.get(`Basic/${category.id}`),
          },
        ],
      },
      for: refOf(patient),
      owner: refOf(user),
      restriction: { period: { end: '2031-02-03T10:00:00Z' } },
    };
    const answer = await create('tasks', reverse('tasks', input));
    expect(await native('tasks', answer.id)).toMatchObject({
      title: 'Call back about results',
      status: statusAnswer.id,
      priority: '30',
      assignee_user: nativeIds.get(`PractitionerRole/${user.id}`),
      associated_items: [{ type: 'patient', value: Number(nativeIds.get(`Patient/${patient.id}`)) }],
      due_date: { due_date: '2031-02-03T10:00:00' },
    });
    const task = mapOne('tasks', 'Task', answer);
    expect(task).toMatchObject({ description: input.description, for: input.for, owner: input.owner });
    expect(mapOne('tasks', 'Task', await polled('tasks', answer.id))).toEqual(task);
    await session.write(rowOf(catalog, 'tasks'), 'update', {
      nativeId: String(answer.id),
      body: reverse('tasks', { ...task, description: 'Call back today' } as AnyResource),
    });
    expect((await native('tasks', answer.id))?.title).toBe('Call back today');

    const note = {
      resourceType: 'Communication',
      status: 'completed',
      category: [
        { coding: [{ system: 'urn:fhir-gateway:codesystem:drchrono:message-kind', code: 'task-note' }] },
      ],
      about: [refOf(task)],
      payload: [{ contentString: 'Left a voicemail' }],
    } as AnyResource;
    expect(drchronoCreateRow(note)).toEqual({ row: 'task_notes' });
    const noteAnswer = await create('task_notes', reverse('task_notes', note));
    expect(noteAnswer).toMatchObject({ task: answer.id, text: 'Left a voicemail', archived: false });
    const mappedNote = mapOne('task_notes', 'Communication', noteAnswer);
    expect(mapOne('task_notes', 'Communication', await polled('task_notes', noteAnswer.id))).toEqual(
      mappedNote,
    );
    await session.write(rowOf(catalog, 'task_notes'), 'patch', {
      nativeId: String(noteAnswer.id),
      body: { text: 'Spoke with the patient' },
    });
    expect(await native('task_notes', noteAnswer.id)).toMatchObject({
      task: answer.id,
      text: 'Spoke with the patient',
    });

    const template = {
      resourceType: 'ActivityDefinition',
      status: 'active',
      title: 'Results callback',
      kind: 'Task',
      description: 'Phone the patient with results',
      code: {
        coding: [
          {
            system: 'urn:fhir-gateway:codesystem:drchrono:task-category',
            code: nativeIds.get(`Basic/${category.id}`),
          },
        ],
        text: 'Results callback',
      },
    } as AnyResource;
    const templateAnswer = await create('task_templates', reverse('task_templates', template));
    expect(await native('task_templates', templateAnswer.id)).toMatchObject({
      name: 'Results callback',
      default_note: 'Phone the patient with results',
      default_category: Number(nativeIds.get(`Basic/${category.id}`)),
    });
    const mappedTemplate = mapOne('task_templates', 'ActivityDefinition', templateAnswer);
    expect(mappedTemplate).toMatchObject({ title: 'Results callback', description: template.description });
    expect(status.code).toMatchObject({ text: 'Waiting on patient' });
  });

  it('Create, update and delete a document: the scanned file by URL; delete archives it', async () => {
    const patient = patients[2] as AnyResource;
    const input: AnyResource = {
      resourceType: 'DocumentReference',
      status: 'current',
      description: 'Outside referral letter',
      type: { coding: [{ system: 'http://loinc.org', code: '11503-0', display: 'Medical records' }] },
      subject: refOf(patient),
      author: [refOf(doctor)],
      content: [
        {
          attachment: {
            contentType: 'application/pdf',
            url: 'https://files.example.org/referral-1.pdf',
            creation: '2031-01-02',
          },
        },
      ],
    };
    expect(drchronoCreateRow(input)).toEqual({ row: 'documents' });
    const answer = await create('documents', reverse('documents', input));
    const stored = await native('documents', answer.id);
    expect(stored).toMatchObject({
      description: 'Outside referral letter',
      date: '2031-01-02',
      document: 'https://files.example.org/referral-1.pdf',
      patient: Number(nativeIds.get(`Patient/${patient.id}`)),
      archived: false,
    });
    const created = mapOne('documents', 'DocumentReference', answer);
    expect(created).toMatchObject({
      status: 'current',
      description: input.description,
      subject: input.subject,
    });
    expect(mapOne('documents', 'DocumentReference', await polled('documents', answer.id))).toEqual(created);

    const body = changed(
      reverse('documents', created),
      reverse('documents', { ...created, description: 'Referral letter (signed)' } as AnyResource),
    );
    expect(body).toEqual({ description: 'Referral letter (signed)' });
    await session.write(rowOf(catalog, 'documents'), 'patch', { nativeId: String(answer.id), body });
    expect(withoutStamp(await native('documents', answer.id))).toEqual({
      ...withoutStamp(stored),
      description: 'Referral letter (signed)',
    });

    const deleted = (await session.write(rowOf(catalog, 'documents'), 'delete', {
      nativeId: String(answer.id),
    })) as Loose;
    expect(deleted.archived).toBe(true);
    expect(mapOne('documents', 'DocumentReference', deleted).status).toBe('entered-in-error');
  });

  it('Create Patient Message and Create Patient Payment map back as polls map them', async () => {
    const patient = patients[0] as AnyResource;
    const message = {
      resourceType: 'Communication',
      status: 'completed',
      category: [
        {
          coding: [{ system: 'urn:fhir-gateway:codesystem:drchrono:message-kind', code: 'patient-message' }],
        },
      ],
      subject: refOf(patient),
      sender: refOf(doctor),
      topic: { text: 'Your results' },
      payload: [{ contentString: 'All results are normal.' }],
    } as AnyResource;
    expect(drchronoCreateRow(message)).toEqual({ row: 'patient_messages' });
    const answer = await create('patient_messages', reverse('patient_messages', message));
    expect(await native('patient_messages', answer.id)).toMatchObject({
      subject: 'Your results',
      body: 'All results are normal.',
      patient: Number(nativeIds.get(`Patient/${patient.id}`)),
    });
    const mapped = mapOne('patient_messages', 'Communication', answer);
    expect(mapOne('patient_messages', 'Communication', await polled('patient_messages', answer.id))).toEqual(
      mapped,
    );

    // A payment written from the FHIR form of an existing one: every mapped field survives.
    const [existing] = (await drain(session, rowOf(catalog, 'patient_payments'))).records as Loose[];
    const source = mapOne('patient_payments', 'PaymentReconciliation', existing);
    const { id: _id, identifier: _identifier, meta: _meta, ...input } = source;
    const paymentAnswer = await create('patient_payments', reverse('patient_payments', input as AnyResource));
    expect(paymentAnswer.id).not.toBe(existing?.id);
    const payment = mapOne('patient_payments', 'PaymentReconciliation', paymentAnswer);
    const { id: _a, identifier: _b, meta: _c, created: _d, ...kept } = payment;
    const { created: _e, ...expected } = input as Loose;
    expect(kept).toEqual(expected);
  });

  it.each([
    ['patient_communications', 'Communication'],
    ['patient_interventions', 'Procedure'],
    ['patient_physical_exams', 'Observation'],
    ['patient_risk_assessments', 'Observation'],
    ['signed_consent_forms', 'DocumentReference'],
    ['amendments', 'DocumentReference'],
  ])(
    'Create %s from its FHIR form: routed by the input, every mapped field kept, read back alike',
    async (row, type) => {
      const list = (await (
        await fetch(`${sim.url}/api/${row}`, { headers: { authorization: `Bearer ${token}` } })
      ).json()) as { results: Loose[] };
      const existing = list.results[0] as Loose;
      const { id: _id, identifier: _identifier, meta: _meta, ...input } = mapOne(row, type, existing);
      expect(drchronoCreateRow(input as AnyResource)).toEqual({ row });
      const answer = await create(row, reverse(row, input as AnyResource));
      expect(answer.id).not.toBe(existing.id);
      const created = mapOne(row, type, answer);
      const { id: _a, identifier: _b, meta: _c, ...kept } = created;
      // DrChrono stamps its own times on a new record (signature date); the rest is the input's.
      const unstamped = (r: Loose) => {
        const { date: _d, content, ...rest } = r;
        return {
          ...rest,
          content: (content as Loose[] | undefined)?.map(({ attachment }) => ({
            attachment: { ...(attachment as Loose), creation: undefined },
          })),
        };
      };
      expect(unstamped(kept)).toEqual(unstamped(input));
      expect(mapOne(row, type, await session.read(rowOf(catalog, row), String(answer.id)))).toEqual(created);
    },
  );

  it('Update and delete an amendment; a partial update leaves the file and the rest untouched', async () => {
    const patient = patients[0] as AnyResource;
    const input: AnyResource = {
      resourceType: 'DocumentReference',
      status: 'current',
      type: { coding: [{ system: 'http://loinc.org', code: '11503-0' }], text: 'Allergy correction' },
      category: [
        { coding: [{ system: 'urn:fhir-gateway:codesystem:drchrono:document-category', code: 'amendment' }] },
      ],
      subject: refOf(patient),
      author: [refOf(doctor)],
      description: 'Patient asked to correct the allergy list',
      content: [{ attachment: { url: 'https://files.example.org/amendment-1.pdf' } }],
    };
    const answer = await create('amendments', reverse('amendments', input));
    const before = await native('amendments', answer.id);
    const created = mapOne('amendments', 'DocumentReference', answer);
    const body = changed(
      reverse('amendments', created),
      reverse('amendments', { ...created, description: 'Corrected: no penicillin allergy' } as AnyResource),
    );
    expect(body).toEqual({ comments: 'Corrected: no penicillin allergy' });
    await session.write(rowOf(catalog, 'amendments'), 'patch', { nativeId: String(answer.id), body });
    expect(await native('amendments', answer.id)).toEqual({
      ...before,
      comments: 'Corrected: no penicillin allergy',
    });
    expect(await session.write(rowOf(catalog, 'amendments'), 'delete', { nativeId: String(answer.id) })).toBe(
      undefined,
    );
    expect(await native('amendments', answer.id)).toBeUndefined();
  });

  it('Clinical Notes Read: notes are polled, and a read by id (fresh) maps as the poll does', async () => {
    const notes = (await drain(session, rowOf(catalog, 'clinical_notes'))).records as Loose[];
    const note = notes.find((n) => mappings.forward('drchrono', 'clinical_notes', n, scope).ok) as Loose;
    const polledNote = mapOne('clinical_notes', 'DocumentReference', note);
    expect(polledNote.category).toEqual([
      expect.objectContaining({ coding: [expect.objectContaining({ code: 'clinical-note' })] }),
    ]);
    const read = await session.read(rowOf(catalog, 'clinical_notes'), String(note.id));
    expect(mapOne('clinical_notes', 'DocumentReference', read)).toEqual(polledNote);
    expect(await session.read(rowOf(catalog, 'clinical_notes'), '1')).toBeUndefined();
  });

  it('OnPatient invite: send, read, revoke (named operations)', async () => {
    const id = String(patientRecords[1]?.id);
    const sent = (await session.invoke?.(op('drchrono.patient.onpatient_invite_send'), {
      nativeId: id,
      body: { email: 'portal@example.org' },
    })) as Loose;
    expect(String(sent.id)).toBe(id);
    expect(mapOne('patients', 'Patient', sent).resourceType).toBe('Patient');
    expect(
      await session.invoke?.(op('drchrono.patient.onpatient_access_read'), { nativeId: id }),
    ).toMatchObject({
      email: 'portal@example.org',
      status: 'Invited',
    });
    expect(await session.invoke?.(op('drchrono.patient.onpatient_invite_revoke'), { nativeId: id })).toBe(
      undefined,
    );
    await expect(
      session.invoke?.(op('drchrono.patient.onpatient_access_read'), { nativeId: id }),
    ).rejects.toMatchObject({ code: 'not_found', status: 404 });
  });

  it('Apply and unapply a consent form to an appointment; an unknown appointment is refused with its field', async () => {
    const appointment = String(
      ((await drain(session, rowOf(catalog, 'appointments'))).records as Loose[])[0]?.id,
    );
    for (const id of ['drchrono.consent_form.apply', 'drchrono.consent_form.unapply']) {
      expect(
        await session.invoke?.(op(id), { nativeId: '18001', body: { appointment: Number(appointment) } }),
        id,
      ).toBe(undefined);
    }
    const refused = await session
      .invoke?.(op('drchrono.consent_form.apply'), { nativeId: '18001', body: { appointment: 1 } })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SourceError);
    expect(refused).toMatchObject({ code: 'rejected', status: 400, sourceCode: 'field:appointment' });
    expect((refused as Error).message).not.toContain('1"');
  });

  it('bad input: refused before any call (unsupported operation, missing ids); source refusals name the field, create nothing', async () => {
    const requests = () => sim.counters.total();
    const before = requests();
    await expect(
      session.write(rowOf(catalog, 'tasks'), 'delete', { nativeId: '6600001' }),
    ).rejects.toMatchObject({ code: 'rejected' });
    await expect(
      session.write(rowOf(catalog, 'tasks'), 'patch', { body: { title: 'x' } }),
    ).rejects.toMatchObject({
      code: 'rejected',
    });
    await expect(session.invoke?.(op('drchrono.patient.onpatient_access_read'), {})).rejects.toMatchObject({
      code: 'rejected',
    });
    // A reference the gateway cannot resolve fails the reverse mapping: nothing to send.
    const stray = mappings.reverse(
      'drchrono',
      'appointments',
      {
        resourceType: 'Appointment',
        status: 'booked',
        participant: [{ actor: { reference: 'Patient/unknown' }, status: 'accepted' }],
      } as AnyResource,
      { resolveNativeId: (ref) => nativeIds.get(ref) },
    );
    expect(stray.ok).toBe(false);
    expect(requests()).toBe(before);

    const countTasks = async () => (await drain(session, rowOf(catalog, 'tasks'))).records.length;
    const tasksBefore = await countTasks();
    const noTitle = await create('tasks', { status: 5101 }).catch((e: unknown) => e);
    expect(noTitle).toMatchObject({ code: 'rejected', status: 400, sourceCode: 'field:title' });
    expect(await countTasks()).toBe(tasksBefore);
  });
});

function basicInput(kind: string, name: string): AnyResource {
  return {
    resourceType: 'Basic',
    code: { coding: [{ system: 'urn:fhir-gateway:codesystem:basic-kind', code: kind }], text: name },
  } as AnyResource;
}
