import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRCHRONO_ACTIONS } from '../../src/connectors/drchrono/actions.ts';
import { gatewayId } from '../../src/fhir/identity.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import type { Connection } from '../../src/store/port.ts';
import { connectDrChrono } from '../connectors/helpers.ts';
import { changesOf, type MutationGateway, nativeIdOf, startMutationGateway } from './mutation-harness.ts';

const TENANT = 'drc-config';
type Loose = Record<string, unknown>;
type Created = Resource & { id: string; gatewayProvenance: { nativeId: string } };

const CONSENT = { system: 'http://loinc.org', code: '59284-0' };
const PRACTITIONER_EXT = 'urn:fhir-gateway:extension:practitioner';
const FLAG_KIND = {
  coding: [{ system: 'urn:fhir-gateway:codesystem:basic-kind', code: 'drchrono-patient-flag-type' }],
};

/**
 * DrChrono's practice configuration through GraphQL against the simulator over HTTP (issue 15/13):
 * consent forms (Questionnaire), patient flag types (Basic), clinical note templates with their field
 * types (Questionnaire items). Each write checks the simulator's record, the store and the change log
 * (one event; the next poll emits nothing).
 */
describe('DrChrono configuration actions through GraphQL', () => {
  let sim: RunningDrChronoSimulator;
  let gateway: MutationGateway;
  let connection: Connection;
  let token: string;
  let doctorId: string;
  const native = async (path: string, id: unknown): Promise<Loose | undefined> => {
    const res = await fetch(`${sim.url}/api/${path}/${String(id)}?verbose=true`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return res.status === 404 ? undefined : ((await res.json()) as Loose);
  };
  const withoutStamp = (r: Loose | undefined) => {
    const { updated_at: _u, ...rest } = r ?? {};
    return rest;
  };
  const mutate = (field: string, type: string, args: string, variables: Loose) =>
    gateway.gql(
      TENANT,
      `mutation(${args.includes('$patch') ? '$patch: JSON!' : `$res: ${type}Input!`}) { ${field}(${args}) { id gatewayProvenance { nativeId } } }`,
      variables,
    );
  const allOf = async (type: string): Promise<Resource[]> => {
    const all: Resource[] = [];
    let after: string | undefined;
    do {
      const page = await gateway.store.resources.list(TENANT, type, {
        limit: 1000,
        ...(after ? { after } : {}),
      });
      all.push(...page.items.map((i) => i.resource));
      after = page.next;
    } while (after);
    return all;
  };
  /** The resources mapped from one DrChrono list (their native-id identifier names it). */
  const fromRow = async (type: string, row: string) =>
    (await allOf(type)).filter((r) =>
      (r as Resource & { identifier?: { system?: string }[] }).identifier?.some((i) =>
        i.system?.endsWith(`/${row}`),
      ),
    );
  const expectChangesAfterPoll = async (type: string, id: string, actions: string[]) => {
    expect((await changesOf(gateway.store, TENANT, type, id)).map((c) => c.action)).toEqual(actions);
    await gateway.poll(connection);
    expect((await changesOf(gateway.store, TENANT, type, id)).map((c) => c.action)).toEqual(actions);
  };
  const consentForm = (title: string, url: string, required: boolean) => ({
    status: 'active',
    title,
    code: [CONSENT],
    subjectType: ['Patient'],
    extension: [
      { url: PRACTITIONER_EXT, valueReference: { reference: `Practitioner/${doctorId}` } },
      { url: 'urn:fhir-gateway:extension:assign-by-default', valueBoolean: true },
    ],
    item: [
      { linkId: 'form', text: title, type: 'attachment', required, initial: [{ valueAttachment: { url } }] },
    ],
  });

  beforeAll(async () => {
    sim = await startDrChronoSimulator({ seed: 47, patients: 2, rateLimits: false });
    token = sim.issueAccessToken().accessToken;
    gateway = await startMutationGateway();
    connection = await connectDrChrono(gateway.store, sim, { tenant: TENANT, id: 'drc-1' });
    await gateway.poll(connection);
    doctorId = (await fromRow('Practitioner', 'doctors'))[0]?.id as string;
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await sim?.close();
  });

  it('syncs consent forms as Questionnaires: title, file, mandatory; the identifier a signed form names finds it', async () => {
    const forms = await fromRow('Questionnaire', 'consent_forms');
    expect(forms.length).toBeGreaterThan(0);
    for (const form of forms) {
      const record = (await native('consent_forms', nativeIdOf(form, connection))) as Loose;
      expect(form).toMatchObject({
        title: record.title,
        status: 'active',
        code: [CONSENT],
        item: [
          {
            linkId: 'form',
            type: 'attachment',
            required: record.is_mandatory,
            initial: [{ valueAttachment: { url: record.uri } }],
          },
        ],
      });
    }
    const one = forms[0] as Resource & { id: string; title?: string };
    const found = await gateway.gql(
      TENANT,
      `{ QuestionnaireList(identifier: "urn:fhir-gateway:codesystem:drchrono:consent-form|${nativeIdOf(one, connection)}") { id title } }`,
    );
    expect(found.errors).toBeUndefined();
    expect(found.data?.QuestionnaireList).toEqual([{ id: one.id, title: one.title }]);
    const byId = await gateway.gql(TENANT, `{ Questionnaire(id: "${one.id}") { id status } }`);
    expect(byId.data?.Questionnaire).toEqual({ id: one.id, status: 'active' });
  });

  it('QuestionnaireCreate of a consent form writes it to /api/consent_forms; QuestionnairePatch changes only the title', async () => {
    const created = await mutate(
      'QuestionnaireCreate',
      'Questionnaire',
      'connection: "drc-1", idempotencyKey: "cf-1", res: $res',
      { res: consentForm('Telehealth consent', 'https://files.example.org/telehealth.pdf', true) },
    );
    expect(created.errors).toBeUndefined();
    const form = created.data?.QuestionnaireCreate as Created;
    const before = await native('consent_forms', form.gatewayProvenance.nativeId);
    expect(before).toMatchObject({
      title: 'Telehealth consent',
      uri: 'https://files.example.org/telehealth.pdf',
      is_mandatory: true,
      assign_by_default: true,
      doctor: Number(
        nativeIdOf(
          (await gateway.store.resources.read(TENANT, 'Practitioner', doctorId))?.resource as Resource,
          connection,
        ),
      ),
    });
    await expectChangesAfterPoll('Questionnaire', form.id, ['created']);

    const patched = await mutate(
      'QuestionnairePatch',
      'Questionnaire',
      `id: "${form.id}", idempotencyKey: "cf-2", patch: $patch`,
      { patch: { title: 'Telehealth consent (2027)' } },
    );
    expect(patched.errors).toBeUndefined();
    expect(withoutStamp(await native('consent_forms', form.gatewayProvenance.nativeId))).toEqual({
      ...withoutStamp(before),
      title: 'Telehealth consent (2027)',
    });
    await expectChangesAfterPoll('Questionnaire', form.id, ['created', 'updated']);
  });

  it('QuestionnaireUpdate of a consent form replaces the file and makes it optional; the title stays', async () => {
    const created = await mutate(
      'QuestionnaireCreate',
      'Questionnaire',
      'connection: "drc-1", idempotencyKey: "cf-3", res: $res',
      { res: consentForm('Photo release', 'https://files.example.org/photo-v1.pdf', true) },
    );
    const form = created.data?.QuestionnaireCreate as Created;
    const before = await native('consent_forms', form.gatewayProvenance.nativeId);
    const updated = await mutate(
      'QuestionnaireUpdate',
      'Questionnaire',
      `id: "${form.id}", idempotencyKey: "cf-4", res: $res`,
      { res: consentForm('Photo release', 'https://files.example.org/photo-v2.pdf', false) },
    );
    expect(updated.errors).toBeUndefined();
    expect(withoutStamp(await native('consent_forms', form.gatewayProvenance.nativeId))).toEqual({
      ...withoutStamp(before),
      uri: 'https://files.example.org/photo-v2.pdf',
      is_mandatory: false,
    });
    await expectChangesAfterPoll('Questionnaire', form.id, ['created', 'updated']);
  });

  it('refuses a Questionnaire that is not a consent form (note templates are read-only) before any call, and stores nothing', async () => {
    const calls = sim.counters.total();
    const before = (await allOf('Questionnaire')).length;
    const refused = await mutate(
      'QuestionnaireCreate',
      'Questionnaire',
      'connection: "drc-1", idempotencyKey: "cf-5", res: $res',
      {
        res: {
          status: 'active',
          title: 'My own template',
          item: [{ linkId: '1', text: 'Mood', type: 'string' }],
        },
      },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('VALIDATION');
    expect(refused.errors?.[0]?.message).toContain('must say which record it is');
    expect(sim.counters.total()).toBe(calls);
    expect(await allOf('Questionnaire')).toHaveLength(before);
  });

  it('a consent form without its doctor is refused by DrChrono as VALIDATION, and nothing is stored', async () => {
    const before = (await allOf('Questionnaire')).length;
    const res = consentForm('No owner', 'https://files.example.org/x.pdf', false);
    const refused = await mutate(
      'QuestionnaireCreate',
      'Questionnaire',
      'connection: "drc-1", idempotencyKey: "cf-6", res: $res',
      { res: { ...res, extension: res.extension.filter((e) => e.url !== PRACTITIONER_EXT) } },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('VALIDATION');
    expect(JSON.stringify(refused.errors)).not.toContain('No owner');
    expect(await allOf('Questionnaire')).toHaveLength(before);
  });

  it('BasicCreate of a patient flag type writes /api/patient_flag_types; BasicPatch changes only its colour; Basic(id) reads it', async () => {
    const created = await mutate(
      'BasicCreate',
      'Basic',
      'connection: "drc-1", idempotencyKey: "ft-1", res: $res',
      {
        res: {
          code: { ...FLAG_KIND, text: 'Hearing impaired' },
          author: { reference: `Practitioner/${doctorId}` },
          extension: [
            { url: 'urn:fhir-gateway:extension:color', valueString: '#22AA44' },
            { url: 'urn:fhir-gateway:extension:priority', valueInteger: 3 },
          ],
        },
      },
    );
    expect(created.errors).toBeUndefined();
    const flag = created.data?.BasicCreate as Created;
    const before = await native('patient_flag_types', flag.gatewayProvenance.nativeId);
    expect(before).toMatchObject({
      name: 'Hearing impaired',
      color: '#22AA44',
      priority: 3,
      archived: false,
    });
    await expectChangesAfterPoll('Basic', flag.id, ['created']);

    const patched = await mutate(
      'BasicPatch',
      'Basic',
      `id: "${flag.id}", idempotencyKey: "ft-2", patch: $patch`,
      {
        patch: {
          extension: [
            { url: 'urn:fhir-gateway:extension:archived', valueBoolean: false },
            { url: 'urn:fhir-gateway:extension:color', valueString: '#000000' },
            { url: 'urn:fhir-gateway:extension:priority', valueInteger: 3 },
          ],
        },
      },
    );
    expect(patched.errors).toBeUndefined();
    expect(withoutStamp(await native('patient_flag_types', flag.gatewayProvenance.nativeId))).toEqual({
      ...withoutStamp(before),
      color: '#000000',
    });
    await expectChangesAfterPoll('Basic', flag.id, ['created', 'updated']);

    const read = await gateway.gql(
      TENANT,
      `{ Basic(id: "${flag.id}") { code { text coding { system code } } } }`,
    );
    expect(read.data?.Basic).toMatchObject({ code: { text: 'Hearing impaired' } });
  });

  it('BasicUpdate of a synced flag type renames it in DrChrono and leaves colour and priority as they are', async () => {
    const flag = (await fromRow('Basic', 'patient_flag_types')).find(
      (r) => !JSON.stringify(r).includes('Hearing impaired'),
    ) as Resource & Loose;
    expect(flag).toBeDefined();
    const nativeId = nativeIdOf(flag, connection);
    const before = await native('patient_flag_types', nativeId);
    const { id: _id, meta: _meta, identifier: _identifier, gatewayProvenance: _p, ...res } = flag;
    const code = flag.code as { text: string };
    const updated = await mutate(
      'BasicUpdate',
      'Basic',
      `id: "${flag.id}", idempotencyKey: "ft-3", res: $res`,
      {
        res: { ...res, resourceType: undefined, code: { ...code, text: 'Fall risk (high)' } },
      },
    );
    expect(updated.errors).toBeUndefined();
    expect(withoutStamp(await native('patient_flag_types', nativeId))).toEqual({
      ...withoutStamp(before),
      name: 'Fall risk (high)',
    });
    await expectChangesAfterPoll('Basic', flag.id as string, ['created', 'updated']);
  });

  it('syncs note templates as Questionnaires whose items are the field types; a field type id finds its template', async () => {
    const template = (await fromRow('Questionnaire', 'clinical_note_templates'))[0];
    expect(template).toBeDefined();
    const templateId = nativeIdOf(template as Resource, connection);
    const res = await fetch(`${sim.url}/api/clinical_note_field_types?clinical_note_template=${templateId}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const fieldTypes = ((await res.json()) as { results: Loose[] }).results;
    expect(fieldTypes.length).toBeGreaterThan(0);
    const read = await gateway.gql(
      TENANT,
      `{ Questionnaire(id: "${template?.id}") { title item { linkId text type required } } }`,
    );
    expect(read.errors).toBeUndefined();
    expect(((read.data ?? {}).Questionnaire as { item: Loose[] }).item).toEqual(
      fieldTypes.map((f) => ({ linkId: String(f.id), text: f.name, type: 'string', required: f.required })),
    );
    const field = fieldTypes[1] as Loose;
    const found = await gateway.gql(
      TENANT,
      `{ QuestionnaireList(code: "urn:fhir-gateway:codesystem:drchrono:note-field-type|${String(field.id)}") { id } }`,
    );
    expect(found.data?.QuestionnaireList).toEqual([{ id: template?.id }]);
  });

  it('syncs the patient payment log as AuditEvents that AuditEvent(id) reads: action, patient, amount', async () => {
    // AuditEvent has no identifier element: the entry's gateway id comes from its native key.
    const list = await fetch(`${sim.url}/api/patient_payment_log`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const records = ((await list.json()) as { results: Loose[] }).results;
    expect(records.length).toBeGreaterThan(0);
    const record = records[0] as Loose;
    const entry = {
      id: gatewayId({
        tenant: TENANT,
        connectionId: connection.id,
        source: 'drchrono',
        sourceType: 'patient_payment_log',
        nativeId: String(record.id),
      }),
    };
    const read = await gateway.gql(
      TENANT,
      `{ AuditEvent(id: "${entry.id}") { action subtype { code } entity { what { reference } detail { type valueString } } } }`,
    );
    expect(read.errors).toBeUndefined();
    const patients = await fromRow('Patient', 'patients');
    const patient = patients.find((p) => nativeIdOf(p, connection) === String(record.patient));
    expect(read.data?.AuditEvent).toMatchObject({
      action: record.action === 'C' ? 'C' : record.action === 'D' ? 'D' : 'U',
      subtype: [{ code: record.action }],
      entity: [
        {
          what: { reference: `Patient/${patient?.id}` },
          detail: [
            { type: 'amount', valueString: String(record.amount) },
            { type: 'payment_method', valueString: record.payment_method },
            { type: 'source', valueString: record.source },
          ],
        },
        {},
      ],
    });
  });

  it('QuestionnaireResponseCreate writes a clinical note field value; QuestionnaireResponsePatch changes only its value', async () => {
    const encounter = (await fromRow('Encounter', 'appointments'))[0] as Resource & { id: string };
    const appointment = nativeIdOf(encounter, connection);
    const types = await fetch(`${sim.url}/api/clinical_note_field_types`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const field = ((await types.json()) as { results: Loose[] }).results[0] as Loose;
    const created = await mutate(
      'QuestionnaireResponseCreate',
      'QuestionnaireResponse',
      'connection: "drc-1", idempotencyKey: "fv-1", res: $res',
      {
        res: {
          status: 'completed',
          encounter: { reference: `Encounter/${encounter.id}` },
          item: [{ linkId: String(field.id), answer: [{ valueString: 'Headache for two days' }] }],
        },
      },
    );
    expect(created.errors).toBeUndefined();
    const value = created.data?.QuestionnaireResponseCreate as Created;
    const before = await native('clinical_note_field_values', value.gatewayProvenance.nativeId);
    expect(before).toMatchObject({
      appointment: Number(appointment),
      clinical_note_field: field.id,
      value: 'Headache for two days',
    });
    await expectChangesAfterPoll('QuestionnaireResponse', value.id, ['created']);

    const patched = await mutate(
      'QuestionnaireResponsePatch',
      'QuestionnaireResponse',
      `id: "${value.id}", idempotencyKey: "fv-2", patch: $patch`,
      {
        patch: { item: [{ linkId: String(field.id), answer: [{ valueString: 'Headache for three days' }] }] },
      },
    );
    expect(patched.errors).toBeUndefined();
    expect(
      withoutStamp(await native('clinical_note_field_values', value.gatewayProvenance.nativeId)),
    ).toEqual({
      ...withoutStamp(before),
      value: 'Headache for three days',
    });
    await expectChangesAfterPoll('QuestionnaireResponse', value.id, ['created', 'updated']);
    const read = await gateway.gql(
      TENANT,
      `{ QuestionnaireResponse(id: "${value.id}") { encounter { reference } item { linkId answer { valueString } } } }`,
    );
    expect(read.data?.QuestionnaireResponse).toEqual({
      encounter: { reference: `Encounter/${encounter.id}` },
      item: [{ linkId: String(field.id), answer: [{ valueString: 'Headache for three days' }] }],
    });
  });

  it('a field value for a field type DrChrono does not have is refused as VALIDATION, and nothing is stored', async () => {
    const encounter = (await fromRow('Encounter', 'appointments'))[0] as Resource & { id: string };
    const before = (await allOf('QuestionnaireResponse')).length;
    const refused = await mutate(
      'QuestionnaireResponseCreate',
      'QuestionnaireResponse',
      'connection: "drc-1", idempotencyKey: "fv-3", res: $res',
      {
        res: {
          status: 'completed',
          encounter: { reference: `Encounter/${encounter.id}` },
          item: [{ linkId: '1', answer: [{ valueString: 'Private words' }] }],
        },
      },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('VALIDATION');
    expect(JSON.stringify(refused.errors)).not.toContain('Private words');
    expect(await allOf('QuestionnaireResponse')).toHaveLength(before);
  });

  it('BasicCreate of a yellow notepad writes the pad of a visit and template; a second create replaces its text; Basic(id, fresh) reads an edit made in DrChrono', async () => {
    const encounter = (await fromRow('Encounter', 'appointments'))[0] as Resource & { id: string };
    const template = (await fromRow('Questionnaire', 'clinical_note_templates'))[0] as Resource & {
      id: string;
    };
    const keys = `appointment_id=${nativeIdOf(encounter, connection)}&template_id=${nativeIdOf(template, connection)}`;
    const pad = (text: string) => ({
      code: {
        coding: [{ system: 'urn:fhir-gateway:codesystem:basic-kind', code: 'drchrono-yellow-notepad' }],
      },
      subject: { reference: `Encounter/${encounter.id}` },
      extension: [
        {
          url: 'urn:fhir-gateway:extension:note-template',
          valueReference: { reference: `Questionnaire/${template.id}` },
        },
        { url: 'urn:fhir-gateway:extension:note-text', valueString: text },
      ],
    });
    const readPad = async () =>
      (await (
        await fetch(`${sim.url}/api/yellow_notepad?${keys}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as Loose;

    const first = await mutate(
      'BasicCreate',
      'Basic',
      'connection: "drc-1", idempotencyKey: "yn-1", res: $res',
      {
        res: pad('Ask about the new inhaler'),
      },
    );
    expect(first.errors).toBeUndefined();
    const created = first.data?.BasicCreate as Created;
    expect(await readPad()).toMatchObject({ content: 'Ask about the new inhaler' });
    expect(created.gatewayProvenance.nativeId).toBe(
      `${nativeIdOf(encounter, connection)}-${nativeIdOf(template, connection)}`,
    );
    await expectChangesAfterPoll('Basic', created.id, ['created']);

    const second = await mutate(
      'BasicCreate',
      'Basic',
      'connection: "drc-1", idempotencyKey: "yn-2", res: $res',
      {
        res: pad('Ask about the new inhaler and the cough'),
      },
    );
    expect(second.errors).toBeUndefined();
    expect(((second.data ?? {}).BasicCreate as Created).id).toBe(created.id);
    expect(await readPad()).toMatchObject({ content: 'Ask about the new inhaler and the cough' });
    await expectChangesAfterPoll('Basic', created.id, ['created', 'updated']);

    // Edited in DrChrono: a fresh find reads it through (by its keys) and stores it, one change.
    await fetch(`${sim.url}/api/yellow_notepad`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...(await readPad()), content: 'Cough resolved' }),
    });
    const fresh = await gateway.gql(
      TENANT,
      `{ Basic(id: "${created.id}", fresh: true) { extension { url valueString } } }`,
    );
    expect(fresh.errors).toBeUndefined();
    expect(JSON.stringify(fresh.data?.Basic)).toContain('Cough resolved');
    expect((await changesOf(gateway.store, TENANT, 'Basic', created.id)).map((c) => c.action)).toEqual([
      'created',
      'updated',
      'updated',
    ]);
  });

  it('a consent form create whose answer was lost is found on retry with the same key: one form in DrChrono, one change', async () => {
    const inDrChrono = async (title: string) => {
      const res = await fetch(`${sim.url}/api/consent_forms?page_size=250`, {
        headers: { authorization: `Bearer ${token}` },
      });
      return ((await res.json()) as { results: Loose[] }).results.filter((r) => r.title === title);
    };
    const res = consentForm('Lost answer consent', 'https://files.example.org/lost.pdf', false);
    sim.faults.update({ lostResponse: 1 });
    try {
      const lost = await mutate(
        'QuestionnaireCreate',
        'Questionnaire',
        'connection: "drc-1", idempotencyKey: "cf-lost", res: $res',
        { res },
      );
      expect(lost.errors?.[0]?.extensions?.code).toBe('SOURCE_UNAVAILABLE');
    } finally {
      sim.faults.update({ lostResponse: 0 });
    }
    expect(await inDrChrono('Lost answer consent')).toHaveLength(1);
    const posts = () =>
      sim.counters.total((route, status) => route === 'POST /api/consent_forms' && status !== 0);
    const before = posts();
    expect(before).toBeGreaterThan(0); // the lost POST was counted
    const retry = await mutate(
      'QuestionnaireCreate',
      'Questionnaire',
      'connection: "drc-1", idempotencyKey: "cf-lost", res: $res',
      { res },
    );
    expect(retry.errors).toBeUndefined();
    const form = retry.data?.QuestionnaireCreate as Created;
    expect((await inDrChrono('Lost answer consent')).map((r) => String(r.id))).toEqual([
      form.gatewayProvenance.nativeId,
    ]);
    expect(posts()).toBe(before);
    await expectChangesAfterPoll('Questionnaire', form.id, ['created']);
  });
});

// The seed actions this file tests through GraphQL (test/actions/drchrono-every-action.test.ts
// counts an available action as tested when its id is quoted in a test file).
const SEED_ACTIONS_TESTED_HERE = [
  'drchrono.patient_flag_type.create',
  'drchrono.patient_flag_type.update',
  'drchrono.patient_flag_type.read',
  'drchrono.patient_payment_log.read',
  'drchrono.clinical_note_field_value.update',
  'drchrono.clinical_note_template.read',
  'drchrono.yellow_notepad.create',
  'drchrono.yellow_notepad.retrieve',
  'drchrono.consent_form.create',
  'drchrono.consent_form.update',
  'drchrono.consent_form.read',
];

describe('seed actions tested in this file', () => {
  it('are all available in the action catalog', () => {
    for (const id of SEED_ACTIONS_TESTED_HERE)
      expect(DRCHRONO_ACTIONS.find((a) => a.id === id)?.status, id).toBe('available');
  });
});
