import { z } from 'zod';
import type { GeneratedKind, GeneratedRecord } from './dataset.ts';
import { recordRng, uuidV7 } from './ids.ts';
import { MEDICATION_NULLS } from './medication-defaults.ts';
import type { NativeRecord } from './record-builders.ts';

/**
 * Seed files: a JSON object with one array of native Jane records per resource (the payload
 * shapes the API returns) and optionally a `company` object. `created_at`/`updated_at` may be
 * given on any record: the server tracks them even where Jane's payload hides them. Missing ids
 * are generated. Everything is checked up front and all problems are reported at once.
 */
const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');
const dateTime = z.iso.datetime({ offset: true });
const date = z.iso.date();
const tracked = { id: uuid.optional(), created_at: dateTime.optional(), updated_at: dateTime.optional() };

const schemas = {
  patients: z.looseObject({
    ...tracked,
    first_name: z.string().optional(),
    last_name: z.string().optional(),
    sex: z.enum(['male', 'female', 'x']).optional(),
    status: z.enum(['active', 'discharged', 'deceased', 'archived']).optional(),
    date_of_birth: date.optional(),
    email: z.string().optional(),
    phone_numbers: z
      .array(
        z.object({
          type: z.enum(['home', 'mobile', 'work', 'fax']),
          number: z.string(),
          is_primary: z.boolean(),
        }),
      )
      .optional(),
  }),
  appointments: z.looseObject({
    ...tracked,
    start_at: dateTime,
    end_at: dateTime,
    patient_id: uuid,
    staff_member_id: uuid.optional(),
    location_id: uuid.optional(),
    treatment_id: uuid.optional(),
    state: z.enum(['reserved', 'booked', 'arrived', 'no_show', 'cancelled', 'archived']),
  }),
  staff_members: z.looseObject({
    ...tracked,
    first_name: z.string().optional(),
    last_name: z.string().optional(),
  }),
  locations: z.looseObject({ ...tracked, name: z.string().optional() }),
  disciplines: z.looseObject({ ...tracked, name: z.string().optional() }),
  treatments: z.looseObject({
    ...tracked,
    name: z.string().optional(),
    booking_type: z.enum(['one_on_one_booking', 'class_booking', 'group_booking']).optional(),
    discipline_id: uuid.nullable().optional(),
    staff_member_ids: z.array(uuid).optional(),
  }),
  observations: z.looseObject({
    ...tracked,
    patient_id: uuid,
    category: z.enum(['vital_signs', 'laboratory', 'exam']),
    values: z
      .array(
        z.looseObject({
          code: z.string(),
          system: z.string(),
          value: z.string(),
          value_type: z.enum(['string', 'boolean', 'numeric']),
        }),
      )
      .optional(),
  }),
  care_plans: z.looseObject({
    ...tracked,
    patient_id: uuid,
    category: z.literal('treatment_plan'),
    status: z
      .enum(['draft', 'active', 'on-hold', 'revoked', 'completed', 'entered-in-error', 'unknown'])
      .optional(),
    activities: z
      .array(
        z.looseObject({
          id: uuid.optional(),
          category: z.enum(['appointment', 'exercise', 'medication', 'nutrition']),
        }),
      )
      .optional(),
  }),
  medications: z.looseObject({
    ...tracked,
    patient_id: uuid,
    practitioner_id: uuid.optional(),
    medication_code: z.object({
      text: z.string(),
      coding: z
        .array(z.object({ system: z.string(), code: z.string(), display: z.string() }))
        .nullable()
        .optional(),
    }),
    status: z.enum(['active', 'inactive']),
    source: z.enum(['prescribed', 'patient_reported']),
  }),
} satisfies Record<GeneratedKind, z.ZodType>;

const seedFileSchema = z.strictObject({
  ...(Object.fromEntries(Object.entries(schemas).map(([k, s]) => [k, z.array(s).optional()])) as {
    [K in GeneratedKind]: z.ZodOptional<z.ZodArray<(typeof schemas)[K]>>;
  }),
  company: z.looseObject({}).optional(),
});

/** Payload fields Jane always returns (null when unset), filled in when a seed omits them. */
const DEFAULTS: Partial<Record<GeneratedKind, Record<string, unknown>>> = {
  appointments: {
    first_visit: false,
    cancelled_at: null,
    cancelled_reason: null,
    no_show_at: null,
    arrived_at: null,
    archived_at: null,
    checked_in_at: null,
  },
  observations: { values: [], document_ids: [] },
  care_plans: { activities: [], document_ids: [], status: 'active' },
  medications: { ...MEDICATION_NULLS },
};

/** Which fields of a kind must point at a record of another kind. */
export const REFERENCES: Partial<Record<GeneratedKind, Record<string, GeneratedKind>>> = {
  appointments: {
    patient_id: 'patients',
    staff_member_id: 'staff_members',
    location_id: 'locations',
    treatment_id: 'treatments',
  },
  treatments: { discipline_id: 'disciplines' },
  observations: { patient_id: 'patients', practitioner_id: 'staff_members' },
  care_plans: { patient_id: 'patients', practitioner_id: 'staff_members' },
  medications: { patient_id: 'patients', practitioner_id: 'staff_members' },
};

export type ParsedSeed = {
  records: { kind: GeneratedKind; entry: GeneratedRecord }[];
  company?: Record<string, unknown>;
};

export class SeedRecordsError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid Jane seed records:\n  - ${problems.join('\n  - ')}`);
    this.name = 'SeedRecordsError';
    this.problems = problems;
  }
}

export function parseSeedRecords(input: unknown, ctx: { now: number; seed: number }): ParsedSeed {
  const parsed = seedFileSchema.safeParse(input);
  if (!parsed.success) {
    throw new SeedRecordsError(
      parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`),
    );
  }
  const records: ParsedSeed['records'] = [];
  let n = 0;
  for (const [kind, list] of Object.entries(parsed.data) as [string, unknown][]) {
    if (kind === 'company' || !Array.isArray(list)) continue;
    for (const raw of list as Record<string, unknown>[]) {
      const { created_at, updated_at, staff_member_ids, ...fields } = raw;
      const createdAt = typeof created_at === 'string' ? Date.parse(created_at) : ctx.now;
      const updatedAt = typeof updated_at === 'string' ? Date.parse(updated_at) : createdAt;
      const id =
        typeof fields.id === 'string' ? fields.id : uuidV7(createdAt, recordRng(ctx.seed, 9001, n++));
      const record: NativeRecord = { ...DEFAULTS[kind as GeneratedKind], ...fields, id };
      if (kind === 'appointments') record.booked_at ??= new Date(createdAt).toISOString();
      if (kind === 'care_plans') {
        record.activities = (record.activities as Record<string, unknown>[]).map((a) => ({
          ...a,
          id: a.id ?? uuidV7(createdAt, recordRng(ctx.seed, 9002, n++)),
          created_at: a.created_at ?? new Date(createdAt).toISOString(),
          updated_at: a.updated_at ?? new Date(updatedAt).toISOString(),
        }));
      }
      records.push({
        kind: kind as GeneratedKind,
        entry: {
          record,
          createdAt,
          updatedAt: Math.max(createdAt, updatedAt),
          ...(Array.isArray(staff_member_ids) ? { internal: { staff_member_ids } } : {}),
        },
      });
    }
  }
  return parsed.data.company ? { records, company: parsed.data.company } : { records };
}
