import { DAY_MS, formatDate } from '../time-format.ts';
import {
  appointmentId,
  doctorOfAppointment,
  examRoomCount,
  isBreakAppointment,
  officeOfDoctor,
  patientOfAppointment,
  stamps,
  stampsAt,
  ts,
} from './relations.ts';
import type { Builder } from './types.ts';

const DURATIONS = [15, 30, 30, 30, 45, 60];

/** BMI agrees with height and weight: 703 × lb / in², one decimal, as DrChrono computes it. */
function vitalsWithBmi<T extends { height: number; weight: number; bmi: unknown }>(vitals: T) {
  return { ...vitals, bmi: ((703 * vitals.weight) / (vitals.height * vitals.height)).toFixed(1) };
}

export const schedulingBuilders: Record<string, Builder> = {
  appointments(ctx, i, rng) {
    const start = ctx.appointmentTime(i);
    const d = doctorOfAppointment(ctx, i);
    const office = officeOfDoctor(ctx, d);
    const past = start < ctx.anchor;
    rng.next(); // the draw that once decided breaks, kept so the rest of the record stays the same
    const isBreak = isBreakAppointment(ctx, i);
    const booked = Math.min(
      Math.max(start - rng.int(1, 45) * DAY_MS, ctx.anchor - 800 * DAY_MS),
      ctx.anchor - 60_000,
    );
    const updated = past ? Math.min(start + rng.int(30, 600) * 60_000, ctx.anchor - 1000) : booked;
    const status = past ? rng.pick(ctx.vocab.appointmentStatuses) : rng.pick(ctx.vocab.futureStatuses);
    const icd = rng.pick(ctx.vocab.icd10);
    const duration = rng.pick(DURATIONS);
    return {
      record: {
        id: appointmentId(ctx, i),
        patient: isBreak ? null : ctx.idOf('patients', patientOfAppointment(ctx, i)),
        doctor: ctx.idOf('doctors', d),
        office: ctx.idOf('offices', office),
        exam_room: 1 + (i % examRoomCount(office)),
        scheduled_time: ts(start),
        duration,
        appt_is_break: isBreak,
        status: isBreak ? '' : status,
        reason: isBreak ? 'Lunch' : rng.pick(ctx.vocab.appointmentReasons),
        notes: '',
        color: rng.pick(ctx.vocab.colors),
        profile: ctx.idOf('appointment_profiles', d * 4 + (i % 4)),
        icd10_codes: past && !isBreak ? [icd.code] : [],
        icd9_codes: [],
        billing_status: past && !isBreak ? rng.pick(['Bill Insurance', 'Paid In Full', 'Balance Due']) : '',
        payment_profile: '',
        is_walk_in: rng.chance(0.03),
        is_virtual_base: false,
        recurring_appointment: false,
        recurring_days: [],
        base_recurring_appointment: null,
        recurrence_instance_key: null,
        cloned_from: null,
        deleted_flag: false,
        allow_overlapping: false,
        custom_status: '',
        billing_notes: [],
        ins1_status: past ? rng.pick(['', 'Paid in Full', 'In Process Payer', 'ERA Received']) : '',
        ins2_status: '',
        primary_insurer_name: '',
        primary_insurer_payer_id: '',
        primary_insurance_id_number: '',
        secondary_insurer_name: '',
        secondary_insurer_payer_id: '',
        secondary_insurance_id_number: '',
        first_billed_date: past ? ts(Math.min(start + DAY_MS, ctx.anchor - 1000)) : null,
        last_billed_date: past ? ts(Math.min(start + DAY_MS, ctx.anchor - 1000)) : null,
        created_by: ctx.idOf('users', d),
        created_at: ts(booked),
        updated_at: ts(updated),
        // verbose-only fields
        clinical_note: past ? { locked: status === 'Complete', pdf: '', updated_at: ts(updated) } : null,
        custom_fields: [],
        custom_vitals: [],
        extended_updated_at: ts(updated),
        reminders: [],
        status_transitions: [],
        vitals: past
          ? vitalsWithBmi({
              height: rng.int(58, 76),
              height_units: 'inches',
              weight_units: 'lbs',
              weight: rng.int(110, 260),
              bmi: rng.int(190, 340), // replaced by the BMI of this height and weight
              blood_pressure_1: rng.int(105, 150),
              blood_pressure_2: rng.int(65, 95),
              temperature: Number((97 + rng.next() * 2).toFixed(1)),
              pulse: rng.int(55, 100),
              respiratory_rate: rng.int(12, 20),
              oxygen_saturation: rng.int(94, 100),
            })
          : {},
      },
      updatedAt: updated,
    };
  },
  appointment_profiles(ctx, i, rng) {
    const names = ['Office visit', 'New patient', 'Annual physical', 'Telehealth follow-up'];
    return {
      record: {
        id: ctx.idOf('appointment_profiles', i),
        doctor: ctx.idOf('doctors', Math.floor(i / 4)),
        name: names[i % 4],
        color: ctx.vocab.colors[i % ctx.vocab.colors.length],
        duration: [30, 45, 60, 15][i % 4],
        reason: names[i % 4],
        sort_order: i % 4,
        online_scheduling: i % 4 !== 2,
        archived: false,
      },
      updatedAt: stamps(ctx, rng, 1500).updated,
    };
  },
  appointment_templates(ctx, i, rng) {
    const d = Math.floor(i / 2);
    const office = officeOfDoctor(ctx, d);
    return {
      record: {
        id: ctx.idOf('appointment_templates', i),
        profile: ctx.idOf('appointment_profiles', d * 4 + (i % 2)),
        office: ctx.idOf('offices', office),
        exam_room: 1,
        scheduled_time: i % 2 === 0 ? '09:00:00' : '13:00:00',
        duration: 180,
        week_days: [0, 2, 4],
        date_start: formatDate(ctx.anchor - 365 * DAY_MS),
        date_end: formatDate(ctx.anchor + 365 * DAY_MS),
        open_slots: [],
        archived: false,
      },
      updatedAt: stamps(ctx, rng, 900).updated,
    };
  },
  reminder_profiles(ctx, i, rng) {
    return {
      record: {
        id: ctx.idOf('reminder_profiles', i),
        doctor: ctx.idOf('doctors', i),
        name: 'Default reminders',
        reminders: [
          // The vendor's ReminderTemplate: {type, amount, unit}.
          { type: 'email', amount: 2, unit: 'days' },
          { type: 'sms', amount: 2, unit: 'hours' },
        ],
      },
      updatedAt: stamps(ctx, rng, 900).updated,
    };
  },
  schedule_blocks(ctx, i, rng) {
    const d = Math.floor(i / 2);
    const day = ctx.anchor + rng.int(-60, 30) * DAY_MS;
    return {
      record: {
        id: ctx.idOf('schedule_blocks', i),
        provider: ctx.idOf('doctors', d),
        office: ctx.idOf('offices', officeOfDoctor(ctx, d)),
        exam_room: 1,
        practice_group: 41200,
        start_time: ts(day + 12 * 3_600_000),
        end_time: ts(day + 13 * 3_600_000),
        description: i % 2 === 0 ? 'Lunch' : 'Administrative time',
        color: '#AAAAAA',
        series: null,
        appointment_break: null,
      },
      updatedAt: stamps(ctx, rng, 90).updated,
    };
  },
  telehealth_appointments(ctx, i, rng) {
    const a = ctx.parentIndex('telehealth_appointments', i, 'appointments');
    const { created, updated } = stampsAt(ctx, rng, ctx.appointmentTime(a) - DAY_MS);
    return {
      record: {
        id: ctx.idOf('telehealth_appointments', i),
        appointment: Number(appointmentId(ctx, a)),
        telehealth_url: `https://telehealth.example.com/visit/${ctx.idOf('telehealth_appointments', i)}`,
        duration: 30,
        overlapping_duration: '',
        sent_patient_email: [],
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  telehealth_appointment_history(ctx, i, rng) {
    const t = ctx.parentIndex('telehealth_appointment_history', i, 'telehealth_appointments');
    const a = ctx.parentIndex('telehealth_appointments', t, 'appointments');
    const at = Math.min(ctx.appointmentTime(a) + (i % 2) * 1_800_000, ctx.anchor - 1000);
    return {
      record: {
        id: ctx.idOf('telehealth_appointment_history', i),
        event_type: i % 2 === 0 ? 'session_started' : 'session_ended',
        description: i % 2 === 0 ? 'Provider started the session' : 'Session ended',
        timestamp: ts(at),
      },
      updatedAt: stampsAt(ctx, rng, at).updated,
    };
  },
};
