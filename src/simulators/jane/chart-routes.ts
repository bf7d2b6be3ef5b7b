import { randomBytes } from 'node:crypto';
import { json } from '../common/http-server.ts';
import { createRng } from '../common/rng.ts';
import type { ApiContext, createApiRoutes } from './api-guard.ts';
import { RESOURCES } from './catalog.ts';
import type { Clinic } from './clinic.ts';
import type { MedicationHistoryEntry } from './dataset.ts';
import { toPayload } from './envelopes.ts';
import { type ErrorDetail, janeError, validationError } from './errors.ts';
import { uuidV7 } from './ids.ts';
import { MEDICATION_NULLS } from './medication-defaults.ts';
import {
  createActivity,
  createCarePlan,
  createMedication,
  createObservation,
  parseWriteBody,
  updateActivity,
  updateCarePlan,
  updateMedication,
  updateObservation,
} from './write-schemas.ts';

/**
 * The medical-record write surface JDP has: observations, care plans (+ activities) and
 * medications (+ history). Patients and appointments have no writes in JDP.
 */
export function addChartRoutes(api: ReturnType<typeof createApiRoutes>): void {
  const obs = RESOURCES.observations;
  const plans = RESOURCES.care_plans;
  const meds = RESOURCES.medications;
  const newId = (clinic: Clinic, at: number) =>
    uuidV7(at, createRng(randomBytes(4).readUInt32LE(0) ^ clinic.seed));
  const notFound = (what: string) =>
    janeError(404, 'errors', { id: 'NOT_FOUND', message: `The ${what} was not found` });

  // Observations
  api.route('POST', obs.path, obs.createScope ?? '', (ctx) => {
    const body = parseWriteBody(createObservation, ctx.req.body);
    if (!body.ok) return validationError(body.errors);
    const { id: _id, created_at: _c, updated_at: _u, ...data } = body.data;
    const problems = [
      ...missingRefs(ctx, { patients: data.patient_id, staff_members: data.practitioner_id }),
      ...missingDocuments(ctx, data.document_ids),
    ];
    if (problems.length) return validationError(problems);
    const at = ctx.clinic.store.stamp();
    const id = newId(ctx.clinic, at);
    const record = {
      id,
      practitioner_id: ctx.token.userId,
      issued_at: new Date(at).toISOString(),
      document_ids: [],
      ...data,
      values: (data.values ?? []).map((v) => ({ ...v, id: v.id ?? newId(ctx.clinic, at) })),
    };
    return json(
      201,
      toPayload(obs, ctx.clinic.store.insert('observations', { record, createdAt: at, updatedAt: at })),
    );
  });
  api.route('PATCH', `${obs.path}/:observation_id`, obs.updateScope ?? '', (ctx) => {
    const entry = ctx.clinic.store.get('observations', ctx.req.params.observation_id ?? '');
    if (!entry) return notFound('observation');
    const body = parseWriteBody(updateObservation, ctx.req.body);
    if (!body.ok) return validationError(body.errors);
    const problems = missingDocuments(ctx, body.data.document_ids);
    if (problems.length) return validationError(problems, 422);
    const patch: Record<string, unknown> = { ...body.data };
    if (body.data.values) {
      patch.values = body.data.values.map((v) => ({
        ...v,
        id: v.id ?? newId(ctx.clinic, ctx.clinic.store.stamp()),
      }));
    }
    return json(200, toPayload(obs, ctx.clinic.store.update('observations', entry.id, patch)));
  });

  // Care plans and their activities
  api.route('POST', plans.path, plans.createScope ?? '', (ctx) => {
    const body = parseWriteBody(createCarePlan, ctx.req.body);
    if (!body.ok) return validationError(body.errors);
    const { id: _id, created_at: _c, updated_at: _u, activities, ...data } = body.data;
    const problems = [
      ...missingRefs(ctx, { patients: data.patient_id, staff_members: data.practitioner_id }),
      ...missingDocuments(ctx, data.document_ids),
    ];
    if (problems.length) return validationError(problems);
    const at = ctx.clinic.store.stamp();
    const iso = new Date(at).toISOString();
    const record = {
      id: newId(ctx.clinic, at),
      practitioner_id: ctx.token.userId,
      status: 'draft',
      document_ids: [],
      ...data,
      activities: (activities ?? []).map(({ id: _a, created_at: _ac, updated_at: _au, ...a }) => ({
        id: newId(ctx.clinic, at),
        ...a,
        created_at: iso,
        updated_at: iso,
      })),
    };
    return json(
      201,
      toPayload(plans, ctx.clinic.store.insert('care_plans', { record, createdAt: at, updatedAt: at })),
    );
  });
  api.route('PATCH', `${plans.path}/:care_plan_id`, plans.updateScope ?? '', (ctx) => {
    const entry = ctx.clinic.store.get('care_plans', ctx.req.params.care_plan_id ?? '');
    if (!entry) return notFound('care plan');
    const body = parseWriteBody(updateCarePlan, ctx.req.body);
    if (!body.ok) return validationError(body.errors);
    const problems = missingDocuments(ctx, body.data.document_ids);
    if (problems.length) return validationError(problems, 422);
    return json(200, toPayload(plans, ctx.clinic.store.update('care_plans', entry.id, body.data)));
  });
  const activitiesOf = (record: Record<string, unknown>) =>
    (record.activities ?? []) as ({ id: string } & Record<string, unknown>)[];
  api.route('POST', `${plans.path}/:care_plan_id/activities`, plans.createScope ?? '', (ctx) => {
    const plan = ctx.clinic.store.get('care_plans', ctx.req.params.care_plan_id ?? '');
    if (!plan) return notFound('care plan');
    const body = parseWriteBody(createActivity, ctx.req.body);
    if (!body.ok) return validationError(body.errors);
    const { id: _id, created_at: _c, updated_at: _u, ...data } = body.data;
    const at = ctx.clinic.store.stamp();
    const iso = new Date(at).toISOString();
    const activity = { id: newId(ctx.clinic, at), ...data, created_at: iso, updated_at: iso };
    ctx.clinic.store.update(
      'care_plans',
      plan.id,
      { activities: [...activitiesOf(plan.record), activity] },
      at,
    );
    return json(201, activity);
  });
  api.route(
    'GET',
    `${plans.path}/:care_plan_id/activities/:care_plan_activity_id`,
    plans.readScope,
    (ctx) => {
      const found = findActivity(ctx);
      return found ? json(200, found.activity) : notFound('care plan activity');
    },
  );
  api.route(
    'PATCH',
    `${plans.path}/:care_plan_id/activities/:care_plan_activity_id`,
    plans.updateScope ?? '',
    (ctx) => {
      const found = findActivity(ctx);
      if (!found) return notFound('care plan activity');
      const body = parseWriteBody(updateActivity, ctx.req.body);
      if (!body.ok) return validationError(body.errors);
      const at = ctx.clinic.store.stamp();
      const updated = { ...found.activity, ...body.data, updated_at: new Date(at).toISOString() };
      const activities = activitiesOf(found.plan).map((a) => (a.id === updated.id ? updated : a));
      ctx.clinic.store.update('care_plans', String(found.plan.id), { activities }, at);
      return json(200, updated);
    },
  );
  function findActivity(ctx: ApiContext) {
    const plan = ctx.clinic.store.get('care_plans', ctx.req.params.care_plan_id ?? '');
    const activity =
      plan && activitiesOf(plan.record).find((a) => a.id === ctx.req.params.care_plan_activity_id);
    return plan && activity ? { plan: plan.record, activity } : undefined;
  }

  // Medications and their change history
  api.route('POST', meds.path, meds.createScope ?? '', (ctx) => {
    const body = parseWriteBody(createMedication, ctx.req.body);
    if (!body.ok) return validationError(body.errors);
    if (!ctx.clinic.store.get('patients', body.data.patient_id)) return notFound('patient');
    const problems = missingRefs(ctx, { staff_members: body.data.practitioner_id });
    if (problems.length) return validationError(problems);
    const at = ctx.clinic.store.stamp();
    const record = {
      ...MEDICATION_NULLS,
      id: newId(ctx.clinic, at),
      practitioner_id: ctx.token.userId,
      ...body.data,
    };
    const entry = ctx.clinic.store.insert('medications', { record, createdAt: at, updatedAt: at });
    const changes = Object.entries(body.data)
      .filter(([k, v]) => v !== null && k !== 'patient_id')
      .map(([attribute, to]) => ({ attribute, from: null, to }));
    ctx.clinic.store.medicationHistory.set(entry.id, [historyEntry(ctx, 'create', at, changes, null)]);
    return json(201, toPayload(meds, entry));
  });
  api.route('PATCH', `${meds.path}/:medication_id`, meds.updateScope ?? '', (ctx) => {
    const entry = ctx.clinic.store.get('medications', ctx.req.params.medication_id ?? '');
    if (!entry) return notFound('medication');
    const body = parseWriteBody(updateMedication, ctx.req.body);
    if (!body.ok) return validationError(body.errors);
    const before = entry.record;
    const end = body.data.period_end ?? before.period_end;
    const start = body.data.period_start ?? before.period_start;
    if (typeof end === 'string' && typeof start === 'string' && end < start) {
      return validationError(
        [
          {
            id: 'VALIDATION_ERROR',
            path: '/data/period_end',
            message: 'period_end must not be before period_start',
          },
        ],
        422,
      );
    }
    const at = ctx.clinic.store.stamp();
    const updated = ctx.clinic.store.update('medications', entry.id, body.data, at);
    const changes = Object.entries(body.data)
      .filter(([k, v]) => JSON.stringify(before[k] ?? null) !== JSON.stringify(v))
      .map(([attribute, to]) => ({ attribute, from: before[attribute] ?? null, to }));
    const history = ctx.clinic.store.medicationHistory.get(entry.id) ?? [];
    history.push(historyEntry(ctx, 'update', at, changes, body.data.change_reason ?? null));
    ctx.clinic.store.medicationHistory.set(entry.id, history);
    return json(200, toPayload(meds, updated));
  });
  api.route('GET', `${meds.path}/:medication_id/history`, meds.readScope, (ctx) => {
    const id = ctx.req.params.medication_id ?? '';
    if (!ctx.clinic.store.get('medications', id)) return notFound('medication');
    return json(200, { items: ctx.clinic.store.medicationHistory.get(id) ?? [] });
  });
}

function historyEntry(
  ctx: ApiContext,
  event: MedicationHistoryEntry['event'],
  at: number,
  changes: MedicationHistoryEntry['changes'],
  reason: string | null,
): MedicationHistoryEntry {
  const staff = ctx.clinic.store.get('staff_members', ctx.token.userId)?.record;
  const modifiedBy = staff
    ? {
        id: staff.id,
        name: `${String(staff.first_name)} ${String(staff.last_name)}`,
        email: String(staff.email),
      }
    : ctx.clinic.owner;
  return { event, occurred_at: new Date(at).toISOString(), modified_by: modifiedBy, changes, reason };
}

function missingRefs(ctx: ApiContext, refs: { patients?: string; staff_members?: string }): ErrorDetail[] {
  const out: ErrorDetail[] = [];
  if (refs.patients !== undefined && !ctx.clinic.store.get('patients', refs.patients)) {
    out.push({ id: 'NOT_FOUND', path: '/data/patient_id', message: 'No patient with this id' });
  }
  if (refs.staff_members !== undefined && !ctx.clinic.store.get('staff_members', refs.staff_members)) {
    out.push({ id: 'NOT_FOUND', path: '/data/practitioner_id', message: 'No staff member with this id' });
  }
  return out;
}

/** Attached documents must exist and have been uploaded by the same partner app. */
function missingDocuments(ctx: ApiContext, ids: readonly string[] | undefined): ErrorDetail[] {
  return (ids ?? []).flatMap((id, i) => {
    const doc = ctx.clinic.store.documents.get(id);
    return doc && doc.clientId === ctx.token.clientId
      ? []
      : [{ id: 'NOT_FOUND', path: `/data/document_ids/${i}`, message: 'No uploaded document with this id' }];
  });
}
