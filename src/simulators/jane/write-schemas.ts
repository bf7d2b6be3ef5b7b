import { z } from 'zod';
import type { ErrorDetail } from './errors.ts';

/**
 * Bodies of the JDP write operations (`{"data": {...}}`), after the OpenAPI request schemas.
 * Create bodies reuse the full resource schema there, so read-only fields (id, timestamps) are
 * tolerated and ignored; update bodies reject unknown fields.
 */
const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');
const dateTime = z.iso.datetime({ offset: true });
const date = z.iso.date();
const readOnly = {
  id: z.unknown().optional(),
  created_at: z.unknown().optional(),
  updated_at: z.unknown().optional(),
};

const observationValue = z.strictObject({
  id: uuid.optional(),
  code: z.string().min(1),
  system: z.string().min(1),
  display: z.string().optional(),
  value: z.string(),
  value_type: z.enum(['string', 'boolean', 'numeric']),
  unit: z.string().optional(),
});

const observationEditable = {
  encounter_id: uuid.optional(),
  note: z.string().optional(),
  issued_at: dateTime.optional(),
  values: z.array(observationValue).optional(),
  document_ids: z.array(uuid).optional(),
};

export const createObservation = z.strictObject({
  ...readOnly,
  ...observationEditable,
  patient_id: uuid,
  practitioner_id: uuid.optional(),
  category: z.enum(['vital_signs', 'laboratory', 'exam']),
});
export const updateObservation = z.strictObject(observationEditable);

const carePlanStatus = z.enum([
  'draft',
  'active',
  'on-hold',
  'revoked',
  'completed',
  'entered-in-error',
  'unknown',
]);
const activityCategory = z.enum(['appointment', 'exercise', 'medication', 'nutrition']);

export const createActivity = z.strictObject({
  ...readOnly,
  category: activityCategory,
  description: z.string().optional(),
  progress: z.string().optional(),
});
export const updateActivity = z.strictObject({
  category: activityCategory.optional(),
  description: z.string().optional(),
  progress: z.string().optional(),
});

const carePlanEditable = {
  encounter_id: uuid.optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  status: carePlanStatus.optional(),
  document_ids: z.array(uuid).optional(),
};
export const createCarePlan = z.strictObject({
  ...readOnly,
  ...carePlanEditable,
  patient_id: uuid,
  practitioner_id: uuid.optional(),
  category: z.literal('treatment_plan'),
  activities: z.array(createActivity).optional(),
});
export const updateCarePlan = z.strictObject(carePlanEditable);

const medicationEditable = {
  encounter_id: uuid.nullable().optional(),
  medication_code: z
    .strictObject({
      coding: z
        .array(z.strictObject({ display: z.string(), code: z.string(), system: z.string() }))
        .nullable()
        .optional(),
      text: z.string().min(1),
    })
    .optional(),
  ingredients: z
    .array(
      z.strictObject({
        name: z.string().nullable().optional(),
        strength: z.union([z.string(), z.number()]).nullable().optional(),
        strength_unit: z.string().nullable().optional(),
      }),
    )
    .nullable()
    .optional(),
  dose_form: z.string().nullable().optional(),
  route: z.string().nullable().optional(),
  frequency: z.string().nullable().optional(),
  quantity: z.int().min(1).nullable().optional(),
  period_start: date.nullable().optional(),
  period_end: date.nullable().optional(),
  instructions: z.string().nullable().optional(),
  status: z.enum(['active', 'inactive']).optional(),
  source: z.enum(['prescribed', 'patient_reported']).optional(),
  change_reason: z.string().nullable().optional(),
  prescription_valid_until: date.nullable().optional(),
  prescription_refills: z.int().min(0).nullable().optional(),
  prescription_days_supply: z.int().min(1).nullable().optional(),
  prescription_reason: z.string().nullable().optional(),
};
export const createMedication = z.strictObject({
  ...medicationEditable,
  patient_id: uuid,
  practitioner_id: uuid.optional(),
  medication_code: medicationEditable.medication_code.unwrap(),
  status: z.enum(['active', 'inactive']),
  source: z.enum(['prescribed', 'patient_reported']),
});
export const updateMedication = z.strictObject(medicationEditable);

export type ParseOutcome<T> = { ok: true; data: T } | { ok: false; errors: ErrorDetail[] };

/** Unwraps `{"data": …}` and validates it; errors carry JSON pointers into the body. */
export function parseWriteBody<T>(schema: z.ZodType<T>, body: unknown): ParseOutcome<T> {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('data' in body)) {
    return {
      ok: false,
      errors: [
        { id: 'INVALID_REQUEST', path: '/data', message: 'The body must be a JSON object {"data": {...}}' },
      ],
    };
  }
  const parsed = schema.safeParse((body as { data: unknown }).data);
  if (parsed.success) return { ok: true, data: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => ({
      id: 'VALIDATION_ERROR',
      path: `/data${issue.path.map((p) => `/${String(p)}`).join('')}`,
      message: issue.message,
    })),
  };
}
