import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Resource } from 'fhir/r4';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { createIdentityScheme, type SourceSystem } from '../fhir/identity.ts';
import { createCarePlan, createMedication, createObservation } from '../simulators/jane/write-schemas.ts';
import { discoverFixtures, type FixtureInput, goldenScope } from './fixtures.ts';
import { loadMappingSet } from './load-mapping-set.ts';
import { loadMappingDefinitions } from './mapping-definitions.ts';
import { nativeIdResolver } from './native-id.ts';

/**
 * Write-back round trips: every golden fixture of an entity with a reverse template goes forward,
 * then back (references resolved through the forward-mapped fixture set of its source), and the
 * payload must keep every writable field the native record holds, in the native write schema's
 * shape. What is lost on purpose is listed below, with the reason.
 */
const mappingsDir = join(import.meta.dirname, '..', '..', 'mappings');
const defs = loadMappingDefinitions();
const scheme = createIdentityScheme();
const set = loadMappingSet({ dir: mappingsDir, defs, scheme, sources: ['drchrono', 'jane'] });
const fixtures = discoverFixtures(mappingsDir);

/** Records the fixtures reference without being fixtures themselves: only what resolving needs. */
const REFERENCED: Record<'drchrono' | 'jane', FixtureInput[]> = {
  drchrono: [
    ...[96000001, 96000007, 96000097, 96000180, 96000321].map((id) => ({
      entity: 'patients',
      record: { id, first_name: 'Stub', last_name: 'Patient', gender: 'Female', doctor: 1840001 },
    })),
    { entity: 'doctors', record: { id: 1840002, first_name: 'Stub', last_name: 'Doctor' } },
  ],
  jane: [
    ...[
      '018ceb63-f3dd-717b-99bc-300d605f10df',
      '018ce00c-6c85-784d-bab0-770dd813ff88',
      '018d81a0-ea61-72a0-b12d-03449b554cf5',
      '018d3479-166e-7a83-b39a-6a4b285a2ddd',
    ].map((id) => ({ entity: 'patients', record: { id, first_name: 'Stub', last_name: 'Patient' } })),
    ...[
      '018b1b95-4691-7a86-8763-99967d7e0345',
      '0189c3e5-cd1f-7ed2-ac9d-e2eb32699d4d',
      '0187233c-41b8-71d0-9c79-c3b1d514316d',
      '01879b98-908f-73d9-ba43-1cf11cdb7f85',
    ].map((id) => ({ entity: 'staff_members', record: { id, first_name: 'Stub', last_name: 'Staff' } })),
  ],
};

/**
 * Why the round trip does not keep something: `<source>:<entity>.<field>` (the field),
 * `…<field>=<JSON value>` (only that value) or `…<field>.<sub>` (that key inside the field's items,
 * on both sides).
 */
const LOSSY: Record<string, string> = {
  'drchrono:appointments.exam_room': 'exam rooms are not Locations yet; the connector keeps the room',
  'drchrono:appointments.appt_is_break': 'breaks are never mapped (`when`), so it is always false',
  'drchrono:appointments.color': 'calendar colour, not mapped',
  'drchrono:appointments.billing_status': 'billing state lives in line items and transactions',
  'drchrono:appointments.recurring_appointment': 'each instance is its own Appointment',
  'drchrono:appointments.allow_overlapping': 'a scheduling switch for the write, not appointment data',
  'drchrono:appointments.vitals': 'vitals are Observations of their own, not written back',
  'drchrono:appointments.clinical_note': 'the clinical note is not mapped',
  'drchrono:comm_logs.cash_charged': 'billing amount, not mapped on Communication',
  'drchrono:documents.metatags': 'DrChrono tagging, not mapped',
  'drchrono:inventory_vaccines.doctor': 'Medication has no owner; the connector writes the connection doctor',
  'drchrono:inventory_vaccines.original_quantity':
    'stock levels: no inventory resource among the gateway types',
  'drchrono:inventory_vaccines.cost': 'inventory accounting, not on Medication',
  'drchrono:inventory_vaccines.price': 'inventory accounting, not on Medication',
  'drchrono:inventory_vaccines.price_with_tax': 'inventory accounting, not on Medication',
  'drchrono:inventory_vaccines.sales_tax_applicable': 'inventory accounting, not on Medication',
  'drchrono:inventory_vaccines.vaccination_type': 'Routine/Travel grouping, no Medication element',
  'drchrono:line_items.pt_paid': 'payments are transactions and patient payments',
  'drchrono:line_items.balance_ins': 'payments are transactions and patient payments',
  'drchrono:line_items.diagnosis_pointers': 'claim pointers into the appointment codes, not mapped',
  'drchrono:appointment_profiles.sort_order': 'pick-list position, display only',
  'drchrono:appointment_templates.exam_room':
    "exam rooms are not Locations yet; the connector books the office's first room on create",
  'drchrono:telehealth_appointments.overlapping_duration': 'video-room time as free text, not mapped',
  'drchrono:telehealth_appointments.sent_patient_email': 'a notification flag of DrChrono, not mapped',
  'drchrono:schedule_blocks.color': 'calendar colour, not mapped',
  'drchrono:schedule_blocks.exam_room': 'exam rooms are not Locations yet (as on appointments)',
  'drchrono:schedule_blocks.practice_group': "the connection's practice; DrChrono fills it in",
  'drchrono:task_categories.practice_group': "the connection's practice, added by the connector",
  'drchrono:task_statuses.practice_group': "the connection's practice, added by the connector",
  'drchrono:medications.order_status':
    "DrChrono's eRx workflow state; the request's status and intent carry its meaning, the connector keeps the state",
  'drchrono:problems.date_changed': 'DrChrono stamps it on every change; the store keeps lastUpdated',
  'drchrono:patients.pronouns': 'not mapped',
  'drchrono:patients.offices': 'not mapped',
  'drchrono:patients.disable_sms_messages': 'a portal setting, not mapped',
  'drchrono:patients.medication_history_consent': 'consent flag, not mapped',
  'drchrono:patients.copay': 'billing setting, not mapped',
  'drchrono:patients.default_pharmacy': 'pharmacies are not mapped',
  'drchrono:patients.patient_payment_profile': 'billing setting, not mapped',
  'drchrono:patients.date_of_first_appointment': 'derived from appointments',
  'drchrono:patients.date_of_last_appointment': 'derived from appointments',
  'drchrono:patients.primary_insurance':
    'Coverage is its own resource (coverage-*.yaml), not part of the patient write',
  'drchrono:patients.race="declined"': 'a declined answer is no race extension (US Core has no code for it)',
  'drchrono:patients.ethnicity="blank"': 'DrChrono\'s "no answer" code',
  'jane:observations.values.id':
    "a single reading becomes code + value[x], which have no id (Jane gives the value a new one; the Observation keeps its id, qualified by the reading's code); readings of a panel keep theirs as component.id",
  'jane:medications.ingredients': 'implied by the RxNorm code; an update leaves them unchanged in Jane',
  'jane:medications.dose_form': 'implied by the RxNorm code; an update leaves it unchanged in Jane',
};

type FieldType = { type?: string; readOnly?: boolean };
type Endpoint = { resource: string; schema: string; kind?: string; requiredParams?: string[] };
const drchronoData = join(import.meta.dirname, '..', 'simulators', 'drchrono', 'data');
const endpoints = JSON.parse(readFileSync(join(drchronoData, 'endpoints.json'), 'utf8')) as Endpoint[];
const schemas = JSON.parse(readFileSync(join(drchronoData, 'schemas.json'), 'utf8')) as Record<
  string,
  { fields: Record<string, FieldType> }
>;

/** The writable fields of a DrChrono entity, with their types. */
function drchronoWritable(entity: string): Record<string, string | undefined> {
  const endpoint = endpoints.find((e) => e.resource === entity);
  const schema = endpoint && schemas[endpoint.schema];
  if (!schema) throw new Error(`no DrChrono write schema for ${entity}`);
  // A lookup record's keys are read-only in the schema but are how a write addresses it (yellow_notepad).
  const keys = new Set(endpoint.kind === 'lookup' ? (endpoint.requiredParams ?? []) : []);
  return Object.fromEntries(
    Object.entries(schema.fields)
      .filter(([name, field]) => !field.readOnly || keys.has(name))
      .map(([name, field]) => [name, field.type]),
  );
}

const JANE_CREATE: Record<string, z.ZodObject> = {
  observations: createObservation,
  care_plans: createCarePlan,
  medications: createMedication,
};

function present(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** The native value as the write schema types it (DrChrono sends some string fields as numbers). */
function asWritten(value: unknown, type: string | undefined): unknown {
  if (type === 'string' && typeof value === 'number') return String(value);
  if ((type === 'integer' || type === 'number') && typeof value === 'string') return Number(value);
  return value;
}

function typeOk(value: unknown, type: string | undefined): boolean {
  switch (type) {
    case 'integer':
      return Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'string':
    case 'boolean':
      return typeof value === type;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return true;
  }
}

function resourcesOf(source: SourceSystem, inputs: readonly FixtureInput[]): Resource[] {
  return inputs.flatMap(({ entity, record }) => {
    const result = set.forward(source, entity, record, goldenScope(source));
    if (!result.ok) throw new Error(`${source}:${entity} does not map: ${JSON.stringify(result)}`);
    return result.resources;
  });
}

type RoundTrip = {
  readonly entity: string;
  readonly record: Record<string, unknown>;
  /** undefined when the `when` of the mapping leaves the record out. */
  readonly payload: Record<string, unknown> | undefined;
};

describe.each(['drchrono', 'jane'] as const)('write-back round trips of %s', (source) => {
  const own = fixtures.filter((fixture) => fixture.source === source);
  const mapped = own.filter(
    (fixture) => set.forward(source, fixture.input.entity, fixture.input.record, goldenScope(source)).ok,
  );
  const everything = resourcesOf(source, [...mapped.map((fixture) => fixture.input), ...REFERENCED[source]]);
  const resolveNativeId = nativeIdResolver(scheme, goldenScope(source), everything);
  const cases = own.filter((fixture) =>
    set.mappingsFor(source, fixture.input.entity).some((mapping) => mapping.hasReverse),
  );
  const lossyKey = (entity: string, field: string) => `${source}:${entity}.${field}`;

  const roundTrip = (input: FixtureInput): RoundTrip => {
    const { entity, record } = input as { entity: string; record: Record<string, unknown> };
    const forward = set.forward(source, entity, record, goldenScope(source));
    if (!forward.ok) {
      expect('skipped' in forward, 'only a `when` may leave a fixture out').toBe(true);
      return { entity, record, payload: undefined };
    }
    const reversible = forward.resources.filter((resource) =>
      set.mappingsFor(source, entity).some((m) => m.target === resource.resourceType && m.hasReverse),
    );
    expect(reversible.length).toBeGreaterThan(0);
    const payloads = reversible.map((resource) => {
      const reversed = set.reverse(source, entity, resource, { resolveNativeId });
      if (!reversed.ok) throw new Error(`${entity} reverse failed: ${reversed.reason} at ${reversed.path}`);
      return reversed.payload;
    });
    return { entity, record, payload: mergePayloads(payloads) };
  };

  /** The writable fields of the entity with their types (DrChrono), checking the payload's shape. */
  const writable = (entity: string, payload: Record<string, unknown>): Record<string, string | undefined> => {
    if (source === 'drchrono') {
      const types = drchronoWritable(entity);
      for (const [field, value] of Object.entries(payload)) {
        expect(Object.hasOwn(types, field), `${entity}.${field} is not writable`).toBe(true);
        expect(typeOk(value, types[field]), `${entity}.${field} is not a ${types[field]}`).toBe(true);
      }
      return types;
    }
    const schema = JANE_CREATE[entity];
    if (!schema) throw new Error(`no Jane write schema for ${entity}`);
    expect(schema.safeParse(payload).error?.issues ?? []).toEqual([]);
    return Object.fromEntries(
      Object.keys(schema.shape)
        .filter((field) => !JANE_READ_ONLY.has(field))
        .map((field) => [field, undefined]),
    );
  };

  it('covers every entity with a reverse template', () => {
    const reversible = set
      .entities(source)
      .filter((entity) => set.mappingsFor(source, entity).some((mapping) => mapping.hasReverse));
    expect([...new Set(cases.map((fixture) => fixture.input.entity))].sort()).toEqual(reversible);
  });

  it.each(cases.map((fixture) => [fixture.name, fixture] as const))('%s', (_name, fixture) => {
    const { entity, record, payload } = roundTrip(fixture.input);
    if (!payload) return;
    const types = writable(entity, payload);
    const lossy = (field: string, value: unknown) =>
      Object.hasOwn(LOSSY, lossyKey(entity, field)) ||
      Object.hasOwn(LOSSY, `${lossyKey(entity, field)}=${JSON.stringify(value)}`);
    const kept = Object.keys(types).filter((field) => present(record[field]) && !lossy(field, record[field]));
    const nested = (field: string) =>
      Object.keys(LOSSY)
        .filter((key) => key.startsWith(`${lossyKey(entity, field)}.`))
        .map((key) => key.slice(lossyKey(entity, field).length + 1));
    const expected = Object.fromEntries(
      kept.map((field) => [field, without(clean(asWritten(record[field], types[field])), nested(field))]),
    );
    const actual = Object.fromEntries(
      kept
        .filter((field) => field in payload)
        .map((field) => [field, without(payload[field], nested(field))]),
    );
    expect(actual).toEqual(expected);
  });

  it('lists only what some fixture really loses', () => {
    const trips = cases.map((fixture) => roundTrip(fixture.input));
    for (const key of Object.keys(LOSSY).filter((k) => k.startsWith(`${source}:`))) {
      const [path = '', valueText] = key.slice(source.length + 1).split('=');
      const [entity = '', field = '', sub] = path.split('.');
      const lost = trips.some(({ entity: e, record, payload }) => {
        if (e !== entity || !payload || !present(record[field])) return false;
        if (valueText !== undefined && JSON.stringify(record[field]) !== valueText) return false;
        if (sub === undefined) return !isDeepStrictEqual(clean(record[field]), payload[field]);
        const items = (list: unknown) => (Array.isArray(list) ? list : [list]) as Record<string, unknown>[];
        return (
          items(record[field]).filter((item) => present(item?.[sub])).length >
          items(payload[field]).filter((item) => present(item?.[sub])).length
        );
      });
      expect(lost, `${key} is not lost by any fixture`).toBe(true);
    }
  });
});

/** Read-only in every Jane write schema (tolerated and ignored on create); `clean` drops the timestamps at any depth. */
const JANE_READ_ONLY = new Set(['id', 'created_at', 'updated_at']);

/** A native value without the nulls, blanks and empties a payload never holds, nor read-only keys. */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean).filter(present);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value)
    .filter(([key]) => key !== 'created_at' && key !== 'updated_at')
    .map(([key, child]) => [key, clean(child)] as const);
  return Object.fromEntries(entries.filter(([, child]) => present(child)));
}

/**
 * The payloads of the resources one record maps to (one Observation per Jane reading), merged back
 * into one native record: the readings (`values`) are concatenated in order, every other field must
 * agree across the payloads.
 */
function mergePayloads(payloads: readonly Record<string, unknown>[]): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const payload of payloads) {
    for (const [field, value] of Object.entries(payload)) {
      const held = merged[field];
      if (held === undefined) merged[field] = value;
      else if (field === 'values' && Array.isArray(held) && Array.isArray(value))
        merged[field] = [...held, ...value];
      else expect(value, `${field} differs between the resources of one record`).toEqual(held);
    }
  }
  return merged;
}

/** `value` (an object or a list of objects) without the given keys. */
function without(value: unknown, keys: string[]): unknown {
  if (keys.length === 0) return value;
  if (Array.isArray(value)) return value.map((item) => without(item, keys));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.includes(key)));
}
