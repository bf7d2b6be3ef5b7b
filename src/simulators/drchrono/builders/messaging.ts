import { DAY_MS, formatDate } from '../time-format.ts';
import {
  appointmentId,
  doctorOfAppointment,
  doctorOfPatient,
  patientOfAppointment,
  personOfDoctor,
  personOfPatient,
  stamps,
  stampsAt,
  ts,
} from './relations.ts';
import type { BuildContext, Builder } from './types.ts';

/** Messages, call logs, documents, consent, flags, custom fields and the audit trail. */
const owner = (ctx: BuildContext, resource: string, i: number) => {
  const p = ctx.parentIndex(resource, i, 'patients');
  const d = doctorOfPatient(ctx, p);
  return { p, d, patient: ctx.idOf('patients', p), doctor: ctx.idOf('doctors', d) };
};

const AUDIT_ACTIONS = ['Read', 'Read', 'Read', 'Update', 'Create'];
const AUDIT_TYPES = ['Chart', 'Appointment', 'Allergy', 'API'];

export const messagingBuilders: Record<string, Builder> = {
  patient_messages(ctx, i, rng) {
    const o = owner(ctx, 'patient_messages', i);
    const { created, updated } = stamps(ctx, rng, 365);
    const subject = rng.pick(ctx.vocab.messageSubjects);
    return {
      record: {
        id: ctx.idOf('patient_messages', i),
        patient: o.patient,
        doctor: o.doctor,
        subject,
        body: `${subject}. Please reply through the portal.`,
        message: '',
        attachments: [],
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  messages(ctx, i, rng) {
    const o = owner(ctx, 'messages', i);
    const patient = personOfPatient(ctx, o.p);
    const doctor = personOfDoctor(ctx, o.d);
    const { created, updated } = stamps(ctx, rng, 365);
    const type = rng.pick(ctx.vocab.doctorMessageTypes);
    return {
      record: {
        id: ctx.idOf('messages', i),
        doctor: o.doctor,
        patient: o.patient,
        owner: String(ctx.idOf('users', o.d)),
        responsible_user: String(ctx.idOf('users', o.d)),
        title: rng.pick(ctx.vocab.messageSubjects),
        type,
        type_description: type,
        attachment: '',
        message_notes: [],
        archived: false,
        read: rng.chance(0.7),
        starred: rng.chance(0.1),
        workflow_step: '',
        received_at: ts(created),
        patient_first_name: patient.firstName,
        patient_middle_name: '',
        patient_last_name: patient.lastName,
        doctor_first_name: doctor.firstName,
        doctor_middle_name: '',
        doctor_last_name: doctor.lastName,
        owner_first_name: doctor.firstName,
        owner_last_name: doctor.lastName,
        responsible_user_first_name: doctor.firstName,
        responsible_user_last_name: doctor.lastName,
        outgoing_fax_recipient_name: '',
        outgoing_fax_recipient_fax_number: '',
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  comm_logs(ctx, i, rng) {
    const o = owner(ctx, 'comm_logs', i);
    const { created, updated } = stamps(ctx, rng, 365);
    const title = rng.pick(ctx.vocab.commLogTitles);
    return {
      record: {
        id: ctx.idOf('comm_logs', i),
        patient: o.patient,
        doctor: o.doctor,
        appointment: null,
        title,
        message: title,
        type: 'Phone Call',
        duration: rng.int(1, 20),
        cash_charged: 0,
        scheduled_time: ts(created),
        author: String(ctx.idOf('users', o.d)),
        archived: false,
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  documents(ctx, i, rng) {
    const o = owner(ctx, 'documents', i);
    const { created, updated } = stamps(ctx, rng, 1095);
    return {
      record: {
        id: ctx.idOf('documents', i),
        patient: o.patient,
        doctor: o.doctor,
        description: rng.pick(ctx.vocab.documentDescriptions),
        date: formatDate(created),
        document: `https://files.example.com/documents/${ctx.idOf('documents', i)}.pdf`,
        metatags: '[]',
        archived: false,
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  consent_forms(ctx, i, rng) {
    const { created, updated } = stamps(ctx, rng, 1095);
    return {
      record: {
        id: ctx.idOf('consent_forms', i),
        doctor: ctx.idOf('doctors', Math.floor(i / 2)),
        title: i % 2 === 0 ? 'Consent to treat' : 'HIPAA notice acknowledgement',
        uri: `https://files.example.com/consent_forms/${ctx.idOf('consent_forms', i)}.pdf`,
        is_mandatory: i % 2 === 0,
        assign_by_default: true,
        order: i % 2,
        archived: false,
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  signed_consent_forms(ctx, i, rng) {
    const a = ctx.parentIndex('signed_consent_forms', i, 'appointments');
    const { updated } = stampsAt(ctx, rng, ctx.appointmentTime(a));
    return {
      record: {
        id: ctx.idOf('signed_consent_forms', i),
        patient: ctx.idOf('patients', patientOfAppointment(ctx, a)),
        appointment: Number(appointmentId(ctx, a)),
        consent_form: ctx.idOf('consent_forms', doctorOfAppointment(ctx, a) * 2),
        signature_file: `https://files.example.com/signatures/${ctx.idOf('signed_consent_forms', i)}.png`,
        date_signed: ts(Math.min(ctx.appointmentTime(a), ctx.anchor - 1000)),
        archived: false,
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  patient_flag_types(ctx, i, rng) {
    const { created, updated } = stamps(ctx, rng, 1095);
    return {
      record: {
        id: ctx.idOf('patient_flag_types', i),
        doctor: ctx.idOf('doctors', Math.floor(i / 2)),
        name: i % 2 === 0 ? 'Fall risk' : 'Needs interpreter',
        color: i % 2 === 0 ? '#E24E42' : '#3D8EB9',
        priority: (i % 2) + 1,
        archived: false,
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  custom_demographics(ctx, i, rng) {
    return {
      record: {
        id: ctx.idOf('custom_demographics', i),
        doctor: ctx.idOf('doctors', i),
        name: 'Preferred contact time',
        description: 'When the patient prefers to be called',
        template_name: 'preferred_contact_time',
        allowed_values: 'Morning\nAfternoon\nEvening',
        archived: false,
      },
      updatedAt: stamps(ctx, rng, 1095).updated,
    };
  },
  custom_appointment_fields(ctx, i, rng) {
    const { created, updated } = stamps(ctx, rng, 1095);
    return {
      record: {
        id: ctx.idOf('custom_appointment_fields', i),
        doctor: String(ctx.idOf('doctors', i)),
        field_name: 'Referral source',
        field_desc: 'How the patient heard about us',
        order: 1,
        archived: false,
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  patient_authorizations(ctx, i, rng) {
    const o = owner(ctx, 'patient_authorizations', i);
    const { created, updated } = stamps(ctx, rng, 365);
    const visits = rng.pick([6, 10, 12]);
    return {
      record: {
        id: ctx.idOf('patient_authorizations', i),
        patient: String(o.patient),
        patient_id: o.patient,
        doctor: String(o.doctor),
        doctor_id: o.doctor,
        auth_number: `AUTH${rng.int(100_000, 999_999)}`,
        specialty: 'Physical Therapy',
        status: 'active',
        start_date: formatDate(created),
        end_date: formatDate(created + 180 * DAY_MS),
        number_of_visits: visits,
        visits_remaining: rng.int(0, visits),
        procedure_codes: [{ code: '97110', quantity: String(visits), price: '95.00' }],
        expired: created + 180 * DAY_MS < ctx.anchor,
        notes: '',
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  audit_log(ctx, i, rng) {
    const o = owner(ctx, 'audit_log', i);
    const { created } = stamps(ctx, rng, 365);
    const doctor = personOfDoctor(ctx, o.d);
    return {
      record: {
        id: ctx.idOf('audit_log', i),
        patient: String(o.patient),
        doctor_id: o.doctor,
        user_id: ctx.idOf('users', o.d),
        appointment_id: null,
        action: rng.pick(AUDIT_ACTIONS),
        type: rng.pick(AUDIT_TYPES),
        page: rng.pick(ctx.vocab.auditPages),
        field: '',
        name_of_user: `${doctor.firstName} ${doctor.lastName}`,
        ip_address: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
        description: 'Viewed record',
        created_at: ts(created),
        updated_at: ts(created),
      },
      updatedAt: created,
    };
  },
};
