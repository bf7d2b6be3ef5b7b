import type { Resource } from 'fhir/r4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRCHRONO_ACTIONS } from '../../src/connectors/drchrono/actions.ts';
import {
  type RunningDrChronoSimulator,
  startDrChronoSimulator,
} from '../../src/simulators/drchrono/index.ts';
import type { Connection } from '../../src/store/port.ts';
import { connectDrChrono } from '../connectors/helpers.ts';
import { changesOf, type MutationGateway, nativeIdOf, startMutationGateway } from './mutation-harness.ts';

const TENANT = 'drc-cal';
type Loose = Record<string, unknown>;
type Created = Resource & { id: string; gatewayProvenance: { nativeId: string } };
const LOCATION_EXT = 'urn:fhir-gateway:extension:location';

/**
 * DrChrono's calendar configuration (the Appointments section's schedule blocks, appointment
 * profiles, …) through GraphQL against the simulator over HTTP: each action checks the simulator's
 * state, the store and the change log (one event; the next poll emits nothing).
 */
describe('DrChrono calendar configuration through GraphQL', () => {
  let sim: RunningDrChronoSimulator;
  let gateway: MutationGateway;
  let connection: Connection;
  let token: string;
  const native = async (path: string, id: unknown): Promise<Loose | undefined> => {
    const res = await fetch(`${sim.url}/api/${path}/${String(id)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return res.status === 404 ? undefined : ((await res.json()) as Loose);
  };
  const mutate = async (field: string, type: string, args: string, variables: Loose) =>
    gateway.gql(
      TENANT,
      `mutation(${args.includes('$patch') ? '$patch: JSON!' : `$res: ${type}Input!`}) { ${field}(${args}) { id gatewayProvenance { nativeId } } }`,
      variables,
    );
  const actionsOf = async (type: string, id: string) =>
    (await changesOf(gateway.store, TENANT, type, id)).map((c) => c.action);
  /** The change log holds `actions` for the resource, and a poll afterwards adds nothing. */
  const expectChangesStableAfterPoll = async (type: string, id: string, actions: string[]) => {
    expect(await actionsOf(type, id)).toEqual(actions);
    await gateway.poll(connection);
    expect(await actionsOf(type, id)).toEqual(actions);
  };
  /** A stored resource of the type whose native-id identifier is of `sourceType`. */
  const storedFrom = async (type: string, sourceType: string): Promise<Resource & { id: string }> => {
    const page = await gateway.store.resources.list(TENANT, type, { limit: 500 });
    const found = page.items.find((item) =>
      (item.resource as { identifier?: { system?: string }[] }).identifier?.some((i) =>
        i.system?.endsWith(`/${connection.id}/${sourceType}`),
      ),
    );
    if (!found) throw new Error(`no ${type} from ${sourceType} stored`);
    return found.resource as Resource & { id: string };
  };

  beforeAll(async () => {
    sim = await startDrChronoSimulator({ seed: 47, patients: 2, rateLimits: false });
    token = sim.issueAccessToken().accessToken;
    gateway = await startMutationGateway();
    connection = await connectDrChrono(gateway.store, sim, { tenant: TENANT, id: 'drc-cal-1' });
    await gateway.poll(connection);
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    await sim?.close();
  });

  describe('schedule blocks are busy-unavailable Slots on the doctor’s Schedule', () => {
    let schedule: Resource & { id: string };
    let location: Resource & { id: string };
    let created: Created;
    const slotInput = (overrides: Loose = {}) => ({
      extension: [{ url: LOCATION_EXT, valueReference: { reference: `Location/${location.id}` } }],
      schedule: { reference: `Schedule/${schedule.id}` },
      status: 'busy-unavailable',
      start: '2031-05-06T12:00:00Z',
      end: '2031-05-06T13:00:00Z',
      comment: 'Staff meeting',
      ...overrides,
    });

    beforeAll(async () => {
      schedule = await storedFrom('Schedule', 'doctors');
      location = await storedFrom('Location', 'offices');
    });

    it('the poll stores every seeded block as a Slot (Schedule blocks Read), readable by Slot(id)', async () => {
      const res = await fetch(`${sim.url}/api/schedule_blocks`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const seeded = ((await res.json()) as { results: Loose[] }).results;
      expect(seeded.length).toBeGreaterThan(0);
      const slot = await storedFrom('Slot', 'schedule_blocks');
      const read = await gateway.gql(
        TENANT,
        `{ Slot(id: "${slot.id}") { status start end comment schedule { reference } } }`,
      );
      expect(read.errors).toBeUndefined();
      const answered = (read.data as { Slot: Loose }).Slot;
      const record = seeded.find((r) => String(r.id) === nativeIdOf(slot, connection)) as Loose;
      expect(answered).toMatchObject({ status: 'busy-unavailable', comment: record.description });
      expect(String(answered.start).slice(0, 19)).toBe(record.start_time);
      const doctorSchedule = (await gateway.store.resources.list(TENANT, 'Schedule', { limit: 500 })).items
        .map((i) => i.resource)
        .find((s) => nativeIdOf(s, connection) === String(record.provider));
      expect(answered.schedule).toEqual({ reference: `Schedule/${doctorSchedule?.id}` });
    });

    it('SlotCreate books a block for the Schedule’s doctor in the extension’s office; one created change, none from the next poll', async () => {
      const result = await mutate(
        'SlotCreate',
        'Slot',
        'connection: "drc-cal-1", idempotencyKey: "sb-1", res: $res',
        {
          res: slotInput(),
        },
      );
      expect(result.errors).toBeUndefined();
      created = (result.data as { SlotCreate: Created }).SlotCreate;
      expect(await native('schedule_blocks', created.gatewayProvenance.nativeId)).toMatchObject({
        provider: Number(nativeIdOf(schedule, connection)),
        office: Number(nativeIdOf(location, connection)),
        start_time: '2031-05-06T12:00:00',
        end_time: '2031-05-06T13:00:00',
        description: 'Staff meeting',
      });
      const stored = await gateway.store.resources.read(TENANT, 'Slot', created.id);
      expect(stored?.resource).toMatchObject({ status: 'busy-unavailable', comment: 'Staff meeting' });
      await expectChangesStableAfterPoll('Slot', created.id, ['created']);
    });

    it('SlotPatch changes only the description in DrChrono; SlotUpdate moves the block', async () => {
      const nativeId = created.gatewayProvenance.nativeId;
      const before = await native('schedule_blocks', nativeId);
      const patched = await mutate(
        'SlotPatch',
        'Slot',
        `id: "${created.id}", idempotencyKey: "sb-2", patch: $patch`,
        {
          patch: { comment: 'Staff meeting (room 2)' },
        },
      );
      expect(patched.errors).toBeUndefined();
      expect(await native('schedule_blocks', nativeId)).toEqual({
        ...before,
        description: 'Staff meeting (room 2)',
      });

      const updated = await mutate(
        'SlotUpdate',
        'Slot',
        `id: "${created.id}", idempotencyKey: "sb-3", res: $res`,
        {
          res: slotInput({
            start: '2031-05-07T15:00:00Z',
            end: '2031-05-07T15:30:00Z',
            comment: 'Staff meeting (room 2)',
          }),
        },
      );
      expect(updated.errors).toBeUndefined();
      expect(await native('schedule_blocks', nativeId)).toEqual({
        ...before,
        description: 'Staff meeting (room 2)',
        start_time: '2031-05-07T15:00:00',
        end_time: '2031-05-07T15:30:00',
      });
      await expectChangesStableAfterPoll('Slot', created.id, ['created', 'updated', 'updated']);
    });

    it('a block that ends before it starts is refused by DrChrono: VALIDATION, nothing created or stored', async () => {
      const countBlocks = async () => {
        const res = await fetch(`${sim.url}/api/schedule_blocks?page_size=1000`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return ((await res.json()) as { results: unknown[] }).results.length;
      };
      const blocks = await countBlocks();
      const slots = (await gateway.store.resources.list(TENANT, 'Slot', { limit: 500 })).items.length;
      const refused = await mutate(
        'SlotCreate',
        'Slot',
        'connection: "drc-cal-1", idempotencyKey: "sb-4", res: $res',
        {
          res: slotInput({ start: '2031-05-06T13:00:00Z', end: '2031-05-06T12:00:00Z' }),
        },
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('VALIDATION');
      expect(await countBlocks()).toBe(blocks);
      expect((await gateway.store.resources.list(TENANT, 'Slot', { limit: 500 })).items.length).toBe(slots);
    });

    it('a Slot without its Schedule is invalid FHIR: refused before any call to DrChrono', async () => {
      const calls = sim.counters.total();
      const { schedule: _dropped, ...withoutSchedule } = slotInput();
      const refused = await mutate(
        'SlotCreate',
        'Slot',
        'connection: "drc-cal-1", idempotencyKey: "sb-5", res: $res',
        {
          res: withoutSchedule,
        },
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('VALIDATION');
      expect(sim.counters.total()).toBe(calls);
    });

    it('SlotDelete removes the block from DrChrono; one deleted change, and the next poll adds none', async () => {
      const deleted = await gateway.gql(
        TENANT,
        `mutation { SlotDelete(id: "${created.id}", idempotencyKey: "sb-6") { id } }`,
      );
      expect(deleted.errors).toBeUndefined();
      expect(await native('schedule_blocks', created.gatewayProvenance.nativeId)).toBeUndefined();
      expect((await gateway.store.resources.read(TENANT, 'Slot', created.id))?.deleted).toBe(true);
      await expectChangesStableAfterPoll('Slot', created.id, ['created', 'updated', 'updated', 'deleted']);
    });
  });

  describe('appointment profiles are ActivityDefinitions of kind Appointment', () => {
    let doctor: Resource & { id: string };
    let created: Created;
    const reasonOf = (r: Loose) =>
      ((r.dynamicValue as Loose[] | undefined)?.[0]?.expression as Loose | undefined)?.expression;
    const profileInput = (overrides: Loose = {}) => ({
      extension: [
        {
          url: 'urn:fhir-gateway:extension:calendar-owner',
          valueReference: { reference: `Practitioner/${doctor.id}` },
        },
        { url: 'urn:fhir-gateway:extension:calendar-color', valueString: '#22AA66' },
        { url: 'urn:fhir-gateway:extension:online-booking', valueBoolean: true },
      ],
      title: 'Sports physical',
      status: 'active',
      kind: 'Appointment',
      timingDuration: { value: 20, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' },
      dynamicValue: [
        {
          path: 'description',
          expression: { language: 'text/fhirpath', expression: "'School sports form'" },
        },
      ],
      ...overrides,
    });

    beforeAll(async () => {
      doctor = await storedFrom('Practitioner', 'doctors');
    });

    it('the poll stores the seeded profiles (Appointment Profiles Read), readable by ActivityDefinition(id)', async () => {
      const profile = await storedFrom('ActivityDefinition', 'appointment_profiles');
      const record = (await native('appointment_profiles', nativeIdOf(profile, connection))) as Loose;
      const read = await gateway.gql(
        TENANT,
        `{ ActivityDefinition(id: "${profile.id}") { title kind timingDuration { value unit } dynamicValue { path expression { expression } } } }`,
      );
      expect(read.errors).toBeUndefined();
      const answered = (read.data as { ActivityDefinition: Loose }).ActivityDefinition;
      expect(answered).toMatchObject({
        title: record.name,
        kind: 'Appointment',
        timingDuration: { value: record.duration, unit: 'min' },
      });
      expect(reasonOf(answered)).toBe(`'${String(record.reason)}'`);
    });

    it('ActivityDefinitionCreate of kind Appointment goes to /api/appointment_profiles; one created change, none from the next poll', async () => {
      const calls = sim.counters.total();
      const result = await mutate(
        'ActivityDefinitionCreate',
        'ActivityDefinition',
        'connection: "drc-cal-1", idempotencyKey: "ap-1", res: $res',
        { res: profileInput() },
      );
      expect(result.errors).toBeUndefined();
      expect(sim.counters.total()).toBeGreaterThan(calls);
      created = (result.data as { ActivityDefinitionCreate: Created }).ActivityDefinitionCreate;
      expect(await native('appointment_profiles', created.gatewayProvenance.nativeId)).toMatchObject({
        name: 'Sports physical',
        doctor: Number(nativeIdOf(doctor, connection)),
        color: '#22AA66',
        online_scheduling: true,
        duration: 20,
        reason: 'School sports form',
      });
      await expectChangesStableAfterPoll('ActivityDefinition', created.id, ['created']);
    });

    it('ActivityDefinitionPatch changes only the duration; ActivityDefinitionUpdate renames it and its reason', async () => {
      const nativeId = created.gatewayProvenance.nativeId;
      const before = (await native('appointment_profiles', nativeId)) as Loose;
      const patched = await mutate(
        'ActivityDefinitionPatch',
        'ActivityDefinition',
        `id: "${created.id}", idempotencyKey: "ap-2", patch: $patch`,
        {
          patch: {
            timingDuration: { value: 30, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' },
          },
        },
      );
      expect(patched.errors).toBeUndefined();
      expect(await native('appointment_profiles', nativeId)).toEqual({ ...before, duration: 30 });

      const updated = await mutate(
        'ActivityDefinitionUpdate',
        'ActivityDefinition',
        `id: "${created.id}", idempotencyKey: "ap-3", res: $res`,
        {
          res: profileInput({
            title: "Sports physical (school's form)",
            timingDuration: { value: 30, unit: 'min', system: 'http://unitsofmeasure.org', code: 'min' },
            dynamicValue: [
              {
                path: 'description',
                expression: { language: 'text/fhirpath', expression: "'Coach\\'s form'" },
              },
            ],
          }),
        },
      );
      expect(updated.errors).toBeUndefined();
      expect(await native('appointment_profiles', nativeId)).toEqual({
        ...before,
        duration: 30,
        name: "Sports physical (school's form)",
        reason: "Coach's form",
      });
      await expectChangesStableAfterPoll('ActivityDefinition', created.id, ['created', 'updated', 'updated']);
    });

    it('a profile without its colour is refused by DrChrono (required): VALIDATION, nothing created', async () => {
      const [owner, , online] = profileInput().extension;
      const refused = await mutate(
        'ActivityDefinitionCreate',
        'ActivityDefinition',
        'connection: "drc-cal-1", idempotencyKey: "ap-4", res: $res',
        { res: profileInput({ title: 'No colour', extension: [owner, online] }) },
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('VALIDATION');
      const res = await fetch(`${sim.url}/api/appointment_profiles?page_size=1000`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const names = ((await res.json()) as { results: Loose[] }).results.map((r) => r.name);
      expect(names).not.toContain('No colour');
    });

    it('ActivityDefinitionDelete archives the profile in DrChrono; one deleted change, none from the next poll', async () => {
      const deleted = await gateway.gql(
        TENANT,
        `mutation { ActivityDefinitionDelete(id: "${created.id}", idempotencyKey: "ap-5") { id } }`,
      );
      expect(deleted.errors).toBeUndefined();
      // DrChrono soft-deletes a profile: it stays listed, archived; the next poll sees it gone.
      expect(await native('appointment_profiles', created.gatewayProvenance.nativeId)).toMatchObject({
        archived: true,
      });
      expect((await gateway.store.resources.read(TENANT, 'ActivityDefinition', created.id))?.deleted).toBe(
        true,
      );
      await expectChangesStableAfterPoll('ActivityDefinition', created.id, [
        'created',
        'updated',
        'updated',
        'deleted',
      ]);
    });
  });

  describe('appointment templates are Schedules with a recurring availability', () => {
    const RECURRING = 'urn:fhir-gateway:extension:recurring-availability';
    let template: Resource & { id: string };
    let nativeId: string;
    const availability = (r: Loose) =>
      (((r.extension as Loose[]).find((e) => e.url === RECURRING)?.extension ?? []) as Loose[]).map((e) => [
        e.url,
        e.valueCode ?? e.valueTime ?? (e.valueDuration as Loose | undefined)?.value,
      ]);

    beforeAll(async () => {
      template = await storedFrom('Schedule', 'appointment_templates');
      nativeId = nativeIdOf(template, connection);
    });

    it('the poll stores the seeded templates (Appointment Templates Read), readable by Schedule(id)', async () => {
      const record = (await native('appointment_templates', nativeId)) as Loose;
      const read = await gateway.gql(
        TENANT,
        `{ Schedule(id: "${template.id}") { active planningHorizon { start end } extension { url extension { url valueCode valueTime valueDuration { value } } } } }`,
      );
      expect(read.errors).toBeUndefined();
      const answered = (read.data as { Schedule: Loose }).Schedule;
      expect(answered).toMatchObject({
        active: true,
        planningHorizon: { start: record.date_start, end: record.date_end },
      });
      const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
      expect(availability(answered)).toEqual([
        ...(record.week_days as number[]).map((d) => ['daysOfWeek', days[d]]),
        ['availableStartTime', record.scheduled_time],
        ['duration', record.duration],
      ]);
    });

    it('SchedulePatch changes only the week days; ScheduleUpdate moves the start time; one change each, none from the next poll', async () => {
      const before = (await native('appointment_templates', nativeId)) as Loose;
      const stored = (await gateway.store.resources.read(TENANT, 'Schedule', template.id))
        ?.resource as unknown as Loose;
      const extensions = stored.extension as Loose[];
      const withAvailability = (items: Loose[]) =>
        extensions.map((e) => (e.url === RECURRING ? { url: RECURRING, extension: items } : e));
      const rest = ((extensions.find((e) => e.url === RECURRING)?.extension as Loose[]) ?? []).filter(
        (e) => e.url !== 'daysOfWeek',
      );
      const patched = await mutate(
        'SchedulePatch',
        'Schedule',
        `id: "${template.id}", idempotencyKey: "at-1", patch: $patch`,
        {
          patch: {
            extension: withAvailability([
              { url: 'daysOfWeek', valueCode: 'tue' },
              { url: 'daysOfWeek', valueCode: 'thu' },
              ...rest,
            ]),
          },
        },
      );
      expect(patched.errors).toBeUndefined();
      expect(await native('appointment_templates', nativeId)).toEqual({ ...before, week_days: [1, 3] });

      const { id: _id, meta: _meta, identifier: _identifier, resourceType: _type, ...body } = stored;
      const updated = await mutate(
        'ScheduleUpdate',
        'Schedule',
        `id: "${template.id}", idempotencyKey: "at-2", res: $res`,
        {
          res: {
            ...body,
            extension: withAvailability([
              { url: 'daysOfWeek', valueCode: 'tue' },
              { url: 'daysOfWeek', valueCode: 'thu' },
              { url: 'availableStartTime', valueTime: '14:30:00' },
              ...rest.filter((e) => e.url !== 'availableStartTime'),
            ]),
          },
        },
      );
      expect(updated.errors).toBeUndefined();
      expect(await native('appointment_templates', nativeId)).toEqual({
        ...before,
        week_days: [1, 3],
        scheduled_time: '14:30:00',
      });
      await expectChangesStableAfterPoll('Schedule', template.id, ['created', 'updated', 'updated']);
    });

    it('a day the week does not have is invalid input: refused before any call to DrChrono', async () => {
      const calls = sim.counters.total();
      const refused = await mutate(
        'SchedulePatch',
        'Schedule',
        `id: "${template.id}", idempotencyKey: "at-3", patch: $patch`,
        {
          patch: {
            extension: [{ url: RECURRING, extension: [{ url: 'daysOfWeek', valueCode: 'someday' }] }],
          },
        },
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('VALIDATION');
      expect(sim.counters.total()).toBe(calls);
      expect(((await native('appointment_templates', nativeId)) as Loose).week_days).toEqual([1, 3]);
    });

    it("a doctor's calendar Schedule is not a template: an update is refused before any call", async () => {
      const calendar = await storedFrom('Schedule', 'doctors');
      const calls = sim.counters.total();
      const refused = await mutate(
        'SchedulePatch',
        'Schedule',
        `id: "${calendar.id}", idempotencyKey: "at-4", patch: $patch`,
        {
          patch: { active: false },
        },
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_BY_SOURCE');
      expect(sim.counters.total()).toBe(calls);
    });

    it('ScheduleDelete archives the template in DrChrono; one deleted change, none from the next poll', async () => {
      const deleted = await gateway.gql(
        TENANT,
        `mutation { ScheduleDelete(id: "${template.id}", idempotencyKey: "at-5") { id } }`,
      );
      expect(deleted.errors).toBeUndefined();
      expect(await native('appointment_templates', nativeId)).toMatchObject({ archived: true });
      expect((await gateway.store.resources.read(TENANT, 'Schedule', template.id))?.deleted).toBe(true);
      await expectChangesStableAfterPoll('Schedule', template.id, [
        'created',
        'updated',
        'updated',
        'deleted',
      ]);
    });
  });

  describe('reminder profiles are Basic resources with one extension per reminder', () => {
    const REMINDER = 'urn:fhir-gateway:extension:appointment-reminder';
    const KIND = { system: 'urn:fhir-gateway:codesystem:basic-kind', code: 'drchrono-reminder-profile' };
    let doctor: Resource & { id: string };
    let created: Created;
    const reminder = (type: string, value: number, unit: string, code: string) => ({
      url: REMINDER,
      extension: [
        {
          url: 'channel',
          valueCoding: { system: 'urn:fhir-gateway:codesystem:drchrono:reminder-type', code: type },
        },
        { url: 'before', valueDuration: { value, unit, system: 'http://unitsofmeasure.org', code } },
      ],
    });
    const profileInput = (overrides: Loose = {}) => ({
      code: { coding: [KIND], text: 'New patient reminders' },
      author: { reference: `Practitioner/${doctor.id}` },
      extension: [reminder('email', 3, 'days', 'd'), reminder('sms', 4, 'hours', 'h')],
      ...overrides,
    });

    beforeAll(async () => {
      doctor = await storedFrom('Practitioner', 'doctors');
    });

    it('the poll stores the seeded profiles (Reminder Profiles Read), readable by Basic(id)', async () => {
      const profile = await storedFrom('Basic', 'reminder_profiles');
      const record = (await native('reminder_profiles', nativeIdOf(profile, connection))) as Loose;
      const read = await gateway.gql(
        TENANT,
        `{ Basic(id: "${profile.id}") { code { text } extension { url extension { url valueCoding { code } valueDuration { value code } } } } }`,
      );
      expect(read.errors).toBeUndefined();
      const answered = (read.data as { Basic: Loose }).Basic;
      expect(answered.code).toEqual({ text: record.name });
      const reminders = (answered.extension as Loose[]).map((e) =>
        (e.extension as Loose[]).map((x) => x.valueCoding ?? x.valueDuration),
      );
      const units: Record<string, string> = { minutes: 'min', hours: 'h', days: 'd', weeks: 'wk' };
      expect(reminders).toEqual(
        (record.reminders as Loose[]).map((r) => [
          { code: r.type },
          { value: r.amount, code: units[String(r.unit)] },
        ]),
      );
    });

    it('BasicCreate of the reminder-profile kind goes to /api/reminder_profiles; one created change, none from the next poll', async () => {
      const result = await mutate(
        'BasicCreate',
        'Basic',
        'connection: "drc-cal-1", idempotencyKey: "rp-1", res: $res',
        {
          res: profileInput(),
        },
      );
      expect(result.errors).toBeUndefined();
      created = (result.data as { BasicCreate: Created }).BasicCreate;
      expect(await native('reminder_profiles', created.gatewayProvenance.nativeId)).toEqual({
        id: Number(created.gatewayProvenance.nativeId),
        doctor: Number(nativeIdOf(doctor, connection)),
        name: 'New patient reminders',
        reminders: [
          { type: 'email', amount: 3, unit: 'days' },
          { type: 'sms', amount: 4, unit: 'hours' },
        ],
      });
      await expectChangesStableAfterPoll('Basic', created.id, ['created']);
    });

    it('BasicPatch renames it and keeps its reminders; BasicUpdate replaces the reminders', async () => {
      const nativeId = created.gatewayProvenance.nativeId;
      const before = (await native('reminder_profiles', nativeId)) as Loose;
      const patched = await mutate(
        'BasicPatch',
        'Basic',
        `id: "${created.id}", idempotencyKey: "rp-2", patch: $patch`,
        {
          patch: { code: { coding: [KIND], text: 'First visit reminders' } },
        },
      );
      expect(patched.errors).toBeUndefined();
      expect(await native('reminder_profiles', nativeId)).toEqual({
        ...before,
        name: 'First visit reminders',
      });

      const updated = await mutate(
        'BasicUpdate',
        'Basic',
        `id: "${created.id}", idempotencyKey: "rp-3", res: $res`,
        {
          res: profileInput({
            code: { coding: [KIND], text: 'First visit reminders' },
            extension: [reminder('phone', 30, 'minutes', 'min')],
          }),
        },
      );
      expect(updated.errors).toBeUndefined();
      expect(await native('reminder_profiles', nativeId)).toEqual({
        ...before,
        name: 'First visit reminders',
        reminders: [{ type: 'phone', amount: 30, unit: 'minutes' }],
      });
      await expectChangesStableAfterPoll('Basic', created.id, ['created', 'updated', 'updated']);
    });

    it('a reminder by a channel DrChrono does not have is refused by DrChrono: VALIDATION, nothing created or stored', async () => {
      const list = async () => {
        const res = await fetch(`${sim.url}/api/reminder_profiles?page_size=1000`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return ((await res.json()) as { results: unknown[] }).results.length;
      };
      const profiles = await list();
      const basics = (await gateway.store.resources.list(TENANT, 'Basic', { limit: 500 })).items.length;
      const calls = sim.counters.total();
      const refused = await mutate(
        'BasicCreate',
        'Basic',
        'connection: "drc-cal-1", idempotencyKey: "rp-4", res: $res',
        {
          res: profileInput({ extension: [reminder('pigeon', 1, 'days', 'd')] }),
        },
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('VALIDATION');
      expect(sim.counters.total()).toBeGreaterThan(calls);
      expect(await list()).toBe(profiles);
      expect((await gateway.store.resources.list(TENANT, 'Basic', { limit: 500 })).items.length).toBe(basics);
    });

    it('BasicDelete removes the profile from DrChrono; one deleted change, none from the next poll', async () => {
      const deleted = await gateway.gql(
        TENANT,
        `mutation { BasicDelete(id: "${created.id}", idempotencyKey: "rp-5") { id } }`,
      );
      expect(deleted.errors).toBeUndefined();
      expect(await native('reminder_profiles', created.gatewayProvenance.nativeId)).toBeUndefined();
      expect((await gateway.store.resources.read(TENANT, 'Basic', created.id))?.deleted).toBe(true);
      await expectChangesStableAfterPoll('Basic', created.id, ['created', 'updated', 'updated', 'deleted']);
    });
  });

  describe('telehealth appointments are Basic resources about their Appointment, with the join link', () => {
    const KIND = {
      system: 'urn:fhir-gateway:codesystem:basic-kind',
      code: 'drchrono-telehealth-appointment',
    };
    const URL_EXT = 'urn:fhir-gateway:extension:telehealth-url';
    let created: Created;
    let appointments: (Resource & { id: string })[];
    const input = (appointment: string) => ({
      code: { coding: [KIND] },
      subject: { reference: `Appointment/${appointment}` },
    });

    beforeAll(async () => {
      const page = await gateway.store.resources.list(TENANT, 'Appointment', { limit: 500 });
      appointments = page.items.map((i) => i.resource as Resource & { id: string });
      expect(appointments.length).toBeGreaterThan(1);
    });

    it('the poll stores the seeded video visits (Telehealth Appointments Read), readable by Basic(id)', async () => {
      const visit = await storedFrom('Basic', 'telehealth_appointments');
      const record = (await native('telehealth_appointments', nativeIdOf(visit, connection))) as Loose;
      const read = await gateway.gql(
        TENANT,
        `{ Basic(id: "${visit.id}") { subject { reference } extension { url valueUrl } } }`,
      );
      expect(read.errors).toBeUndefined();
      const answered = (read.data as { Basic: Loose }).Basic;
      expect(answered.extension).toEqual([{ url: URL_EXT, valueUrl: record.telehealth_url }]);
      const subject = (answered.subject as { reference: string }).reference.split('/')[1] as string;
      const appointment = (await gateway.store.resources.read(TENANT, 'Appointment', subject))?.resource;
      expect(appointment && nativeIdOf(appointment, connection)).toBe(String(record.appointment));
    });

    it('BasicCreate of the telehealth kind makes the appointment a video visit in DrChrono; the answer carries its link', async () => {
      const target = appointments[0] as Resource & { id: string };
      const result = await gateway.gql(
        TENANT,
        'mutation($res: BasicInput!) { BasicCreate(connection: "drc-cal-1", idempotencyKey: "th-1", res: $res) { id gatewayProvenance { nativeId } extension { url valueUrl } } }',
        { res: input(target.id) },
      );
      expect(result.errors).toBeUndefined();
      created = (result.data as { BasicCreate: Created & { extension: Loose[] } }).BasicCreate;
      const record = (await native('telehealth_appointments', created.gatewayProvenance.nativeId)) as Loose;
      expect(record.appointment).toBe(Number(nativeIdOf(target, connection)));
      expect(record.telehealth_url).toMatch(/^https:\/\/telehealth\.example\.com\/visit\/\d+$/);
      expect((created as unknown as { extension: Loose[] }).extension).toEqual([
        { url: URL_EXT, valueUrl: record.telehealth_url },
      ]);
      await expectChangesStableAfterPoll('Basic', created.id, ['created']);
    });

    it('BasicPatch moves the video visit to another appointment; one updated change, none from the next poll', async () => {
      const other = appointments[1] as Resource & { id: string };
      const nativeId = created.gatewayProvenance.nativeId;
      const before = (await native('telehealth_appointments', nativeId)) as Loose;
      const patched = await mutate(
        'BasicPatch',
        'Basic',
        `id: "${created.id}", idempotencyKey: "th-2", patch: $patch`,
        {
          patch: { subject: { reference: `Appointment/${other.id}` } },
        },
      );
      expect(patched.errors).toBeUndefined();
      const { updated_at: _u, ...after } = (await native('telehealth_appointments', nativeId)) as Loose;
      const { updated_at: _b, ...rest } = before;
      expect(after).toEqual({ ...rest, appointment: Number(nativeIdOf(other, connection)) });
      await expectChangesStableAfterPoll('Basic', created.id, ['created', 'updated']);
    });

    it('an appointment that is not stored in the gateway is refused before any call to DrChrono', async () => {
      const calls = sim.counters.total();
      const refused = await mutate(
        'BasicCreate',
        'Basic',
        'connection: "drc-cal-1", idempotencyKey: "th-3", res: $res',
        {
          res: input('no-such-appointment'),
        },
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('FOREIGN_REFERENCE');
      expect(sim.counters.total()).toBe(calls);
    });

    it('a video visit cannot be deleted: DrChrono offers no DELETE, so BasicDelete is refused before any call', async () => {
      const calls = sim.counters.total();
      const refused = await gateway.gql(
        TENANT,
        `mutation { BasicDelete(id: "${created.id}", idempotencyKey: "th-4") { id } }`,
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('UNSUPPORTED_BY_SOURCE');
      expect(sim.counters.total()).toBe(calls);
      expect(await native('telehealth_appointments', created.gatewayProvenance.nativeId)).toBeDefined();
    });
  });
});

// The seed actions this file tests through GraphQL (test/actions/drchrono-every-action.test.ts
// counts an available action as tested when its id is quoted in a test file).
const SEED_ACTIONS_TESTED_HERE = [
  'drchrono.appointment_profile.create',
  'drchrono.appointment_profile.update',
  'drchrono.appointment_profile.read',
  'drchrono.appointment_profile.delete',
  'drchrono.appointment_template.update',
  'drchrono.appointment_template.read',
  'drchrono.appointment_template.delete',
  'drchrono.telehealth_appointment.create',
  'drchrono.telehealth_appointment.update',
  'drchrono.telehealth_appointment.read',
  'drchrono.schedule_block.create',
  'drchrono.schedule_block.update',
  'drchrono.schedule_block.read',
  'drchrono.schedule_block.delete',
  'drchrono.reminder_profile.create',
  'drchrono.reminder_profile.update',
  'drchrono.reminder_profile.read',
  'drchrono.reminder_profile.delete',
];

describe('seed actions tested in this file', () => {
  it('are all available in the action catalog', () => {
    for (const id of SEED_ACTIONS_TESTED_HERE)
      expect(DRCHRONO_ACTIONS.find((a) => a.id === id)?.status, id).toBe('available');
  });
});
