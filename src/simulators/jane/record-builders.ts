import { syntheticPerson } from '../common/people.ts';
import type { Rng } from '../common/rng.ts';
import { isoDate, isoDateTime } from './iso-time.ts';
import {
  ACTIVITY_PROGRESS,
  CANCEL_REASONS,
  CARE_PLAN_ACTIVITIES,
  CARE_PLAN_TITLES,
  DISCIPLINES,
  type DisciplineDef,
  GENDER_WORDS,
  LOCATION_NAMES,
  MEDICATION_REASONS,
  MEDICATION_SYSTEM,
  MEDICATIONS,
  OBSERVATION_CODES,
  OBSERVATION_GROUPS,
  OBSERVATION_NOTES,
  PRONOUNS,
  STAFF_PREFIXES,
  STAFF_SUFFIXES,
  TREATMENTS,
} from './vocabulary.ts';

/**
 * Pure builders of native Jane records. They take the randomness and the relationships
 * (ids, times) from the caller, so the lazy dataset and the live `tick` share them.
 * Records hold no created_at/updated_at: the store tracks those and the view adds the ones a
 * resource's payload shows.
 */
export type NativeRecord = { id: string } & Record<string, unknown>;

const DAY = 86_400_000;
const iso = isoDateTime;

export function buildStaffMember(rng: Rng, id: string, disciplineIndex: number): NativeRecord {
  const p = syntheticPerson(rng);
  const suffix = STAFF_SUFFIXES[disciplineIndex % STAFF_SUFFIXES.length] ?? '';
  const discipline = DISCIPLINES[disciplineIndex % DISCIPLINES.length];
  return {
    id,
    first_name: p.firstName,
    middle_name: '',
    last_name: p.lastName,
    prefix: rng.pick(STAFF_PREFIXES),
    preferred_name: '',
    pronouns: PRONOUNS[p.gender],
    bio: `${discipline?.professionalTitle ?? 'Practitioner'} with ${rng.int(2, 25)} years of experience.`,
    suffix,
    email: p.email,
    work_phone: p.phone,
    fax_phone: '',
  };
}

export function buildLocation(rng: Rng, id: string, index: number): NativeRecord {
  const p = syntheticPerson(rng);
  const area = LOCATION_NAMES[index % LOCATION_NAMES.length] ?? 'Main';
  return {
    id,
    name: index < LOCATION_NAMES.length ? area : `${area} ${Math.floor(index / LOCATION_NAMES.length) + 1}`,
    street_address: p.address.line1,
    street_address_2: rng.chance(0.4) ? `Suite ${rng.int(100, 450)}` : '',
    city: p.address.city,
    province: p.address.state,
    postal: p.address.postalCode,
    country: p.address.country,
    email: `${area.toLowerCase().replace(/[^a-z]/g, '')}@clinic.example.com`,
    phone: p.phone,
    fax: '',
    hours: 'Mon-Fri 8:00-19:00, Sat 9:00-14:00',
    legal_name: '',
    short_description: `${area} clinic`,
    long_description: '',
    online_bookable: rng.chance(0.85),
  };
}

export function buildDiscipline(def: DisciplineDef, id: string): NativeRecord {
  return {
    id,
    name: def.name,
    professional_title: def.professionalTitle,
    description: def.description,
    bookable_online: true,
    normalized_type: def.normalizedType,
  };
}

export function buildTreatment(
  treatmentIndex: number,
  id: string,
  disciplineId: string | null,
): NativeRecord {
  const t = TREATMENTS[treatmentIndex % TREATMENTS.length];
  if (!t) throw new Error('treatment table is empty');
  return {
    id,
    name: t.name,
    description: null,
    treatment_duration: t.minutes * 60,
    scheduled_duration: (t.minutes + t.bufferMinutes) * 60,
    price: t.price,
    display_price: true,
    capacity: t.capacity,
    booking_type: t.bookingType,
    booking_info: null,
    discipline_id: disciplineId,
    online_only: false,
    book_online: t.bookingType === 'one_on_one_booking',
    display_treatment_duration: true,
    price_includes_tax: false,
  };
}

export function buildPatient(
  rng: Rng,
  ctx: { id: string; number: number; createdAt: number; deepLinkBase: string },
): NativeRecord {
  const p = syntheticPerson(rng);
  const sex = p.gender === 'female' ? 'female' : p.gender === 'male' ? 'male' : 'x';
  const ageYears = (ctx.createdAt - Date.parse(p.birthDate)) / (365.25 * DAY);
  const roll = rng.next();
  const status = roll < 0.9 ? 'active' : roll < 0.96 ? 'discharged' : roll < 0.99 ? 'archived' : 'deceased';
  const mobile = p.phone;
  const phones = [{ type: 'mobile', number: mobile, is_primary: true }];
  if (rng.chance(0.3)) {
    phones.push({
      type: 'home',
      number: `555-${rng.int(100, 999)}-${rng.int(1000, 9999)}`,
      is_primary: false,
    });
  }
  const doNotEmail = rng.chance(0.05);
  return {
    id: ctx.id,
    first_name: p.firstName,
    middle_name: rng.chance(0.2) ? rng.pick(['A.', 'J.', 'M.', 'R.']) : '',
    last_name: p.lastName,
    prefix: '',
    preferred_name: rng.chance(0.1) ? p.firstName.slice(0, 3) : '',
    sex,
    gender: GENDER_WORDS[p.gender],
    pronouns: PRONOUNS[p.gender],
    date_of_birth: p.birthDate,
    guardian_name: ageYears < 18 ? `${rng.pick(['Alex', 'Sam', 'Jordan', 'Casey'])} ${p.lastName}` : '',
    patient_since: isoDate(ctx.createdAt),
    patient_number: String(1000 + ctx.number),
    email: p.email,
    send_marketing_emails: !doNotEmail && rng.chance(0.4),
    do_not_email: doNotEmail,
    status,
    mobile_country_code: '1',
    mobile_phone_number: mobile,
    phone_numbers: phones,
    street_address: p.address.line1,
    street_address_2: '',
    city: p.address.city,
    province: p.address.state,
    postal: p.address.postalCode,
    country: p.address.country,
    deep_links: { profile: { web: `${ctx.deepLinkBase}/admin#patients/${ctx.id}` } },
  };
}

export type AppointmentContext = {
  id: string;
  bookedAt: number;
  /** Appointments that start before this instant have played out (arrived, no-show...). */
  now: number;
  patientId: string;
  staffMemberId: string;
  locationId: string;
  treatmentId: string;
  scheduledSeconds: number;
  firstVisit: boolean;
};

/** Returns the appointment and when it last changed (booking, arrival, cancellation...). */
export function buildAppointment(
  rng: Rng,
  ctx: AppointmentContext,
): { record: NativeRecord; updatedAt: number } {
  const startSlot = Math.floor((ctx.bookedAt + rng.int(1, 45) * DAY) / (15 * 60_000)) * 15 * 60_000;
  const hour = rng.int(8, 18);
  const start = Math.floor(startSlot / DAY) * DAY + hour * 3_600_000 + rng.pick([0, 15, 30, 45]) * 60_000;
  const end = start + ctx.scheduledSeconds * 1000;
  const record: NativeRecord = {
    id: ctx.id,
    start_at: iso(start),
    end_at: iso(end),
    staff_member_id: ctx.staffMemberId,
    patient_id: ctx.patientId,
    location_id: ctx.locationId,
    treatment_id: ctx.treatmentId,
    first_visit: ctx.firstVisit,
    cancelled_at: null,
    cancelled_reason: null,
    booked_at: iso(ctx.bookedAt),
    no_show_at: null,
    arrived_at: null,
    archived_at: null,
    checked_in_at: null,
    state: 'booked',
  };
  let updatedAt = ctx.bookedAt;
  const roll = rng.next();
  if (start <= ctx.now) {
    if (roll < 0.75) {
      const arrived = start - rng.int(0, 10) * 60_000;
      Object.assign(record, { state: 'arrived', arrived_at: iso(arrived), checked_in_at: iso(arrived) });
      updatedAt = arrived;
    } else if (roll < 0.82) {
      Object.assign(record, { state: 'no_show', no_show_at: iso(start + 15 * 60_000) });
      updatedAt = start + 15 * 60_000;
    } else if (roll < 0.95) {
      updatedAt = cancel(rng, record, ctx.bookedAt, start);
    } else {
      const archived = Math.min(ctx.now, start + rng.int(1, 20) * DAY);
      Object.assign(record, { state: 'archived', archived_at: iso(archived) });
      updatedAt = archived;
    }
  } else if (roll < 0.04) {
    record.state = 'reserved';
  } else if (roll < 0.1) {
    updatedAt = Math.min(ctx.now, cancel(rng, record, ctx.bookedAt, start));
  }
  return { record, updatedAt: Math.max(updatedAt, ctx.bookedAt) };
}

function cancel(rng: Rng, record: NativeRecord, bookedAt: number, start: number): number {
  const at = bookedAt + Math.floor(rng.next() * Math.max(1, start - bookedAt));
  Object.assign(record, {
    state: 'cancelled',
    cancelled_at: iso(at),
    cancelled_reason: rng.pick(CANCEL_REASONS),
  });
  return at;
}

const codeByKey = new Map(OBSERVATION_CODES.map((c) => [c.code, c]));

export function buildObservationValues(rng: Rng, idFor: (i: number) => string) {
  const group = rng.pick(OBSERVATION_GROUPS);
  const defs = group.map((code) => codeByKey.get(code)).filter((d) => d !== undefined);
  const values = defs.map((def, i) => {
    let value: string;
    if (def.valueType === 'numeric' && def.range) {
      const [min, max, decimals] = def.range;
      value = (min + rng.next() * (max - min)).toFixed(decimals);
    } else if (def.valueType === 'boolean') {
      value = String(rng.chance(0.2));
    } else {
      value = rng.pick(def.choices ?? ['']);
    }
    return {
      id: idFor(i),
      code: def.code,
      system: def.system,
      display: def.display,
      value,
      value_type: def.valueType,
      ...(def.unit ? { unit: def.unit } : {}),
    };
  });
  return { category: defs[0]?.category ?? 'vital_signs', values };
}

export function buildObservation(
  rng: Rng,
  ctx: {
    id: string;
    patientId: string;
    practitionerId: string;
    issuedAt: number;
    idFor: (i: number) => string;
  },
): NativeRecord {
  const { category, values } = buildObservationValues(rng, ctx.idFor);
  const note = rng.pick(OBSERVATION_NOTES);
  return {
    id: ctx.id,
    patient_id: ctx.patientId,
    practitioner_id: ctx.practitionerId,
    category,
    issued_at: iso(ctx.issuedAt),
    ...(note ? { note } : {}),
    values,
    document_ids: [],
  };
}

export function buildCarePlan(
  rng: Rng,
  ctx: {
    id: string;
    patientId: string;
    practitionerId: string;
    createdAt: number;
    idFor: (i: number) => string;
  },
): NativeRecord {
  const count = rng.int(1, 3);
  const activities = Array.from({ length: count }, (_, i) => {
    const a = rng.pick(CARE_PLAN_ACTIVITIES);
    return {
      id: ctx.idFor(i),
      category: a.category,
      description: a.description,
      progress: rng.pick(ACTIVITY_PROGRESS),
      created_at: iso(ctx.createdAt),
      updated_at: iso(ctx.createdAt),
    };
  });
  return {
    id: ctx.id,
    patient_id: ctx.patientId,
    practitioner_id: ctx.practitionerId,
    category: 'treatment_plan',
    title: rng.pick(CARE_PLAN_TITLES),
    description: 'Goals agreed with the patient at assessment.',
    status: rng.pick(['active', 'active', 'active', 'completed', 'draft', 'on-hold']),
    activities,
    document_ids: [],
  };
}

export function buildMedication(
  rng: Rng,
  ctx: { id: string; patientId: string; practitionerId: string; createdAt: number },
): NativeRecord {
  const m = rng.pick(MEDICATIONS);
  const prescribed = m.code !== undefined && rng.chance(0.8);
  const start = ctx.createdAt - rng.int(0, 30) * DAY;
  return {
    id: ctx.id,
    patient_id: ctx.patientId,
    practitioner_id: ctx.practitionerId,
    encounter_id: null,
    medication_code: {
      coding: m.code ? [{ system: MEDICATION_SYSTEM, code: m.code, display: m.text }] : null,
      text: m.text,
    },
    ingredients: [{ name: m.ingredient, strength: m.strength, strength_unit: m.unit }],
    dose_form: m.form,
    route: 'oral',
    frequency: m.frequency,
    quantity: prescribed ? rng.pick([30, 60, 90]) : null,
    period_start: isoDate(start),
    period_end: rng.chance(0.3) ? isoDate(start + rng.int(7, 90) * DAY) : null,
    instructions: `Take 1 ${m.form} ${m.frequency}.`,
    status: 'active',
    source: prescribed ? 'prescribed' : 'patient_reported',
    change_reason: null,
    prescription_valid_until: prescribed ? isoDate(start + 365 * DAY) : null,
    prescription_refills: prescribed ? rng.int(0, 5) : null,
    prescription_days_supply: prescribed ? 30 : null,
    prescription_reason: rng.pick(MEDICATION_REASONS),
  };
}
