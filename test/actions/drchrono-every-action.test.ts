import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMergePatch } from '../../src/actions/merge-patch.ts';
import { DRCHRONO_ACTIONS } from '../../src/connectors/drchrono/actions.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import type { Change, Connection } from '../../src/store/port.ts';
import { connectDrChrono } from '../connectors/helpers.ts';
import { changesAfter, projectMappings, realConnectors } from '../sync/real-sources.ts';
import { type MutationGateway, nativeIdOf, startMutationGateway } from './mutation-harness.ts';

const TENANT = 'drc-every';
const CONNECTION = 'drc-1';
type Loose = Record<string, unknown>;
type Stored = { id: string; nativeId: string; resource: Resource & Loose };

/** The seed triggers a created or updated change of each row satisfies (src/connectors/drchrono/triggers.ts). */
const TRIGGERS: Record<string, string[]> = {
  patients: ['drchrono.patient.new_or_updated', 'drchrono.patient_summary.new_or_updated'],
  appointments: ['drchrono.appointment.new_or_updated', 'drchrono.appointments_list.new_or_updated'],
  patient_messages: ['drchrono.patient_message.new_or_updated'],
  patient_payments: ['drchrono.patient_payment.new_or_updated'],
  documents: ['drchrono.document.new_or_updated'],
  tasks: ['drchrono.task.new_or_updated'],
  task_notes: ['drchrono.task_note.new_or_updated'],
  task_categories: ['drchrono.task_category.new_or_updated'],
  task_statuses: ['drchrono.task_status.new_or_updated'],
  task_templates: ['drchrono.task_template.new_or_updated'],
};
const triggersOf = (row: string) => TRIGGERS[row] ?? [];
/** GraphQL input type names (`Task.input` is the backbone `TaskInput`, so Task's input is `TaskInput_`). */
const inputOf = (type: string) => (type === 'Task' ? 'TaskInput_' : `${type}Input`);
/** Other resources one record of the row also maps to (an appointment is an Encounter too). */
const COMPANIONS: Record<string, string[]> = { appointments: ['Encounter'] };

const MESSAGE_KIND = 'urn:fhir-gateway:codesystem:drchrono:message-kind';
const BASIC_KIND = 'urn:fhir-gateway:codesystem:basic-kind';
const TASK_CATEGORY = 'urn:fhir-gateway:codesystem:drchrono:task-category';
const DOCUMENT_CATEGORY = 'urn:fhir-gateway:codesystem:drchrono:document-category';

/**
 * Every DrChrono action of issue 15's scope whose status is `available`, through GraphQL against
 * the simulator over HTTP, one case per action id: the simulator's record (read over its own API),
 * the gateway's store, and the change log (exactly one event of the right kind and triggers; the
 * next poll adds none). Updates send only what changed: every other native field stays as it was.
 */
describe('every available DrChrono action through GraphQL', () => {
  let sim: RunningDrChronoSimulator;
  let gateway: MutationGateway;
  let connection: Connection;
  let token: string;
  let keys = 0;
  const key = () => `k-${++keys}`;

  // --- the simulator, over its own HTTP API -------------------------------------------------
  const simGet = async (path: string): Promise<Loose | undefined> => {
    const res = await fetch(`${sim.url}/api/${path}`, { headers: { authorization: `Bearer ${token}` } });
    return res.status === 404 ? undefined : ((await res.json()) as Loose);
  };
  const native = (row: string, id: string) => simGet(`${row}/${id}?verbose=true`);
  const simList = async (row: string) => ((await simGet(row))?.results ?? []) as Loose[];
  const simPatch = async (row: string, id: string, body: Loose) => {
    const res = await fetch(`${sim.url}/api/${row}/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(204);
  };
  /** A record without DrChrono's own write stamps. */
  const unstamped = (record: Loose | undefined) => {
    const { updated_at: _u, timestamp: _t, ...rest } = record ?? {};
    return rest;
  };
  const itemReads = (row: string) => sim.counters.total((route) => route.startsWith(`GET /api/${row}/`));
  /** What the gateway's connector sent to DrChrono's consent forms: method and path. */
  const sent: string[] = [];
  const recording: typeof fetch = (input, init) => {
    const { pathname } = new URL(input instanceof Request ? input.url : String(input));
    if (pathname.startsWith('/api/consent_forms/')) sent.push(`${init?.method ?? 'GET'} ${pathname}`);
    return fetch(input, init);
  };

  // --- the gateway ----------------------------------------------------------------------------
  const gql = async (query: string, variables: Loose = {}) => gateway.gql(TENANT, query, variables);
  const ok = async (query: string, variables: Loose, field: string) => {
    const result = await gql(query, variables);
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return (result.data as Record<string, { id: string; meta: { versionId: string } }>)[field] as {
      id: string;
      meta: { versionId: string };
    };
  };
  const stored = async (type: string, id: string): Promise<Stored> => {
    const found = await gateway.store.resources.read(TENANT, type, id);
    if (!found) throw new Error(`${type}/${id} not stored`);
    const resource = found.resource as Resource & Loose;
    return { id, nativeId: nativeIdOf(resource, connection), resource };
  };
  /** A stored resource of the row (its native-id identifier names the row). */
  const storedOfRow = async (type: string, row: string, skip = 0): Promise<Stored> => {
    const page = await gateway.store.resources.list(TENANT, type, { limit: 500 });
    const ofRow = page.items.filter((item) =>
      (item.resource as { identifier?: { system?: string; value?: string }[] }).identifier?.some(
        (i) => i.system?.endsWith(`/${CONNECTION}/${row}`) && !i.value?.includes('#'),
      ),
    );
    const item = ofRow[skip];
    if (!item) throw new Error(`no stored ${type} of ${row}`);
    return stored(type, item.id);
  };
  const forwardOf = (row: string, type: string, record: unknown): Resource & Loose => {
    const result = projectMappings().forward('drchrono', row, record, {
      tenant: TENANT,
      connectionId: CONNECTION,
      source: 'drchrono',
    });
    if (!result.ok) throw new Error(`${row} does not map`);
    const found = result.resources.find((r) => r.resourceType === type);
    if (!found) throw new Error(`no ${type} from ${row}`);
    return found as Resource & Loose;
  };
  /** A resource as mutation input: no resourceType, id, meta or native-id identifier. */
  const asInput = (resource: Resource & Loose): Loose => {
    const { resourceType: _r, id: _i, meta: _m, identifier: _n, text: _t, ...rest } = resource;
    return rest;
  };

  /** Runs a mutation or find; answers its result with the change events it appended. */
  const withChanges = async <T>(run: () => Promise<T>): Promise<{ result: T; changes: Change[] }> => {
    const { cursor } = await changesAfter(gateway.store, undefined);
    const result = await run();
    const after = await changesAfter(gateway.store, cursor);
    return { result, changes: after.changes.filter((c) => c.tenant === TENANT) };
  };
  /** Exactly one change of that kind and triggers for the resource; the next poll adds none. */
  const expectOneChange = async (
    changes: Change[],
    expected: { type: string; id: string; action: string; triggers: string[]; row: string },
  ) => {
    const companions = COMPANIONS[expected.row] ?? [];
    const { row: _row, ...main } = expected;
    expect(
      changes
        .filter((c) => !companions.includes(c.type))
        .map((c) => ({ type: c.type, id: c.id, action: c.action, triggers: [...c.triggers].sort() })),
    ).toEqual([{ ...main, triggers: [...expected.triggers].sort() }]);
    // A companion changes with its record when its own fields do: created with it, at most once after.
    for (const type of companions) {
      const actions = changes.filter((c) => c.type === type).map((c) => c.action);
      if (expected.action === 'created') expect(actions, type).toEqual(['created']);
      else
        expect(
          actions.filter((a) => a !== expected.action),
          type,
        ).toEqual([]);
      expect(actions.length, type).toBeLessThanOrEqual(1);
    }
    const { changes: polled } = await withChanges(() => gateway.poll(connection));
    expect(polled.map((c) => `${c.type}/${c.id} ${c.action}`)).toEqual([]);
  };

  const createCase =
    (type: string, row: string, input: () => Promise<Loose>, expectNative: (input: Loose) => Loose) =>
    async () => {
      const res = await input();
      const { result, changes } = await withChanges(() =>
        ok(
          `mutation($res: ${inputOf(type)}!, $key: String!) { ${type}Create(connection: "${CONNECTION}", res: $res, idempotencyKey: $key) { id meta { versionId } } }`,
          { res, key: key() },
          `${type}Create`,
        ),
      );
      const created = await stored(type, result.id);
      expect(created.resource.identifier).toContainEqual(
        expect.objectContaining({ system: expect.stringMatching(new RegExp(`/${CONNECTION}/${row}$`)) }),
      );
      expect(created.resource.meta?.versionId).toBe(result.meta.versionId);
      expect(await native(row, created.nativeId)).toMatchObject(expectNative(res));
      await expectOneChange(changes, {
        type,
        id: result.id,
        action: 'created',
        triggers: triggersOf(row),
        row,
      });
    };

  /**
   * XUpdate with one field changed, then XPatch with another: each sends only that field, so the
   * source record is the one before with exactly the expected native fields changed.
   */
  const updateCase =
    (
      type: string,
      row: string,
      target: () => Promise<Stored>,
      edits: {
        update: { change: Loose; native: Loose };
        patch: { patch: Loose; native: Loose };
      },
    ) =>
    async () => {
      const { id, nativeId, resource } = await target();
      const before = await native(row, nativeId);
      const replaced = asInput(applyMergePatch(resource, edits.update.change) as Resource & Loose);
      const updated = await withChanges(() =>
        ok(
          `mutation($res: ${inputOf(type)}!, $key: String!) { ${type}Update(id: "${id}", res: $res, idempotencyKey: $key) { id meta { versionId } } }`,
          { res: { ...replaced, identifier: resource.identifier }, key: key() },
          `${type}Update`,
        ),
      );
      const afterUpdate = await native(row, nativeId);
      expect(unstamped(afterUpdate)).toEqual({ ...unstamped(before), ...edits.update.native });
      expect((await stored(type, id)).resource.meta?.versionId).toBe(updated.result.meta.versionId);
      await expectOneChange(updated.changes, { type, id, action: 'updated', triggers: triggersOf(row), row });

      const patched = await withChanges(() =>
        ok(
          `mutation($patch: JSON!, $key: String!) { ${type}Patch(id: "${id}", patch: $patch, idempotencyKey: $key) { id meta { versionId } } }`,
          { patch: edits.patch.patch, key: key() },
          `${type}Patch`,
        ),
      );
      expect(unstamped(await native(row, nativeId))).toEqual({
        ...unstamped(afterUpdate),
        ...edits.patch.native,
      });
      expect((await stored(type, id)).resource.meta?.versionId).toBe(patched.result.meta.versionId);
      await expectOneChange(patched.changes, { type, id, action: 'updated', triggers: triggersOf(row), row });
    };

  /**
   * `X(id)` answers the stored copy without calling DrChrono; `X(id, fresh: true)` reads it from
   * DrChrono. With `edit` the record is first changed at the source: the fresh read stores the new
   * version, announced once; unchanged, it stores and announces nothing.
   */
  const findCase =
    (type: string, row: string, edit?: { body: Loose; expect: (r: Resource & Loose) => void }) =>
    async () => {
      const target = await storedOfRow(type, row);
      const reads = itemReads(row);
      const plain = await ok(`{ ${type}(id: "${target.id}") { id meta { versionId } } }`, {}, type);
      expect(plain).toEqual({ id: target.id, meta: { versionId: target.resource.meta?.versionId } });
      expect(itemReads(row)).toBe(reads);

      if (edit) await simPatch(row, target.nativeId, edit.body);
      const { result, changes } = await withChanges(() =>
        ok(`{ ${type}(id: "${target.id}", fresh: true) { id meta { versionId } } }`, {}, type),
      );
      expect(itemReads(row)).toBe(reads + 1);
      const after = await stored(type, target.id);
      expect(result.meta.versionId).toBe(after.resource.meta?.versionId);
      if (!edit) {
        expect(after.resource).toEqual(target.resource);
        expect(changes).toEqual([]);
        return;
      }
      edit.expect(after.resource);
      await expectOneChange(changes, {
        type,
        id: target.id,
        action: 'updated',
        triggers: triggersOf(row),
        row,
      });
    };

  /** XDelete of a record made for it: gone (or archived) at DrChrono, deleted in the store, one event. */
  const deleteCase =
    (type: string, row: string, make: () => Promise<Stored>, atSource: (r: Loose | undefined) => void) =>
    async () => {
      const target = await make();
      const { result, changes } = await withChanges(() =>
        ok(
          `mutation($key: String!) { ${type}Delete(id: "${target.id}", idempotencyKey: $key) { id } }`,
          { key: key() },
          `${type}Delete`,
        ),
      );
      expect(result.id).toBe(target.id);
      atSource(await native(row, target.nativeId));
      expect((await gateway.store.resources.read(TENANT, type, target.id))?.deleted).toBe(true);
      await expectOneChange(changes, { type, id: target.id, action: 'deleted', triggers: [], row });
    };

  /** A record made through GraphQL for a case that needs its own (delete, CQM updates). */
  const made = async (type: string, res: Loose): Promise<Stored> => {
    const answer = await ok(
      `mutation($res: ${inputOf(type)}!, $key: String!) { ${type}Create(connection: "${CONNECTION}", res: $res, idempotencyKey: $key) { id meta { versionId } } }`,
      { res, key: key() },
      `${type}Create`,
    );
    return stored(type, answer.id);
  };

  // --- inputs -------------------------------------------------------------------------------
  const ref = (s: Stored) => ({ reference: `${s.resource.resourceType}/${s.id}` });
  const patientInput = async (family: string, birthDate: string): Promise<Loose> => ({
    name: [{ use: 'official', family, given: ['Kofi'] }],
    gender: 'male',
    birthDate,
    generalPractitioner: [ref(await storedOfRow('Practitioner', 'doctors'))],
  });
  /** A CQM entry (patient communication, intervention, exam, risk assessment): the FHIR form of one DrChrono has. */
  const cqmInput = async (row: string, type: string) => {
    const record = (await simList(row))[0] as Loose;
    return { record, input: asInput(forwardOf(row, type, record)) };
  };
  const CQM_FIELDS = ['doctor', 'patient', 'code', 'code_system', 'value_code', 'value_code_system'];
  const pick = (record: Loose, fields: string[]) => Object.fromEntries(fields.map((f) => [f, record[f]]));
  const cqmCreate = (row: string, type: string) =>
    createCase(
      type,
      row,
      async () => (await cqmInput(row, type)).input,
      () => cqmExpected.get(row) ?? {},
    );
  const cqmExpected = new Map<string, Loose>();
  const cqmMade = async (row: string, type: string) => {
    const { input } = await cqmInput(row, type);
    return made(type, input);
  };
  /** A CQM entry's value: DrChrono's value_code (the exam's result, the intervention's kind…). */
  const cqmUpdate = (row: string, type: string, valueElement: string, codes: [string, string]) =>
    updateCase(type, row, () => cqmMade(row, type), {
      update: {
        change: { [valueElement]: codedValue(codes[0]) },
        // DrChrono derives value_name from the code itself.
        native: { value_code: codes[0], value_name: expect.any(String) },
      },
      patch: {
        patch: { [valueElement]: codedValue(codes[1]) },
        native: { value_code: codes[1], value_name: expect.any(String) },
      },
    });
  const codedValue = (code: string) => ({ coding: [{ system: 'http://snomed.info/sct', code }] });

  const documentInput = async (description: string, extra: Loose = {}): Promise<Loose> => {
    const patient = await storedOfRow('Patient', 'patients');
    const doctor = await storedOfRow('Practitioner', 'doctors');
    return {
      status: 'current',
      description,
      type: { coding: [{ system: 'http://loinc.org', code: '11503-0' }] },
      subject: ref(patient),
      author: [ref(doctor)],
      content: [{ attachment: { url: `https://files.example.org/${keys}.pdf`, creation: '2031-03-04' } }],
      ...extra,
    };
  };
  const amendmentInput = (description: string) =>
    documentInput(description, {
      category: [{ coding: [{ system: DOCUMENT_CATEGORY, code: 'amendment' }] }],
      type: { coding: [{ system: 'http://loinc.org', code: '11503-0' }], text: 'Allergy correction' },
    });
  const appointmentInput = async (start: string): Promise<Loose> => {
    const patient = await storedOfRow('Patient', 'patients');
    const doctor = await storedOfRow('Practitioner', 'doctors');
    const office = await storedOfRow('Location', 'offices');
    return {
      status: 'booked',
      description: 'Follow-up visit',
      start,
      end: new Date(Date.parse(start) + 30 * 60_000).toISOString().replace('.000', ''),
      minutesDuration: 30,
      participant: [
        { actor: ref(patient), status: 'accepted' },
        { actor: ref(doctor), status: 'accepted' },
        { actor: ref(office), status: 'accepted' },
      ],
    };
  };
  const basicInput = (kind: string, name: string, extra: Loose[] = []): Loose => ({
    code: { coding: [{ system: BASIC_KIND, code: kind }, ...extra], text: name },
  });
  const taskInput = async (description: string): Promise<Loose> => {
    const task = await storedOfRow('Task', 'tasks');
    const patient = await storedOfRow('Patient', 'patients');
    return {
      ...asInput(task.resource),
      description,
      for: ref(patient),
      restriction: { period: { end: '2031-02-03T10:00:00Z' } },
    };
  };

  // --- named operations on a record named by id ----------------------------------------------
  const routeCalls = (part: string, status?: number) =>
    sim.counters.total((route, s) => route.includes(part) && (status === undefined || s === status));
  const operation = async (field: string, id: string, res: Loose | undefined, idempotencyKey = key()) =>
    gql(
      `mutation($res: JSON, $key: String!) { ${field}(connection: "${CONNECTION}", id: "${id}", res: $res, idempotencyKey: $key) }`,
      { res, key: idempotencyKey },
    );
  const params = (...parameter: Loose[]) => ({ resourceType: 'Parameters', parameter });
  const invitePatient = () => storedOfRow('Patient', 'patients', 1);
  const sendInvite = async (patient: Stored, idempotencyKey = key()) => {
    const result = await gql(
      `mutation($res: JSON, $key: String!) { drchronoPatientOnpatientInviteSend(connection: "${CONNECTION}", id: "${patient.id}", res: $res, idempotencyKey: $key) { id meta { versionId } } }`,
      { res: params({ name: 'email', valueString: 'portal@example.org' }), key: idempotencyKey },
    );
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    return (result.data as { drchronoPatientOnpatientInviteSend: { id: string } })
      .drchronoPatientOnpatientInviteSend;
  };
  /** The blank consent form is named by its Questionnaire's gateway id; DrChrono gets its own id in the path. */
  const consentCase = (field: string, path: string) => async () => {
    const form = await storedOfRow('Questionnaire', 'consent_forms');
    const appointment = await storedOfRow('Appointment', 'appointments');
    const before = routeCalls(path, 204);
    const sentBefore = sent.length;
    const { result, changes } = await withChanges(() =>
      operation(field, form.id, params({ name: 'appointment', valueReference: ref(appointment) })),
    );
    expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
    expect(result.data?.[field]).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information' }],
    });
    // DrChrono answered 204 to the consent form and appointment the caller named, by their native ids.
    expect(routeCalls(path, 204)).toBe(before + 1);
    expect(sent.slice(sentBefore)).toEqual([`POST /api/consent_forms/${form.nativeId}/${path}`]);
    expect(changes).toEqual([]);
  };

  // --- one case per available action id ------------------------------------------------------
  const CASES: Record<string, () => Promise<void>> = {
    'drchrono.patient.create': createCase(
      'Patient',
      'patients',
      () => patientInput('Mensah', '1975-09-30'),
      () => ({ first_name: 'Kofi', last_name: 'Mensah', gender: 'Male', date_of_birth: '1975-09-30' }),
    ),
    'drchrono.patient.update': updateCase('Patient', 'patients', () => storedOfRow('Patient', 'patients'), {
      update: { change: { birthDate: '1961-02-03' }, native: { date_of_birth: '1961-02-03' } },
      patch: {
        patch: { name: [{ use: 'official', family: 'Renamed', given: ['Pat'] }] },
        native: { first_name: 'Pat', last_name: 'Renamed' },
      },
    }),
    'drchrono.patient.read': findCase('Patient', 'patients', {
      body: { email: 'fresh.read@example.org' },
      expect: (r) =>
        expect(r.telecom).toContainEqual(expect.objectContaining({ value: 'fresh.read@example.org' })),
    }),
    'drchrono.patient.delete': deleteCase(
      'Patient',
      'patients',
      async () => made('Patient', await patientInput('Leaving', '1980-01-02')),
      (record) => expect(record).toBeUndefined(),
    ),
    'drchrono.patient.onpatient_invite_send': async () => {
      const patient = await invitePatient();
      const INVITE = 'POST /api/patients/:id/onpatient_access';
      const posts = routeCalls(INVITE);
      const { result, changes } = await withChanges(() => sendInvite(patient, 'invite-1'));
      // The answer is the patient, as stored; the invite itself lives at DrChrono.
      expect(result).toEqual({ id: patient.id, meta: { versionId: patient.resource.meta?.versionId } });
      expect(await simGet(`patients/${patient.nativeId}/onpatient_access`)).toMatchObject({
        email: 'portal@example.org',
        status: 'Invited',
      });
      // The patient record did not change: no event, and none from the next poll.
      expect(changes).toEqual([]);
      const { changes: polled } = await withChanges(() => gateway.poll(connection));
      expect(polled).toEqual([]);
      // A retry with the same key answers the first result without a second e-mail.
      const calls = routeCalls(INVITE);
      expect(await sendInvite(patient, 'invite-1')).toEqual(result);
      expect(routeCalls(INVITE)).toBe(calls);
      expect(calls).toBe(posts + 1);
    },
    'drchrono.patient.onpatient_access_read': async () => {
      const patient = await invitePatient();
      await sendInvite(patient);
      const result = await operation('drchronoPatientOnpatientAccessRead', patient.id, undefined);
      expect(result.errors).toBeUndefined();
      expect(result.data?.drchronoPatientOnpatientAccessRead).toEqual(
        params(
          { name: 'email', valueString: 'portal@example.org' },
          { name: 'status', valueString: 'Invited' },
        ),
      );
    },
    'drchrono.patient.onpatient_invite_revoke': async () => {
      const patient = await invitePatient();
      await sendInvite(patient);
      const { result, changes } = await withChanges(() =>
        operation('drchronoPatientOnpatientInviteRevoke', patient.id, undefined),
      );
      expect(result.errors).toBeUndefined();
      expect(result.data?.drchronoPatientOnpatientInviteRevoke).toMatchObject({
        resourceType: 'OperationOutcome',
      });
      expect(await simGet(`patients/${patient.nativeId}/onpatient_access`)).toBeUndefined();
      expect(changes).toEqual([]);
      // Reading it now: DrChrono's 404, as a GraphQL error with its code.
      const gone = await operation('drchronoPatientOnpatientAccessRead', patient.id, undefined);
      expect(gone.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    },
    'drchrono.consent_form.apply': consentCase('drchronoConsentFormApply', 'apply_to_appointment'),
    'drchrono.consent_form.unapply': consentCase('drchronoConsentFormUnapply', 'unapply_from_appointment'),
    'drchrono.patient_message.create': createCase(
      'Communication',
      'patient_messages',
      async () => ({
        status: 'completed',
        category: [{ coding: [{ system: MESSAGE_KIND, code: 'patient-message' }] }],
        subject: ref(await storedOfRow('Patient', 'patients')),
        sender: ref(await storedOfRow('Practitioner', 'doctors')),
        topic: { text: 'Your results' },
        payload: [{ contentString: 'All results are normal.' }],
      }),
      () => ({ subject: 'Your results', body: 'All results are normal.' }),
    ),
    'drchrono.patient_message.read': findCase('Communication', 'patient_messages', {
      body: { subject: 'Updated subject' },
      expect: (r) => expect(r.topic).toEqual({ text: 'Updated subject' }),
    }),
    'drchrono.patient_communication.create': cqmCreate('patient_communications', 'Communication'),
    'drchrono.patient_communication.update': cqmUpdate('patient_communications', 'Communication', 'topic', [
      '171055003',
      '385763009',
    ]),
    'drchrono.patient_intervention.create': cqmCreate('patient_interventions', 'Procedure'),
    'drchrono.patient_intervention.update': cqmUpdate('patient_interventions', 'Procedure', 'category', [
      '409063005',
      '385804009',
    ]),
    'drchrono.patient_physical_exam.create': cqmCreate('patient_physical_exams', 'Observation'),
    'drchrono.patient_physical_exam.update': cqmUpdate(
      'patient_physical_exams',
      'Observation',
      'valueCodeableConcept',
      ['263654008', '17621005'],
    ),
    'drchrono.patient_risk_assessment.create': cqmCreate('patient_risk_assessments', 'Observation'),
    'drchrono.patient_risk_assessment.update': cqmUpdate(
      'patient_risk_assessments',
      'Observation',
      'valueCodeableConcept',
      ['75540009', '723505004'],
    ),
    'drchrono.patient_payment.create': createCase(
      'PaymentReconciliation',
      'patient_payments',
      async () => {
        const existing = await storedOfRow('PaymentReconciliation', 'patient_payments');
        return { ...asInput(existing.resource), paymentAmount: { value: 12.5, currency: 'USD' } };
      },
      () => ({ amount: 12.5 }),
    ),
    'drchrono.patient_payment.read': findCase('PaymentReconciliation', 'patient_payments'),
    'drchrono.appointment.create': (() => {
      // Booked with an appointment profile: its ActivityDefinition, sent as DrChrono's `profile`.
      let profile: Stored | undefined;
      return createCase(
        'Appointment',
        'appointments',
        async () => {
          profile = await storedOfRow('ActivityDefinition', 'appointment_profiles');
          return {
            ...(await appointmentInput('2031-05-06T09:00:00Z')),
            supportingInformation: [ref(profile)],
          };
        },
        () => ({
          scheduled_time: '2031-05-06T09:00:00',
          duration: 30,
          reason: 'Follow-up visit',
          profile: Number(profile?.nativeId),
        }),
      );
    })(),
    'drchrono.appointment.update': updateCase(
      'Appointment',
      'appointments',
      async () => made('Appointment', await appointmentInput('2031-05-07T09:00:00Z')),
      {
        update: { change: { comment: 'Bring lab results' }, native: { notes: 'Bring lab results' } },
        patch: { patch: { status: 'arrived' }, native: { status: 'Arrived' } },
      },
    ),
    'drchrono.appointment.read': findCase('Appointment', 'appointments', {
      body: { notes: 'Parking at the back' },
      expect: (r) => expect(r.comment).toBe('Parking at the back'),
    }),
    'drchrono.appointment.delete': deleteCase(
      'Appointment',
      'appointments',
      async () => made('Appointment', await appointmentInput('2031-05-08T09:00:00Z')),
      // DrChrono deletes appointments softly.
      (record) => expect(record?.deleted_flag).toBe(true),
    ),
    'drchrono.clinical_note.read': findCase('DocumentReference', 'clinical_notes'),
    'drchrono.amendment.create': createCase(
      'DocumentReference',
      'amendments',
      () => amendmentInput('Patient asked to correct the allergy list'),
      (input) => ({
        amendment_name: 'Allergy correction',
        comments: 'Patient asked to correct the allergy list',
        amendment_file: (input.content as { attachment: { url: string } }[])[0]?.attachment.url,
      }),
    ),
    'drchrono.amendment.update': updateCase(
      'DocumentReference',
      'amendments',
      async () => made('DocumentReference', await amendmentInput('First wording')),
      {
        update: { change: { description: 'Second wording' }, native: { comments: 'Second wording' } },
        patch: {
          patch: {
            type: { coding: [{ system: 'http://loinc.org', code: '11503-0' }], text: 'Medication fix' },
          },
          native: { amendment_name: 'Medication fix' },
        },
      },
    ),
    'drchrono.amendment.delete': deleteCase(
      'DocumentReference',
      'amendments',
      async () => made('DocumentReference', await amendmentInput('Withdrawn request')),
      (record) => expect(record).toBeUndefined(),
    ),
    'drchrono.document.create': createCase(
      'DocumentReference',
      'documents',
      () => documentInput('Imaging report'),
      (input) => ({
        description: 'Imaging report',
        date: '2031-03-04',
        document: (input.content as { attachment: { url: string } }[])[0]?.attachment.url,
      }),
    ),
    'drchrono.document.update': updateCase(
      'DocumentReference',
      'documents',
      async () => made('DocumentReference', await documentInput('Referral letter')),
      {
        update: {
          change: { description: 'Referral letter (signed)' },
          native: { description: 'Referral letter (signed)' },
        },
        patch: {
          patch: {
            content: [{ attachment: { url: 'https://files.example.org/v2.pdf', creation: '2031-03-05' } }],
          },
          native: { document: 'https://files.example.org/v2.pdf', date: '2031-03-05' },
        },
      },
    ),
    'drchrono.document.read': findCase('DocumentReference', 'documents', {
      body: { description: 'Discharge summary (amended)' },
      expect: (r) => expect(r.description).toBe('Discharge summary (amended)'),
    }),
    'drchrono.signed_consent_form.create': createCase(
      'DocumentReference',
      'signed_consent_forms',
      async () => {
        const record = (await simList('signed_consent_forms'))[0] as Loose;
        const input = asInput(forwardOf('signed_consent_forms', 'DocumentReference', record));
        return { ...input, content: [{ attachment: { url: 'https://files.example.org/signature-9.png' } }] };
      },
      () => ({ signature_file: 'https://files.example.org/signature-9.png', archived: false }),
    ),
    'drchrono.signed_consent_form.update': async () => {
      // Two signatures of one consent form by one patient: DrChrono's collection PATCH must touch
      // only the one named (its id), and only the fields that changed.
      const record = (await simList('signed_consent_forms'))[0] as Loose;
      const input = asInput(forwardOf('signed_consent_forms', 'DocumentReference', record));
      const sibling = await made('DocumentReference', input);
      const siblingBefore = await native('signed_consent_forms', sibling.nativeId);
      await updateCase('DocumentReference', 'signed_consent_forms', () => made('DocumentReference', input), {
        update: {
          change: { content: [{ attachment: { url: 'https://files.example.org/signature-2.png' } }] },
          native: { signature_file: 'https://files.example.org/signature-2.png' },
        },
        patch: { patch: { status: 'entered-in-error' }, native: { archived: true } },
      })();
      expect(await native('signed_consent_forms', sibling.nativeId)).toEqual(siblingBefore);

      // The patient and the consent form of a signature cannot change (DrChrono's body has neither):
      // refused before any call, nothing stored.
      const calls = sim.counters.total();
      const other = [
        await storedOfRow('Patient', 'patients', 0),
        await storedOfRow('Patient', 'patients', 1),
      ].find(
        (p) => p.id !== (sibling.resource.subject as { reference: string }).reference.split('/')[1],
      ) as Stored;
      const refused = await gql(
        `mutation($patch: JSON!) { DocumentReferencePatch(id: "${sibling.id}", patch: $patch, idempotencyKey: "${key()}") { id } }`,
        { patch: { subject: ref(other) } },
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_BY_SOURCE');
      expect(refused.errors?.[0]?.message).toContain('patient');
      expect(sim.counters.total()).toBe(calls);
      expect((await stored('DocumentReference', sibling.id)).resource).toEqual(sibling.resource);
    },
    'drchrono.task.create': createCase(
      'Task',
      'tasks',
      () => taskInput('Call back about results'),
      () => ({ title: 'Call back about results', due_date: { due_date: '2031-02-03T10:00:00' } }),
    ),
    'drchrono.task.update': updateCase('Task', 'tasks', () => storedOfRow('Task', 'tasks'), {
      update: { change: { description: 'Call back today' }, native: { title: 'Call back today' } },
      patch: { patch: { priority: 'urgent' }, native: { priority: '30' } },
    }),
    'drchrono.task.read': findCase('Task', 'tasks', {
      body: { title: 'Renamed at the source' },
      expect: (r) => expect(r.description).toBe('Renamed at the source'),
    }),
    'drchrono.task_note.create': createCase(
      'Communication',
      'task_notes',
      async () => ({
        status: 'completed',
        category: [{ coding: [{ system: MESSAGE_KIND, code: 'task-note' }] }],
        about: [ref(await storedOfRow('Task', 'tasks'))],
        payload: [{ contentString: 'Faxed the referral' }],
      }),
      () => ({ text: 'Faxed the referral', archived: false }),
    ),
    'drchrono.task_note.update': updateCase(
      'Communication',
      'task_notes',
      () => storedOfRow('Communication', 'task_notes'),
      {
        update: {
          change: { payload: [{ contentString: 'Left a voicemail' }] },
          native: { text: 'Left a voicemail' },
        },
        patch: { patch: { status: 'entered-in-error' }, native: { archived: true } },
      },
    ),
    'drchrono.task_note.read': findCase('Communication', 'task_notes', {
      body: { text: 'Edited at the source' },
      expect: (r) => expect(r.payload).toEqual([{ contentString: 'Edited at the source' }]),
    }),
    'drchrono.task_category.create': createCase(
      'Basic',
      'task_categories',
      async () => basicInput('drchrono-task-category', 'Callbacks'),
      () => ({ name: 'Callbacks', archived: false }),
    ),
    'drchrono.task_category.update': updateCase(
      'Basic',
      'task_categories',
      () => storedOfRow('Basic', 'task_categories', 1),
      {
        update: { change: { code: { text: 'Clinical follow-up' } }, native: { name: 'Clinical follow-up' } },
        patch: { patch: { code: { text: 'Follow-up' } }, native: { name: 'Follow-up' } },
      },
    ),
    'drchrono.task_category.read': findCase('Basic', 'task_categories', {
      body: { name: 'Renamed category' },
      expect: (r) => expect((r.code as { text?: string }).text).toBe('Renamed category'),
    }),
    'drchrono.task_status.create': createCase(
      'Basic',
      'task_statuses',
      async () =>
        basicInput('drchrono-task-status', 'Waiting on patient', [
          { system: 'http://hl7.org/fhir/task-status', code: 'on-hold' },
        ]),
      () => ({ name: 'Waiting on patient', status_category: 'H' }),
    ),
    'drchrono.task_status.update': updateCase(
      'Basic',
      'task_statuses',
      () => storedOfRow('Basic', 'task_statuses', 1),
      {
        update: { change: { code: { text: 'Open (new)' } }, native: { name: 'Open (new)' } },
        patch: { patch: { code: { text: 'Open again' } }, native: { name: 'Open again' } },
      },
    ),
    'drchrono.task_status.read': findCase('Basic', 'task_statuses', {
      body: { name: 'Renamed status' },
      expect: (r) => expect((r.code as { text?: string }).text).toBe('Renamed status'),
    }),
    'drchrono.task_template.create': createCase(
      'ActivityDefinition',
      'task_templates',
      async () => ({
        status: 'active',
        title: 'Results callback',
        kind: 'Task',
        description: 'Phone the patient with results',
        code: { coding: [{ system: TASK_CATEGORY, code: '4101' }], text: 'Results callback' },
      }),
      () => ({
        name: 'Results callback',
        default_note: 'Phone the patient with results',
        default_category: 4101,
      }),
    ),
    'drchrono.task_template.update': updateCase(
      'ActivityDefinition',
      'task_templates',
      () => storedOfRow('ActivityDefinition', 'task_templates', 1),
      {
        update: { change: { title: 'Renamed template' }, native: { name: 'Renamed template' } },
        patch: { patch: { description: 'A default note' }, native: { default_note: 'A default note' } },
      },
    ),
    'drchrono.task_template.read': findCase('ActivityDefinition', 'task_templates', {
      body: { name: 'Renamed at the source' },
      expect: (r) => expect(r.title).toBe('Renamed at the source'),
    }),
  };

  beforeAll(async () => {
    sim = await startDrChronoSimulator({ seed: 43, patients: 2, rateLimits: false });
    token = sim.issueAccessToken().accessToken;
    // The request budget has its own tests: here it would only pace ~40 cases' polls.
    gateway = await startMutationGateway({
      connectors: (store) => realConnectors(store, { limits: 'off', fetch: recording }),
    });
    connection = await connectDrChrono(gateway.store, sim, { tenant: TENANT, id: CONNECTION });
    await gateway.poll(connection);
    for (const row of [
      'patient_communications',
      'patient_interventions',
      'patient_physical_exams',
      'patient_risk_assessments',
    ])
      cqmExpected.set(row, pick((await simList(row))[0] as Loose, CQM_FIELDS));
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await sim?.close();
  });

  it.each(Object.keys(CASES))('%s', async (id) => {
    await (CASES[id] as () => Promise<void>)();
  });

  it('named operations refuse bad ids and inputs before any call to DrChrono', async () => {
    const patient = await invitePatient();
    const appointment = await storedOfRow('Appointment', 'appointments');
    const other = await connectDrChrono(gateway.store, sim, { tenant: TENANT, id: 'drc-2' });
    const elsewhere = await connectDrChrono(gateway.store, sim, { tenant: 'drc-other', id: 'drc-3' });
    const calls = sim.counters.total();
    const codeOf = async (result: Promise<{ errors?: readonly { extensions?: Loose }[] }>) =>
      (await result).errors?.[0]?.extensions?.code;
    const invite = (connectionId: string, id: string, tenant = TENANT) =>
      gateway.gql(
        tenant,
        `mutation { drchronoPatientOnpatientInviteSend(connection: "${connectionId}", id: "${id}", idempotencyKey: "${key()}") { id } }`,
      );
    // A patient of the same tenant but another connection; one the caller's tenant does not hold.
    expect(await codeOf(invite(other.id, patient.id))).toBe('FOREIGN_REFERENCE');
    expect(await codeOf(invite(elsewhere.id, patient.id, 'drc-other'))).toBe('NOT_FOUND');
    // Not a Patient id (an Appointment's), and an id outside the grammar.
    expect(await codeOf(invite(CONNECTION, appointment.id))).toBe('NOT_FOUND');
    expect(await codeOf(invite(CONNECTION, 'Patient/../x'))).toBe('NOT_FOUND');
    // Consent forms are named by their Questionnaire's gateway id: checked like the patient.
    const form = await storedOfRow('Questionnaire', 'consent_forms');
    const template = await storedOfRow('Questionnaire', 'clinical_note_templates');
    const apply = (id: string, res: Loose, connectionId = CONNECTION, tenant = TENANT) =>
      gateway.gql(
        tenant,
        `mutation($res: JSON) { drchronoConsentFormApply(connection: "${connectionId}", id: "${id}", res: $res, idempotencyKey: "${key()}") }`,
        { res },
      );
    const named = params({ name: 'appointment', valueReference: ref(appointment) });
    // A missing appointment; the form through another connection of the tenant, or another tenant.
    expect(await codeOf(apply(form.id, params()))).toBe('VALIDATION');
    expect(await codeOf(apply(form.id, named, other.id))).toBe('FOREIGN_REFERENCE');
    expect(await codeOf(apply(form.id, named, elsewhere.id, 'drc-other'))).toBe('NOT_FOUND');
    // A Questionnaire that is not a consent form (a note template), an Appointment's id, an id
    // outside the grammar, and DrChrono's numeric form id (no longer taken: gateway ids only).
    expect(await codeOf(apply(template.id, named))).toBe('FOREIGN_REFERENCE');
    expect(await codeOf(apply(appointment.id, named))).toBe('NOT_FOUND');
    expect(await codeOf(apply('18001; DROP', named))).toBe('NOT_FOUND');
    expect(await codeOf(apply(form.nativeId, named))).toBe('NOT_FOUND');
    expect(sim.counters.total()).toBe(calls);
    // DrChrono's own refusal (a form it no longer has, still in the store until the next scan).
    const { id: _id, meta: _meta, ...copy } = form.resource;
    const stale = {
      ...copy,
      id: 'stale-consent-form',
      identifier: (form.resource.identifier as { system: string; value: string }[]).map((i) =>
        i.value === form.nativeId ? { ...i, value: '999' } : i,
      ),
    } as Resource;
    await gateway.store.resources.put(TENANT, stale, { connection: CONNECTION });
    expect(await codeOf(apply('stale-consent-form', named))).toBe('NOT_FOUND');
    expect(sim.counters.total()).toBe(calls + 1);
  });

  it('a lost invite answer: the retry with the same key is CONFLICT and sends no second invite', async () => {
    const patient = await invitePatient();
    sim.faults.update({ lostResponse: 1 });
    const lost = await gql(
      `mutation { drchronoPatientOnpatientInviteSend(connection: "${CONNECTION}", id: "${patient.id}", idempotencyKey: "invite-lost") { id } }`,
    ).finally(() => sim.faults.update({ lostResponse: 0 }));
    expect(lost.errors?.[0]?.extensions?.code).toBe('SOURCE_UNAVAILABLE');
    expect(await simGet(`patients/${patient.nativeId}/onpatient_access`)).toMatchObject({
      status: 'Invited',
    });
    const posts = routeCalls('POST /api/patients');
    const retry = await gql(
      `mutation { drchronoPatientOnpatientInviteSend(connection: "${CONNECTION}", id: "${patient.id}", idempotencyKey: "invite-lost") { id } }`,
    );
    expect(retry.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    expect(routeCalls('POST /api/patients')).toBe(posts);
  });

  it('has a GraphQL case for every available in-scope DrChrono action, here or in another test/actions file', () => {
    const available = DRCHRONO_ACTIONS.filter((a) => a.status === 'available').map((a) => a.id);
    expect(available.length).toBeGreaterThan(40);
    // Other engineers' DrChrono actions may be tested in their own files: an action id quoted in a
    // test/actions test file counts; otherwise it must have a case here.
    const dir = import.meta.dirname;
    const elsewhere = readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts') && f !== 'drchrono-every-action.test.ts')
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .concat(readFileSync(join(dir, '../sync/chart-finds.test.ts'), 'utf8'))
      .join('\n');
    const missing = available.filter((id) => !(id in CASES) && !elsewhere.includes(`'${id}'`));
    expect(missing).toEqual([]);
    for (const id of Object.keys(CASES))
      expect(DRCHRONO_ACTIONS.find((a) => a.id === id)?.status, id).toBe('available');
  });
});
