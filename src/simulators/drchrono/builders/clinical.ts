import { DAY_MS, formatDate } from '../time-format.ts';
import {
  appointmentId,
  doctorOfAppointment,
  doctorOfPatient,
  isBreakAppointment,
  patientOfAppointment,
  stamps,
  stampsAt,
  ts,
  visitIndex,
} from './relations.ts';
import type { BuildContext, Builder } from './types.ts';

/** The patient (by index) of a per-patient child resource, spread evenly. */
/** Appends the GS1 mod-10 check digit (weights 3, 1, 3… from the right) to 13 digits: a GTIN-14. */
function withGs1CheckDigit(digits: string): string {
  const sum = [...digits].reverse().reduce((total, d, i) => total + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
  return `${digits}${(10 - (sum % 10)) % 10}`;
}

/** A GS1 UDI in its human-readable form: (01) 14-digit device identifier, (17) expiry YYMMDD, (10) lot, (21) serial. */
function udiOf(gtin: string, expires: number, lot: string, serial: string): string {
  const yymmdd = formatDate(expires).slice(2).replaceAll('-', '');
  return `(01)${gtin}(17)${yymmdd}(10)${lot}(21)${serial}`;
}

const ownerOf = (ctx: BuildContext, resource: string, i: number) => {
  const p = ctx.parentIndex(resource, i, 'patients');
  return { p, patient: ctx.idOf('patients', p), doctor: ctx.idOf('doctors', doctorOfPatient(ctx, p)) };
};

/** CQM entries (communications, interventions, physical exams, risk assessments) share one shape. */
const CQM: Record<string, { name: string; code: string; value: string; valueCode: string }[]> = {
  patient_communications: [
    {
      name: 'Communication from provider to patient',
      code: '312904009',
      value: 'Diabetes education',
      valueCode: '385804009',
    },
  ],
  patient_interventions: [
    {
      name: 'Tobacco use cessation counseling',
      code: '171055003',
      value: 'Counseling',
      valueCode: '225323000',
    },
  ],
  patient_physical_exams: [
    { name: 'Body mass index', code: '39156-5', value: 'Normal', valueCode: '17621005' },
  ],
  patient_risk_assessments: [
    { name: 'Fall risk assessment', code: '73830-2', value: 'Low risk', valueCode: '723505004' },
  ],
};

/** The display names DrChrono's code database gives these codes (read-only `name` / `value_name`). */
export const CQM_CODE_NAMES: ReadonlyMap<string, string> = new Map(
  Object.values(CQM).flatMap((entries) =>
    entries.flatMap((e) => [
      [e.code, e.name],
      [e.valueCode, e.value],
    ]),
  ),
);

const cqmBuilder =
  (resource: string): Builder =>
  (ctx, i, rng) => {
    const o = ownerOf(ctx, resource, i);
    const entry = rng.pick(CQM[resource] ?? []);
    const { created, updated } = stamps(ctx, rng, 365);
    return {
      record: {
        id: ctx.idOf(resource, i),
        patient: o.patient,
        doctor: o.doctor,
        appointment: '',
        name: entry.name,
        code: entry.code,
        code_system: entry.code.includes('-') ? 'LOINC' : 'SNOMEDCT',
        value_name: entry.value,
        value_code: entry.valueCode,
        value_code_system: 'SNOMEDCT',
        effective_time: ts(created),
        created_at: ts(created),
      },
      updatedAt: updated,
    };
  };

/**
 * A clinical note field type (a line of a note template). Its values are free text in the notes, so
 * it is a `String` field (one of the vendor spec's data types); `/api/clinical_note_field_types`
 * serves it with the template id as a string, a verbose template with the id as an integer.
 */
function noteFieldType(ctx: BuildContext, i: number): Record<string, unknown> {
  return {
    id: ctx.idOf('clinical_note_field_types', i),
    clinical_note_template: ctx.idOf('clinical_note_templates', Math.floor(i / 6)),
    name: ctx.vocab.clinicalNoteSections[i % 6],
    data_type: 'String',
    required: i % 6 === 0,
    allowed_values: [],
    comment: '',
    archived: false,
  };
}

export const clinicalBuilders: Record<string, Builder> = {
  clinical_notes(ctx, i, rng) {
    const start = ctx.appointmentTime(i);
    const { updated } = stampsAt(ctx, rng, start);
    // Only a visit that took place has a note: not a future one, not a lunch break.
    const written = start < ctx.anchor && !isBreakAppointment(ctx, i);
    const sections = ctx.vocab.clinicalNoteSections.slice(0, 3 + (i % 4)).map((name, s) => ({
      clinical_note_template: ctx.idOf('clinical_note_templates', doctorOfAppointment(ctx, i) * 2),
      name,
      values: [
        {
          clinical_note_field: ctx.idOf('clinical_note_field_types', s),
          value: rng.pick(ctx.vocab.noteValues),
        },
      ],
    }));
    return {
      record: {
        id: ctx.idOf('appointments', i),
        appointment: appointmentId(ctx, i),
        patient: String(ctx.idOf('patients', patientOfAppointment(ctx, i))),
        archived: false,
        clinical_note_sections: written ? sections : [],
        signee: written ? { id: ctx.idOf('doctors', doctorOfAppointment(ctx, i)) } : null,
        created_at: ts(Math.min(start, ctx.anchor - 1000)),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  clinical_note_field_values(ctx, i, rng) {
    // A lunch break has no visit, so no note to fill in: the value belongs to the nearest visit.
    const a = visitIndex(ctx, i);
    const start = ctx.appointmentTime(a);
    const { created, updated } = stampsAt(ctx, rng, start);
    return {
      record: {
        id: ctx.idOf('clinical_note_field_values', i),
        appointment: Number(appointmentId(ctx, a)),
        clinical_note_field: ctx.idOf(
          'clinical_note_field_types',
          (doctorOfAppointment(ctx, a) * 2 * 6) % ctx.count('clinical_note_field_types'),
        ),
        value: rng.pick(ctx.vocab.noteValues),
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  clinical_note_templates(ctx, i, rng) {
    const { updated } = stamps(ctx, rng, 1500);
    return {
      record: {
        id: ctx.idOf('clinical_note_templates', i),
        name: i % 2 === 0 ? 'SOAP note' : 'Annual physical',
        doctor: String(ctx.idOf('doctors', Math.floor(i / 2))),
        archived: false,
        is_persistent: false,
        is_onpatient: false,
        workflow_key: '',
        order: null,
        // Verbose only (x-verbose-required): the field objects themselves, as the vendor spec says.
        clinical_note_fields: Array.from({ length: 6 }, (_, f) => noteFieldType(ctx, i * 6 + f)),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  clinical_note_field_types(ctx, i, rng) {
    return {
      record: {
        ...noteFieldType(ctx, i),
        clinical_note_template: String(ctx.idOf('clinical_note_templates', Math.floor(i / 6))),
      },
      updatedAt: stamps(ctx, rng, 1500).updated,
    };
  },
  medications(ctx, i, rng) {
    const o = ownerOf(ctx, 'medications', i);
    const med = rng.pick(ctx.vocab.medications);
    const { created, updated } = stamps(ctx, rng, 1095);
    const stopped = rng.chance(0.25);
    return {
      record: {
        id: ctx.idOf('medications', i),
        patient: o.patient,
        doctor: o.doctor,
        appointment: null,
        name: med.name,
        rxnorm: med.rxnorm,
        ndc: med.ndc,
        dosage_quantity: med.dose,
        dosage_units: med.units,
        frequency: med.frequency,
        route: med.route,
        indication: med.indication,
        signature_note: `Take ${med.dose} ${med.units} ${med.route} ${med.frequency}`,
        dispense_quantity: 30,
        number_refills: rng.int(0, 5),
        prn: med.frequency.includes('as needed'),
        daw: false,
        order_status: rng.pick(ctx.vocab.medicationOrderStatuses),
        status: stopped ? 'inactive' : 'active',
        date_prescribed: formatDate(created),
        date_started_taking: formatDate(created),
        date_stopped_taking: stopped ? formatDate(updated) : null,
        pharmacy_note: '',
        notes: '',
      },
      updatedAt: updated,
    };
  },
  allergies(ctx, i, rng) {
    const o = ownerOf(ctx, 'allergies', i);
    const allergy = rng.pick(ctx.vocab.allergies);
    const { updated } = stamps(ctx, rng, 1095);
    return {
      record: {
        id: ctx.idOf('allergies', i),
        patient: o.patient,
        doctor: o.doctor,
        description: allergy.description,
        reaction: allergy.reaction,
        snomed_reaction: allergy.snomedReaction,
        snomed_code: allergy.snomed,
        rxnorm: allergy.rxnorm,
        status: rng.chance(0.9) ? 'active' : 'inactive',
        verification_status: rng.chance(0.85) ? 'confirmed' : 'unconfirmed',
        notes: '',
      },
      updatedAt: updated,
    };
  },
  problems(ctx, i, rng) {
    const o = ownerOf(ctx, 'problems', i);
    const icd = rng.pick(ctx.vocab.icd10);
    const { created, updated } = stamps(ctx, rng, 1460);
    const status = rng.pick(['active', 'active', 'active', 'resolved', 'inactive']);
    return {
      record: {
        id: ctx.idOf('problems', i),
        patient: o.patient,
        doctor: o.doctor,
        appointment: null,
        name: icd.name,
        description: '',
        icd_code: icd.code,
        icd_version: '10',
        snomed_ct_code: icd.snomed,
        status,
        verification_status: 'confirmed',
        category: 'problem-list-item',
        problem_type: '',
        date_onset: formatDate(created - rng.int(0, 400) * DAY_MS),
        date_diagnosis: formatDate(created),
        date_changed: formatDate(updated),
        abatement_date: status === 'resolved' ? formatDate(updated) : null,
        info_url: '',
        notes: '',
      },
      updatedAt: updated,
    };
  },
  care_plans(ctx, i, rng) {
    const o = ownerOf(ctx, 'care_plans', i);
    const plan = rng.pick(ctx.vocab.carePlans);
    const { created, updated } = stamps(ctx, rng, 730);
    return {
      record: {
        id: ctx.idOf('care_plans', i),
        patient: String(o.patient),
        appointment: '',
        plan_type: plan.type,
        title: plan.title,
        description: plan.title,
        instructions: plan.instructions,
        code: plan.code,
        code_system: 'SNOMEDCT',
        scheduled_date: formatDate(created + 30 * DAY_MS),
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  care_team_members(ctx, i, rng) {
    const o = ownerOf(ctx, 'care_team_members', i);
    const { created, updated } = stamps(ctx, rng, 730);
    return {
      record: {
        id: ctx.idOf('care_team_members', i),
        patient: String(o.patient),
        appointment: '',
        // A user id (the patient's doctor's login), as DrChrono's care team names users, not doctors.
        user: String(ctx.idOf('users', doctorOfPatient(ctx, o.p))),
        created_at: ts(created),
      },
      updatedAt: updated,
    };
  },
  implantable_devices(ctx, i, rng) {
    const o = ownerOf(ctx, 'implantable_devices', i);
    const { created, updated } = stamps(ctx, rng, 1460);
    const gtin = withGs1CheckDigit(`0088${rng.int(100_000_000, 999_999_999)}`);
    const serial = `SN${rng.int(100_000, 999_999)}`;
    const lot = `L${rng.int(1000, 9999)}`;
    const expires = created + 3650 * DAY_MS;
    return {
      record: {
        id: ctx.idOf('implantable_devices', i),
        patient: String(o.patient),
        status: 'active',
        udi: udiOf(gtin, expires, lot, serial),
        brand_name: 'Synthetic Cardiac Pacemaker',
        company_name: 'Example Devices Inc.',
        gmdn_pt_name: 'Dual-chamber implantable pacemaker',
        version_or_model: 'SP-200',
        serial_number: serial,
        lot_number: lot,
        manufacturing_date: formatDate(created - 400 * DAY_MS),
        expiration_date: formatDate(expires),
        procedure: '',
        archived: false,
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  amendments(ctx, i, rng) {
    const o = ownerOf(ctx, 'amendments', i);
    return {
      record: {
        id: ctx.idOf('amendments', i),
        patient: o.patient,
        doctor: o.doctor,
        appointment: null,
        amendment_name: 'Correction of recorded allergy',
        amendment_file: `https://files.example.com/amendments/${ctx.idOf('amendments', i)}.pdf`,
        comments: 'Patient requested correction.',
      },
      updatedAt: stamps(ctx, rng, 365).updated,
    };
  },
  patient_communications: cqmBuilder('patient_communications'),
  patient_interventions: cqmBuilder('patient_interventions'),
  patient_physical_exams: cqmBuilder('patient_physical_exams'),
  patient_risk_assessments: cqmBuilder('patient_risk_assessments'),
  patient_vaccine_records(ctx, i, rng) {
    const o = ownerOf(ctx, 'patient_vaccine_records', i);
    const v = rng.pick(ctx.vocab.vaccines);
    const { created, updated } = stamps(ctx, rng, 1095);
    return {
      record: {
        id: ctx.idOf('patient_vaccine_records', i),
        patient: o.patient,
        ordering_doctor: o.doctor,
        name: v.name,
        cvx_code: v.cvx,
        cpt_code: v.cpt,
        manufacturer: v.mvx,
        lot_number: `${v.mvx}${rng.int(1000, 9999)}`,
        amount: 0.5,
        units: 'mL',
        route: 'C28161',
        site: rng.pick(ctx.vocab.vaccineSites),
        administered_at: null,
        administered_by: '',
        administration_start: ts(created),
        completion_status: 'CP',
        funding_eligibility: 'V01',
        record_source: '00',
        doses: [],
        next_dose_date: null,
        comments: '',
        consent_form: null,
        vaccine_inventory: null,
        entered_by: '',
        vis: '',
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  prescription_messages(ctx, i, rng) {
    const o = ownerOf(ctx, 'prescription_messages', i);
    const type = rng.pick(ctx.vocab.prescriptionTypes);
    const { created } = stamps(ctx, rng, 365);
    return {
      record: {
        id: ctx.idOf('prescription_messages', i),
        patient: o.patient,
        doctor: o.doctor,
        message_type: type,
        message_direction: type === 'NewRx' || type === 'RefillResponse' ? 'O' : 'I',
        message_status: rng.pick(['Verified', 'Sent', 'Pending']),
        parent_message: '',
        pharmacy: rng.pick(ctx.vocab.pharmacies),
        json_data: '{}',
        created_at: ts(created),
      },
      updatedAt: created,
    };
  },
  custom_vitals(ctx, i, rng) {
    const byType = [
      { name: 'Pain score', unit: '', data_type: 'number' },
      { name: 'Head circumference', unit: 'cm', data_type: 'number' },
    ][i % 2] ?? { name: 'Pain score', unit: '', data_type: 'number' };
    return {
      record: {
        id: ctx.idOf('custom_vitals', i),
        doctor: String(ctx.idOf('doctors', Math.floor(i / 2))),
        ...byType,
        description: '',
        allowed_values: [],
        is_fraction_field: false,
        fraction_delimiter: '',
        archived: false,
      },
      updatedAt: stamps(ctx, rng, 1500).updated,
    };
  },
  inventory_categories(ctx, i, rng) {
    const c = ctx.vocab.inventoryCategories[i % ctx.vocab.inventoryCategories.length];
    const { created, updated } = stamps(ctx, rng, 1500);
    return {
      record: {
        id: ctx.idOf('inventory_categories', i),
        name: c?.name ?? 'Vaccines',
        category_type: c?.type ?? 'vaccine',
        doctor: String(ctx.idOf('doctors', 0)),
        archived: false,
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
  inventory_vaccines(ctx, i, rng) {
    const v = ctx.vocab.vaccines[i % ctx.vocab.vaccines.length] ?? ctx.vocab.vaccines[0];
    const { created, updated } = stamps(ctx, rng, 540);
    const original = rng.pick([10, 25, 50, 100]);
    const cost = rng.int(15, 180);
    return {
      record: {
        id: ctx.idOf('inventory_vaccines', i),
        doctor: ctx.idOf('doctors', Math.floor(i / 7)),
        category: ctx.idOf('inventory_categories', 0),
        name: v?.name,
        cvx_code: v?.cvx,
        manufacturer: v?.manufacturer,
        manufacturer_code: v?.mvx,
        lot_number: `${v?.mvx}${rng.int(10_000, 99_999)}`,
        expiry: formatDate(created + rng.int(180, 720) * DAY_MS),
        original_quantity: original,
        current_quantity: rng.int(0, original),
        cost,
        price: cost * 1.5,
        price_with_tax: cost * 1.5,
        sales_tax_applicable: false,
        vaccination_type: 'Routine',
        status: rng.chance(0.85) ? 'active' : 'inactive',
        note: '',
        created_at: ts(created),
        updated_at: ts(updated),
      },
      updatedAt: updated,
    };
  },
};
