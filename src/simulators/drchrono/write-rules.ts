import { json, type SimResponse } from '../common/http-server.ts';
import { CQM_CODE_NAMES } from './builders/clinical.ts';
import { chartId } from './builders/patients.ts';
import type { ResourceStore } from './store.ts';
import { parseDrChronoTime } from './time-format.ts';

/**
 * Resource-specific create rules DrChrono enforces beyond the schema: the patient duplicate
 * guard (`allow_duplicates` overrides it), the generated chart id, the appointment overlap
 * check (`allow_overlapping` bypasses it) and exam rooms that must exist in the office.
 */
export type CreateRule = (input: {
  values: Record<string, unknown>;
  id: number;
  params: URLSearchParams;
  stores: (resource: string) => ResourceStore | undefined;
}) => SimResponse | undefined;

const truthy = (v: unknown) => v === true || v === 'true' || v === '1' || v === 1;

const samePerson = (a: Record<string, unknown>, b: Record<string, unknown>) =>
  String(a.first_name ?? '').toLowerCase() === String(b.first_name ?? '').toLowerCase() &&
  String(a.last_name ?? '').toLowerCase() === String(b.last_name ?? '').toLowerCase() &&
  String(a.date_of_birth ?? '') === String(b.date_of_birth ?? '') &&
  String(a.gender ?? '') === String(b.gender ?? '');

const patientRule: CreateRule = ({ values, id, params, stores }) => {
  if (!values.chart_id) {
    values.chart_id = chartId(String(values.last_name ?? ''), String(values.first_name ?? ''), id);
  }
  if (truthy(params.get('allow_duplicates')) || truthy(values.allow_duplicates)) return undefined;
  delete values.allow_duplicates;
  const patients = stores('patients');
  if (!patients || !values.first_name || !values.last_name || !values.date_of_birth) return undefined;
  for (const [, entry] of patients.scan()) {
    if (samePerson(entry.record, values)) {
      return json(409, {
        detail:
          'A patient with the same first name, last name, date of birth and gender already exists. ' +
          'Set allow_duplicates=true to create it anyway.',
      });
    }
  }
  return undefined;
};

const appointmentRule: CreateRule = ({ values, stores }) => {
  const office = stores('offices')?.get(Number(values.office));
  if (!office)
    return json(400, { office: [`Invalid pk "${String(values.office)}" - object does not exist.`] });
  const rooms = office.record.exam_rooms;
  const room = Number(values.exam_room);
  if (Array.isArray(rooms) && !rooms.some((r) => (r as { index?: unknown }).index === room)) {
    return json(400, { exam_room: ['Exam room does not exist in this office.'] });
  }
  if (truthy(values.allow_overlapping) || values.patient === null || values.patient === undefined)
    return undefined;
  const start = parseDrChronoTime(String(values.scheduled_time ?? ''));
  if (start === undefined) return json(400, { scheduled_time: ['Datetime has wrong format.'] });
  const end = start + Number(values.duration ?? 30) * 60_000;
  const appointments = stores('appointments');
  if (!appointments) return undefined;
  for (const [, entry] of appointments.scan()) {
    const r = entry.record;
    if (r.deleted_flag === true || String(r.doctor) !== String(values.doctor)) continue;
    if (String(r.office) !== String(values.office) || String(r.exam_room) !== String(values.exam_room))
      continue;
    const s = parseDrChronoTime(String(r.scheduled_time ?? ''));
    if (s === undefined) continue;
    const e = s + Number(r.duration ?? 30) * 60_000;
    if (s < end && start < e) {
      return json(409, {
        detail:
          'The appointment overlaps an existing appointment. Set allow_overlapping=true to book it anyway.',
      });
    }
  }
  return undefined;
};

/** A schedule block sits in an existing office and ends after it starts (DRF's field errors). */
const scheduleBlockRule: CreateRule = ({ values, stores }) => {
  if (!stores('offices')?.get(Number(values.office)))
    return json(400, { office: [`Invalid pk "${String(values.office)}" - object does not exist.`] });
  const start = parseDrChronoTime(String(values.start_time ?? ''));
  const end = parseDrChronoTime(String(values.end_time ?? ''));
  if (start === undefined) return json(400, { start_time: ['Datetime has wrong format.'] });
  if (end === undefined) return json(400, { end_time: ['Datetime has wrong format.'] });
  if (end <= start) return json(400, { end_time: ['End time must be after start time.'] });
  return undefined;
};

/** The vendor's ReminderTemplate items: `type` and `unit` from their enums, `amount` an integer. */
const REMINDER_TYPES = ['email', 'sms', 'phone', 'auto_call'];
const REMINDER_UNITS = ['minutes', 'hours', 'days', 'weeks'];
const reminderProfileRule: CreateRule = ({ values }) => {
  const reminders = values.reminders;
  if (!Array.isArray(reminders) || reminders.length === 0)
    return json(400, { reminders: ['This field is required.'] });
  const errors = reminders.map((item) => {
    const r = (item ?? {}) as Record<string, unknown>;
    const e: Record<string, string[]> = {};
    if (!REMINDER_TYPES.includes(String(r.type))) e.type = [`"${String(r.type)}" is not a valid choice.`];
    if (!REMINDER_UNITS.includes(String(r.unit))) e.unit = [`"${String(r.unit)}" is not a valid choice.`];
    if (!Number.isInteger(r.amount)) e.amount = ['A valid integer is required.'];
    return e;
  });
  return errors.some((e) => Object.keys(e).length) ? json(400, { reminders: errors }) : undefined;
};

/**
 * A telehealth appointment extends an existing appointment; DrChrono makes its join link and takes
 * the appointment's length (both read-only).
 */
const telehealthRule: CreateRule = ({ values, id, stores }) => {
  const appointment = stores('appointments')?.get(Number(values.appointment));
  if (!appointment)
    return json(400, {
      appointment: [`Invalid pk "${String(values.appointment)}" - object does not exist.`],
    });
  values.telehealth_url = `https://telehealth.example.com/visit/${id}`;
  values.duration = Number(appointment.record.duration ?? 30);
  return undefined;
};

/** A field value names a field type and an appointment that exist (DrChrono answers 400 otherwise). */
const fieldValueRule: CreateRule = ({ values, stores }) => {
  for (const [field, resource] of [
    ['clinical_note_field', 'clinical_note_field_types'],
    ['appointment', 'appointments'],
  ] as const) {
    if (!stores(resource)?.get(Number(values[field])))
      return json(400, { [field]: [`Invalid pk "${String(values[field])}" - object does not exist.`] });
  }
  return undefined;
};

export const createRules: Record<string, CreateRule> = {
  patients: patientRule,
  appointments: appointmentRule,
  schedule_blocks: scheduleBlockRule,
  reminder_profiles: reminderProfileRule,
  telehealth_appointments: telehealthRule,
  clinical_note_field_values: fieldValueRule,
};

/**
 * Read-only fields DrChrono derives from writable ones, after a create or an update: a CQM entry's
 * `name` / `value_name` are the display names of its codes (blank for a code its database lacks).
 */
export type DeriveRule = (record: Record<string, unknown>) => void;

const cqmNames: DeriveRule = (record) => {
  record.name = CQM_CODE_NAMES.get(String(record.code ?? '')) ?? '';
  record.value_name = CQM_CODE_NAMES.get(String(record.value_code ?? '')) ?? '';
};

export const deriveRules: Record<string, DeriveRule> = {
  patient_communications: cqmNames,
  patient_interventions: cqmNames,
  patient_physical_exams: cqmNames,
  patient_risk_assessments: cqmNames,
};
